package org.virtualservices.core.runtime;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.help.HelpFormatter;
import org.apache.commons.cli.help.TextHelpAppendable;

/** Parsing and --help of our commands, through commons-cli. */
public final class CliHelp {

  private CliHelp() {
  }

  public static void print(PrintStream out, String syntax, String header, Options options) {
    try {
      HelpFormatter.builder().setShowSince(false).setHelpAppendable(new TextHelpAppendable(out)).get()
          .printHelp(syntax, header, options, "", false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.flush();
  }

  /**
   * Parses a subcommand's arguments; on a usage error prints {@code NAME: what (see --help)} and
   * gives nothing, and the caller exits 2. With {@code stopAtNonOption} the first word that is not
   * an option ends the options (a script's or a command's own arguments follow it).
   */
  public static Optional<CommandLine> parse(String name, Options options, List<String> args, boolean stopAtNonOption,
      PrintStream err) {
    try {
      return Optional.of(DefaultParser.builder().get().parse(options, args.toArray(String[]::new), stopAtNonOption));
    } catch (ParseException e) {
      err.println(name + ": " + e.getMessage() + " (see --help)");
      return Optional.empty();
    }
  }
}
