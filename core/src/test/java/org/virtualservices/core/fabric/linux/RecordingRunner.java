package org.virtualservices.core.fabric.linux;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;

/** A fake runner: records each command (argv and stdin) and answers with what the test scripted. */
final class RecordingRunner implements CommandRunner {

  /** Synchronized: the fabric runs some commands at once. */
  final List<Command> commands = java.util.Collections.synchronizedList(new ArrayList<>());
  private final Function<Command, CommandResult> answer;

  RecordingRunner(Function<Command, CommandResult> answer) {
    this.answer = answer;
  }

  /** Every command succeeds with no output, except listings, which show an empty node. */
  static RecordingRunner emptyNode() {
    return new RecordingRunner(c -> ok(c, c.argv().contains("-json") ? "[]" : ""));
  }

  static CommandResult ok(Command c, String stdout) {
    return new CommandResult(c, 0, stdout, "");
  }

  static CommandResult fail(Command c, String stderr) {
    return new CommandResult(c, 1, "", stderr);
  }

  @Override
  public CommandResult run(Command command) {
    commands.add(command);
    return answer.apply(command);
  }

  List<String> argvs() {
    return commands.stream().map(Command::display).toList();
  }
}
