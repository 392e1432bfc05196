package org.virtualservices.epilog;

import java.util.List;

/** Entry point of {@code bin/vcluster-epilog}. */
public final class EpilogMain {

  private EpilogMain() {
  }

  public static void main(String[] args) {
    List<String> argv = List.of(args);
    System.exit(EpilogCommand.production(System.out, System.err)
        .run(argv, System.getenv()));
  }
}
