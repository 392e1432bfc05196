package org.virtualservices.launcher;

/**
 * Why a subcommand stops, as one line for the user, with the exit code it ends with: 1 could not
 * do it, 2 usage error or refused. Caught by the subcommand, never by {@code main}.
 */
final class LauncherException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int exitCode;

  LauncherException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
