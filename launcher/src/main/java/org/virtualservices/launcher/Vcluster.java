package org.virtualservices.launcher;

import java.io.PrintStream;
import java.util.List;

/** {@code vcluster}, the user's command. For now it answers {@code --version}; its subcommands come next. */
public final class Vcluster {

  private final PrintStream out;
  private final PrintStream err;

  public Vcluster(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    System.exit(new Vcluster(System.out, System.err).run(List.of(args)));
  }

  public int run(List<String> args) {
    if (args.equals(List.of("--version")) || args.equals(List.of("version"))) {
      out.println("vcluster " + version());
      return 0;
    }
    err.println("usage: vcluster --version (the other subcommands are not built yet)");
    return 2;
  }

  static String version() {
    String v = Vcluster.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }
}
