package org.virtualservices.core.command;

/** What a finished command left: its exit status and its output. */
public record CommandResult(Command command, int exitStatus, String stdout, String stderr) {

  public boolean ok() {
    return exitStatus == 0;
  }

  /** Throws a {@link CommandFailedException} carrying argv, status and output unless it exited 0. */
  public CommandResult orThrow() {
    if (!ok()) {
      throw new CommandFailedException(this);
    }
    return this;
  }
}
