package org.virtualservices.launcher;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.virtualservices.core.config.ConfigException;
import org.virtualservices.core.config.Image;
import org.virtualservices.core.config.SiteConfigLoader;

/**
 * {@code vcluster images [--json] [--config FILE]}: the site's catalog, the names users may give
 * to {@code --vc-image}, with their descriptions. Paths of the images are the site's business and
 * are not shown. A user's own images ({@code user:NAME}) are listed by {@code vcluster image list}
 * ({@link ImageCommand}).
 */
final class ImagesCommand {

  static final String NAME = "vcluster images";

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;

  ImagesCommand(PrintStream out, PrintStream err, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.env = env;
  }

  int run(List<String> args) {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("config").hasArg().argName("FILE").desc("site configuration").get());
    o.addOption(Option.builder().longOpt("json").desc("a JSON array of {name, description}").get());
    CommandLine cmd;
    try {
      cmd = DefaultParser.builder().get().parse(o, args.toArray(String[]::new));
    } catch (ParseException e) {
      err.println(NAME + ": " + e.getMessage() + " (usage: " + NAME + " [--json] [--config FILE]; the site's catalog,"
          + " 'vcluster image list' lists your own)");
      return 2;
    }
    if (!cmd.getArgList().isEmpty()) {
      err.println(NAME + ": unexpected argument '" + cmd.getArgList().get(0) + "'");
      return 2;
    }
    Map<String, Image> images;
    try {
      images = new TreeMap<>(SiteConfigLoader.load(
          SiteConfigLoader.locate(Optional.ofNullable(cmd.getOptionValue("config")), env)).images());
    } catch (ConfigException e) {
      err.println(NAME + ": " + ValidateCommand.oneLine(e));
      return 1;
    }
    if (cmd.hasOption("json")) {
      ObjectMapper json = new ObjectMapper();
      ArrayNode list = json.createArrayNode();
      images.forEach((name, image) -> list.addObject().put("name", name)
          .put("description", image.description() == null ? "" : image.description()));
      try {
        out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(list));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("writing the catalog as JSON", e);
      }
      return 0;
    }
    int width = images.keySet().stream().mapToInt(String::length).max().orElse(0);
    images.forEach((name, image) -> out.println(String.format("%-" + Math.max(width, 1) + "s  %s", name,
        image.description() == null ? "" : image.description()).stripTrailing()));
    return 0;
  }
}
