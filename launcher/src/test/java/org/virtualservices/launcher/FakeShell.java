package org.virtualservices.launcher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.virtualservices.core.remote.RemoteException;
import org.virtualservices.core.remote.RemoteHost;
import org.virtualservices.core.remote.RemoteResult;
import org.virtualservices.core.remote.RemoteShell;

/**
 * A {@link RemoteShell} whose "VMs" answer from a script: per VM name, the lines to print and the
 * exit status, or the reason it is unreachable. Records what was run and copied where.
 */
final class FakeShell implements RemoteShell {

  /** What a VM does with any command: lines on stdout, lines on stderr, exit status. */
  record Answer(List<String> out, List<String> err, int exit) {}

  final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  final List<String> uploads = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Answer> answers = new HashMap<>();
  private final Map<String, String> unreachable = new HashMap<>();
  private final Map<String, String> uploadFails = new HashMap<>();
  boolean closed;

  FakeShell answer(String vm, int exit, String... out) {
    answers.put(vm, new Answer(List.of(out), List.of(), exit));
    return this;
  }

  FakeShell answerErr(String vm, int exit, String... err) {
    answers.put(vm, new Answer(List.of(), List.of(err), exit));
    return this;
  }

  FakeShell unreachable(String vm, String why) {
    unreachable.put(vm, why);
    return this;
  }

  FakeShell uploadFails(String vm, String why) {
    uploadFails.put(vm, why);
    return this;
  }

  @Override
  public RemoteResult run(RemoteHost host, List<String> argv, Duration timeout, Consumer<String> out, Consumer<String> err) {
    calls.add(host.name() + "@" + host.address() + " as " + host.user() + ": " + String.join(" ", argv));
    if (unreachable.containsKey(host.name())) {
      throw new RemoteException(host, "connect", new Exception(unreachable.get(host.name())));
    }
    Answer a = answers.getOrDefault(host.name(), new Answer(List.of(), List.of(), 0));
    a.out().forEach(out);
    a.err().forEach(err);
    return new RemoteResult(host, String.join(" ", argv), a.exit());
  }

  @Override
  public void upload(RemoteHost host, Path local, String remotePath, Duration timeout) {
    if (uploadFails.containsKey(host.name())) {
      throw new RemoteException(host, "copy " + local + " to " + remotePath, new Exception(uploadFails.get(host.name())));
    }
    uploads.add(host.name() + ":" + remotePath + " <- " + local.getFileName());
  }

  @Override
  public void close() {
    closed = true;
  }
}
