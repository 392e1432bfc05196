package org.virtualservices.core.fabric.linux;

import java.util.ArrayList;
import java.util.List;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;

/** Runs every command inside a network namespace: {@code ip netns exec NS argv...}. */
record NetnsRunner(String namespace, CommandRunner inner) implements CommandRunner {

  @Override
  public CommandResult run(Command command) {
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    argv.addAll(command.argv());
    CommandResult r = inner.run(new Command(argv, command.stdin(), command.timeout()));
    // report the command as the fabric asked for it, so messages stay comparable
    return new CommandResult(command, r.exitStatus(), r.stdout(), r.stderr());
  }
}
