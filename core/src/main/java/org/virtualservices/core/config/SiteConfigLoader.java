package org.virtualservices.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.virtualservices.core.log.Shown;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/** Finds, reads and checks the site configuration, reporting every error with its key path. */
public final class SiteConfigLoader {

  public static final Path DEFAULT_PATH = Path.of("/etc/vcluster/site.yaml");
  public static final String ENV_VAR = "VC_CONFIG";

  private SiteConfigLoader() {
  }

  /** The configuration file: {@code --config}, else {@code VC_CONFIG}, else {@link #DEFAULT_PATH}. */
  public static Path locate(Optional<String> configOption, Map<String, String> env) {
    if (configOption.isPresent()) {
      return Path.of(configOption.get());
    }
    String fromEnv = env.get(ENV_VAR);
    return fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : DEFAULT_PATH;
  }

  public static SiteConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file.toString(), List.of("no such file (set --config or " + ENV_VAR + ")"));
    } catch (IOException e) {
      throw new ConfigException(file.toString(), List.of("cannot read: " + e));
    }
    return parse(text, file.toString());
  }

  public static SiteConfig parse(String yaml, String source) {
    JsonNode root;
    try {
      root = yaml.isBlank() ? MissingNode.getInstance() : YamlTree.read(yaml);
    } catch (JsonProcessingException e) {
      throw new ConfigException(source, List.of(yamlError(e)));
    } catch (IOException e) {
      throw new ConfigException(source, List.of("cannot read: " + e));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      root = YamlTree.emptyMapping();
    }
    ConfigBinder binder = new ConfigBinder();
    SiteConfig config = binder.bindRecord(SiteConfig.class, root, "");
    List<String> errors = new ArrayList<>(binder.errors());
    if (config != null) {
      try {
        errors.addAll(SiteConfigCheck.semantic(config));
      } catch (RuntimeException e) {
        // a section that did not bind is null here; its type error is already in the list
        if (errors.isEmpty()) {
          throw e;
        }
      }
    }
    if (!errors.isEmpty() || config == null) {
      throw new ConfigException(source, errors.isEmpty() ? List.of("could not be read") : errors);
    }
    return config;
  }

  /**
   * A YAML syntax error in one line, with its line and column: "not valid YAML at line 5, column
   * 4: expected ',' or ']', but got ':' (in a flow sequence from line 4, column 10)". SnakeYAML's
   * own text is ten lines with the source quoted and a caret under it.
   */
  static String yamlError(JsonProcessingException e) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof MarkedYAMLException m && m.getProblemMark() != null) {
        Mark at = m.getProblemMark();
        String context = m.getContext() == null ? "" : " (" + m.getContext().strip()
            + (m.getContextMark() == null ? "" : " from " + position(m.getContextMark())) + ")";
        return Shown.line("not valid YAML at " + position(at) + ": " + m.getProblem() + context, 300);
      }
    }
    String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
        + e.getLocation().getColumnNr();
    String first = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("");
    return Shown.line("not valid YAML" + where + ": " + first, 300);
  }

  private static String position(Mark m) {
    return "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1);
  }

  /** The configuration with every key at its default, as a newcomer's empty file gives. */
  public static SiteConfig defaults() {
    return parse("", "(defaults)");
  }
}
