package org.virtualservices.core.runtime;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.help.HelpFormatter;
import org.apache.commons.cli.help.TextHelpAppendable;

/** --help of our commands, through commons-cli's help formatter. */
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
}
