package org.virtualservices.core.remote;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs programs on other hosts over SSH: the VMs of a job (the user's {@code vcluster exec}) and
 * the sister nodes of a PBS job (the mother superior's prologue). The argv is quoted for the
 * remote login shell by {@link ShellWords}; callers never build shell strings. Safe to use from
 * several threads at once: commands to different hosts run in parallel.
 */
public interface RemoteShell extends AutoCloseable {

  /**
   * Runs {@code argv} on {@code host} until it ends or {@code timeout} passes, giving each line
   * of its standard output and error to the two sinks as it arrives.
   *
   * @throws RemoteException if the command could not be started (or timed out), naming the host
   */
  RemoteResult run(RemoteHost host, List<String> argv, Duration timeout, Consumer<String> out, Consumer<String> err);

  /** Closes every connection this shell opened. */
  @Override
  void close();
}
