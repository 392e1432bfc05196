package org.virtualservices.epilog;

import java.util.List;

/** Entry point of {@code bin/vcluster-epilog}, and of the helper of {@code vcluster checkpoint} ({@link CheckpointNowCommand}). */
public final class EpilogMain {

  private EpilogMain() {
  }

  public static void main(String[] args) {
    List<String> argv = List.of(args);
    int status;
    try {
      status = !argv.isEmpty() && argv.get(0).equals(CheckpointNowCommand.OPTION)
          ? CheckpointNowCommand.production(System.out).run(argv, System.getenv())
          : EpilogCommand.production(System.out, System.err).run(argv, System.getenv());
    } catch (Throwable t) {
      // what even the command's own handler let through: one line, never a stack trace
      System.err.println("vcluster-epilog: unexpected " + t.getClass().getName());
      status = 1;
    }
    System.exit(status);
  }
}
