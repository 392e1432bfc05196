package org.virtualservices.launcher.drmaa;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;

/**
 * A command's real output, captured by tests/capture/slurm-drmaa.sh into
 * src/test/resources/drmaa/slurm/NAME.{argv,stdout,stderr,status}.
 */
record Captured(String name, List<String> argv, String stdout, String stderr, int status) {

  static Captured slurm(String name) {
    String base = "/drmaa/slurm/" + name;
    return new Captured(name, read(base + ".argv").lines().toList(), read(base + ".stdout"), read(base + ".stderr"),
        Integer.parseInt(read(base + ".status").strip()));
  }

  /** What the capture would have answered to a command: its output and status. */
  CommandResult answer(Command c) {
    return new CommandResult(c, status, stdout, stderr);
  }

  /** The same answer, for another job id (the first column): one job's life from several captures. */
  Captured withId(String id) {
    return new Captured(name, argv, stdout.replaceFirst("^[0-9]+", id), stderr, status);
  }

  /** The job id of an sbatch --parsable capture, or the first column of a squeue one. */
  String id() {
    return stdout.strip().split("[;|]")[0];
  }

  static String read(String resource) {
    try (InputStream in = Captured.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
