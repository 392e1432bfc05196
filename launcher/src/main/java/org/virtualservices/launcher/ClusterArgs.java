package org.virtualservices.launcher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * Command-line pieces shared by the cluster subcommands: {@code --job ID}, {@code --timeout S}, and
 * the split at the first {@code --} between the subcommand's own words and the remote command,
 * which is the user's and is never parsed.
 */
final class ClusterArgs {

  private ClusterArgs() {}

  /** The words before the first {@code --}, and those after it (empty when there is none). */
  record Split(List<String> own, List<String> command, boolean dashes) {}

  static Split split(List<String> args) {
    int i = args.indexOf("--");
    if (i < 0) {
      return new Split(args, List.of(), false);
    }
    return new Split(args.subList(0, i), args.subList(i + 1, args.size()), true);
  }

  static Option job() {
    return Option.builder().longOpt("job").hasArg().argName("ID")
        .desc("the job whose cluster to use (default: the job this runs in)").get();
  }

  static Option timeout() {
    return Option.builder().longOpt("timeout").hasArg().argName("S").desc("give up after S seconds").get();
  }

  static Option help() {
    return Option.builder("h").longOpt("help").get();
  }

  /**
   * Parses the subcommand's own words; with {@code stopAtCommand} the first word that is no option
   * and all after it are left as arguments (the command given without {@code --}).
   */
  static CommandLine parse(Options options, List<String> own, boolean stopAtCommand, String usage) {
    try {
      return DefaultParser.builder().get().parse(options, own.toArray(String[]::new), stopAtCommand);
    } catch (ParseException e) {
      throw new LauncherException(2, e.getMessage() + " (" + usage + ")");
    }
  }

  static Optional<String> job(CommandLine cmd) {
    return Optional.ofNullable(cmd.getOptionValue("job"));
  }

  /** {@code --timeout S} (a positive whole number of seconds), else a limit no job reaches. */
  static Duration timeout(CommandLine cmd, String usage) {
    String s = cmd.getOptionValue("timeout");
    if (s == null) {
      return Duration.ofDays(365);
    }
    try {
      long seconds = Long.parseLong(s);
      if (seconds > 0) {
        return Duration.ofSeconds(seconds);
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new LauncherException(2, "--timeout wants a positive number of seconds, not '" + s + "' (" + usage + ")");
  }

  /** Every word of a repeatable, comma-separated option. */
  static List<String> values(CommandLine cmd, String option) {
    List<String> all = new ArrayList<>();
    String[] given = cmd.getOptionValues(option);
    if (given != null) {
      for (String g : given) {
        for (String w : g.split(",")) {
          if (!w.isBlank()) {
            all.add(w.strip());
          }
        }
      }
    }
    return all;
  }
}
