package org.virtualservices.core.hypervisor;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.FutureTask;
import java.util.function.Function;
import org.virtualservices.core.concurrent.Futures;

/**
 * A hypervisor whose connection is being opened on a thread of its own, so that a hook does its
 * other work meanwhile: in a hook's cold JVM, loading JNA and libvirt's C library and connecting
 * take long enough to see (docs/bench.md, "What was cut, and why"). Every call waits for the connection; if it could not be opened,
 * every call throws what the opening threw, as if it had been thrown here. {@link #close} closes
 * the connection once it is open, and never leaves one behind.
 */
public final class OpeningHypervisor implements Hypervisor {

  private final String uri;
  private final FutureTask<Hypervisor> opening;

  private OpeningHypervisor(String uri, FutureTask<Hypervisor> opening) {
    this.uri = uri;
    this.opening = opening;
  }

  /** Starts opening {@code uri} with {@code opener} and returns at once. */
  public static OpeningHypervisor open(String uri, Function<String, Hypervisor> opener) {
    return new OpeningHypervisor(uri, Futures.start("hypervisor-connect", () -> opener.apply(uri)));
  }

  /** The open connection; waits for it. */
  Hypervisor connection() {
    return Futures.join(opening, e -> e instanceof InterruptedException
        ? new HypervisorException("interrupted while connecting to " + uri, e)
        : new HypervisorException("cannot connect to " + uri + ": " + e, e));
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public void define(String name, String xml) {
    connection().define(name, xml);
  }

  @Override
  public void start(String name) {
    connection().start(name);
  }

  @Override
  public void start(String name, long hardLimitMiB) {
    connection().start(name, hardLimitMiB);
  }

  @Override
  public Optional<VmUsage> usage(String name) {
    return connection().usage(name);
  }

  @Override
  public DomainState state(String name) {
    return connection().state(name);
  }

  @Override
  public void shutdown(String name) {
    connection().shutdown(name);
  }

  @Override
  public boolean active(String name) {
    return connection().active(name);
  }

  @Override
  public boolean remove(String name) {
    return connection().remove(name);
  }

  @Override
  public List<DomainInfo> domains() {
    return connection().domains();
  }

  @Override
  public Optional<String> xml(String name) {
    return connection().xml(name);
  }

  @Override
  public void suspend(String name) {
    connection().suspend(name);
  }

  @Override
  public void resume(String name) {
    connection().resume(name);
  }

  @Override
  public void save(String name, java.nio.file.Path file) {
    connection().save(name, file);
  }

  @Override
  public void restore(String name, java.nio.file.Path file, Optional<String> xml, long hardLimitMiB) {
    connection().restore(name, file, xml, hardLimitMiB);
  }

  @Override
  public boolean setGuestTime(String name, long epochSecond) {
    return connection().setGuestTime(name, epochSecond);
  }

  @Override
  public void close() {
    Hypervisor open;
    try {
      open = connection();
    } catch (RuntimeException e) {
      return; // never opened: nothing to close (the failure was, or will be, reported by a call)
    }
    open.close();
  }
}
