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
      String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
      throw new ConfigException(source, List.of("not valid YAML" + where + ": " + e.getOriginalMessage()));
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

  /** The configuration with every key at its default, as a newcomer's empty file gives. */
  public static SiteConfig defaults() {
    return parse("", "(defaults)");
  }
}
