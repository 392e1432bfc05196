package org.virtualservices.core.command;

/** Runs external programs. The real one starts processes; tests pass a fake that records argv. */
public interface CommandRunner {

  /** The exit status reported for a command killed at its timeout. */
  int TIMED_OUT = -1;

  /** Runs the command to its end (or its timeout) and returns what it left; never throws for a non-zero exit. */
  CommandResult run(Command command);

  /** Runs the command and throws {@link CommandFailedException} unless it exited 0. */
  default CommandResult check(Command command) {
    return run(command).orThrow();
  }
}
