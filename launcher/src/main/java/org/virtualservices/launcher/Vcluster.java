package org.virtualservices.launcher;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * {@code vcluster}, the user's command: a thin dispatcher to one small class per subcommand, each
 * returning an exit code (0 done, 1 could not do it, 2 usage error or request refused).
 */
public final class Vcluster {

  static final String USAGE =
      "usage: vcluster submit|status|cancel|validate|images|image|hostfile|exec|ssh|mpirun|console|save|checkpoint|--version [options]"
          + " (vcluster SUBCOMMAND --help)";

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;

  public Vcluster(PrintStream out, PrintStream err, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.env = env;
  }

  public static void main(String[] args) {
    System.exit(new Vcluster(System.out, System.err, System.getenv()).run(List.of(args)));
  }

  public int run(List<String> args) {
    if (args.equals(List.of("--version")) || args.equals(List.of("version"))) {
      out.println("vcluster " + version());
      return 0;
    }
    if (args.isEmpty()) {
      err.println(USAGE);
      return 2;
    }
    List<String> rest = args.subList(1, args.size());
    return switch (args.get(0)) {
      case "validate" -> new ValidateCommand(out, err, env).run(rest);
      case "images" -> new ImagesCommand(out, err, env).run(rest);
      case "image" -> ImageCommand.real(out, err, env).run(rest);
      case "submit" -> new SubmitCommand(out, err, env).run(rest);
      case "status" -> new StatusCommand(out, err, env).run(rest);
      case "cancel" -> new CancelCommand(out, err, env).run(rest);
      case "hostfile" -> new HostfileCommand(out, err, Tools.real(env)).run(rest);
      case "exec" -> new ExecCommand(out, err, Tools.real(env)).run(rest);
      case "ssh" -> new SshCommand(out, err, Tools.real(env)).run(rest);
      case "mpirun" -> new MpirunCommand(out, err, Tools.real(env)).run(rest);
      case "console" -> new ConsoleCommand(out, err, Tools.real(env)).run(rest);
      case "save" -> new SaveCommand(out, err, Tools.real(env)).run(rest);
      case "checkpoint" -> new CheckpointCommand(out, err, Tools.real(env), java.time.Clock.systemUTC()).run(rest);
      case "-h", "--help", "help" -> {
        out.println(USAGE);
        yield 0;
      }
      default -> {
        err.println("vcluster: unknown subcommand '" + args.get(0) + "'; " + USAGE);
        yield 2;
      }
    };
  }

  static String version() {
    String v = Vcluster.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }
}
