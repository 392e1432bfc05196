package org.virtualservices.prolog;

import java.util.List;

/** Entry point of {@code bin/vcluster-prolog}. */
public final class PrologMain {

  private PrologMain() {
  }

  public static void main(String[] args) {
    List<String> argv = List.of(args);
    System.exit(PrologCommand.production(System.out, System.err)
        .run(argv, System.getenv()));
  }
}
