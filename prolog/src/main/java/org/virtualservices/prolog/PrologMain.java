package org.virtualservices.prolog;

import java.util.List;

/** Entry point of {@code bin/vcluster-prolog}. */
public final class PrologMain {

  private PrologMain() {
  }

  public static void main(String[] args) {
    List<String> argv = List.of(args);
    int status;
    try {
      status = PrologCommand.production(System.out, System.err).run(argv, System.getenv());
    } catch (Throwable t) {
      // what even the command's own handler let through: one line, never a stack trace, the node's fault
      System.err.println("vcluster-prolog: unexpected " + t.getClass().getName());
      status = argv.contains("--pbs") || argv.contains("--pbs-sister") ? 2 : 1;
    }
    System.exit(status);
  }
}
