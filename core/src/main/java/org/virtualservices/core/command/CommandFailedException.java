package org.virtualservices.core.command;

/** A command that exited non-zero or timed out, reported as a block: command / exit status / output. */
public class CommandFailedException extends RuntimeException {

  private final transient CommandResult result;

  public CommandFailedException(CommandResult result) {
    super(describe(result));
    this.result = result;
  }

  public CommandResult result() {
    return result;
  }

  static String describe(CommandResult r) {
    StringBuilder sb = new StringBuilder();
    sb.append("command failed\n  command executed: ").append(r.command().display());
    sb.append("\n  exit status: ").append(r.exitStatus() == CommandRunner.TIMED_OUT
        ? "timed out after " + r.command().timeout().toSeconds() + "s" : String.valueOf(r.exitStatus()));
    String out = (r.stdout() + (r.stderr().isEmpty() ? "" : "\n" + r.stderr())).strip();
    if (!out.isEmpty()) {
      sb.append("\n  output: ").append(out.replace("\n", "\n    "));
    }
    return sb.toString();
  }
}
