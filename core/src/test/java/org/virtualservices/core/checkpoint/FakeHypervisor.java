package org.virtualservices.core.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.virtualservices.core.hypervisor.DomainInfo;
import org.virtualservices.core.hypervisor.DomainState;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.hypervisor.HypervisorException;

/**
 * An in-memory hypervisor for the checkpoint's tests: each domain's state and "memory" (a string),
 * saved into and restored from real files; a save can be made to fail for one domain.
 */
final class FakeHypervisor implements Hypervisor {

  final Map<String, DomainState> states = new ConcurrentHashMap<>();
  final Map<String, String> memory = new ConcurrentHashMap<>();
  final List<String> calls = new ArrayList<>();
  volatile String saveFailsFor;

  void running(String name, String mem) {
    states.put(name, DomainState.RUNNING);
    memory.put(name, mem);
  }

  @Override
  public String uri() {
    return "fake:///";
  }

  @Override
  public void define(String name, String xml) {
    states.putIfAbsent(name, DomainState.SHUTOFF);
  }

  @Override
  public void start(String name) {
    states.put(name, DomainState.RUNNING);
  }

  @Override
  public void start(String name, long hardLimitMiB) {
    start(name);
  }

  @Override
  public Optional<org.virtualservices.core.hypervisor.VmUsage> usage(String name) {
    return Optional.empty();
  }

  @Override
  public DomainState state(String name) {
    return states.getOrDefault(name, DomainState.ABSENT);
  }

  @Override
  public boolean remove(String name) {
    return states.remove(name) != null;
  }

  @Override
  public List<DomainInfo> domains() {
    return states.entrySet().stream().map(e -> new DomainInfo(e.getKey(), e.getValue(), null, null)).toList();
  }

  @Override
  public Optional<String> xml(String name) {
    return states.containsKey(name) ? Optional.of("<domain><name>" + name + "</name><uuid>"
        + "00000000-0000-4000-8000-" + String.format("%012x", name.hashCode() & 0xffffffffL) + "</uuid></domain>")
        : Optional.empty();
  }

  @Override
  public synchronized void shutdown(String name) {
    calls.add("shutdown " + name);
    states.put(name, DomainState.SHUTOFF);
  }

  @Override
  public synchronized boolean active(String name) {
    DomainState s = states.get(name);
    return s == DomainState.RUNNING || s == DomainState.PAUSED;
  }

  @Override
  public synchronized void suspend(String name) {
    calls.add("suspend " + name);
    expect(name, DomainState.RUNNING);
    states.put(name, DomainState.PAUSED);
  }

  @Override
  public synchronized void resume(String name) {
    calls.add("resume " + name);
    expect(name, DomainState.PAUSED);
    states.put(name, DomainState.RUNNING);
  }

  @Override
  public synchronized void save(String name, Path file) {
    calls.add("save " + name);
    if (name.equals(saveFailsFor)) {
      throw new HypervisorException("save domain " + name + " into " + file + " on fake:///: disk full");
    }
    try {
      Files.writeString(file, memory.get(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    states.put(name, DomainState.SHUTOFF);
  }

  @Override
  public synchronized void restore(String name, Path file, Optional<String> xml, long hardLimitMiB) {
    calls.add("restore " + name);
    try {
      memory.put(name, Files.readString(file));
    } catch (IOException e) {
      throw new HypervisorException("restore domain " + name + ": " + e.getMessage(), e);
    }
    states.put(name, DomainState.RUNNING);
  }

  @Override
  public void close() {
  }

  private void expect(String name, DomainState s) {
    if (states.get(name) != s) {
      throw new HypervisorException(name + " is " + states.get(name) + ", not " + s);
    }
  }
}
