package org.virtualservices.launcher.drmaa;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;

/**
 * A fake CommandRunner that plays answers per program (sbatch, squeue, ...) in the order given,
 * the last one again once the others are used, and records every command run. A program with no
 * answer is "not installed": exit 127, as ProcessCommandRunner reports it.
 */
final class ScriptedRunner implements CommandRunner {

  final List<Command> ran = new ArrayList<>();
  private final Map<String, Deque<Function<Command, CommandResult>>> answers = new HashMap<>();

  ScriptedRunner on(String program, Captured... captures) {
    for (Captured c : captures) {
      answers.computeIfAbsent(program, p -> new ArrayDeque<>()).add(c::answer);
    }
    return this;
  }

  ScriptedRunner on(String program, int status, String stdout, String stderr) {
    answers.computeIfAbsent(program, p -> new ArrayDeque<>()).add(c -> new CommandResult(c, status, stdout, stderr));
    return this;
  }

  @Override
  public CommandResult run(Command command) {
    ran.add(command);
    Deque<Function<Command, CommandResult>> q = answers.get(command.program());
    if (q == null || q.isEmpty()) {
      return new CommandResult(command, 127, "", "cannot start " + command.program() + ": No such file or directory");
    }
    return (q.size() > 1 ? q.poll() : q.peek()).apply(command);
  }

  List<List<String>> argvs(String program) {
    return ran.stream().filter(c -> c.program().equals(program)).map(Command::argv).toList();
  }
}
