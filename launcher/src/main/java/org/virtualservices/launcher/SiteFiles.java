package org.virtualservices.launcher;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.virtualservices.core.config.ConfigException;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.SiteConfigLoader;

/**
 * The site configuration as the user's commands read it on the submit host, where it may be
 * missing or unreadable: then the defaults serve (resource manager auto-detected), and a request
 * is checked for its syntax only (the prolog checks it all again), with a warning, as the SPANK
 * plugin does.
 */
final class SiteFiles {

  private SiteFiles() {
  }

  /** The configuration, or null when it cannot be read (a warning said why, if it mattered). */
  static SiteConfig load(CommandLine cmd, Map<String, String> env, PrintStream err, String name, boolean forRequest) {
    Path file = SiteConfigLoader.locate(Optional.ofNullable(cmd.getOptionValue("config")), env);
    try {
      return SiteConfigLoader.load(file);
    } catch (ConfigException e) {
      if (forRequest) {
        err.println(name + ": warning: the request was not checked against the site's policy ("
            + ValidateCommand.oneLine(e) + ")");
      } else if (Files.exists(file)) {
        err.println(name + ": warning: the site configuration is not usable, defaults serve ("
            + ValidateCommand.oneLine(e) + ")");
      }
      return null;
    }
  }

  static SiteConfig defaults() {
    return SiteConfigLoader.defaults();
  }
}
