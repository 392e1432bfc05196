package org.virtualservices.core.remote;

import java.nio.file.Path;
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

  /**
   * Copies a local file to {@code host} as {@code remotePath} (relative: in the login's home), with
   * the local file's permission bits, replacing what is there; bounded by {@code timeout}. Added for
   * {@code vcluster mpirun --copy}; a shell that cannot copy says so.
   *
   * @throws RemoteException if the copy failed, naming the host and the file
   */
  default void upload(RemoteHost host, Path local, String remotePath, Duration timeout) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot copy files");
  }

  /** Closes every connection this shell opened. */
  @Override
  void close();
}
