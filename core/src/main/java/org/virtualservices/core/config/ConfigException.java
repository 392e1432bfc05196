package org.virtualservices.core.config;

import java.util.List;

/** A site configuration with errors; each names its key path (e.g. {@code network.vniMin}). */
public class ConfigException extends RuntimeException {

  private final transient List<String> errors;

  public ConfigException(String source, List<String> errors) {
    super(source + ": " + errors.size() + " error" + (errors.size() == 1 ? "" : "s") + "\n  "
        + String.join("\n  ", errors));
    this.errors = List.copyOf(errors);
  }

  public List<String> errors() {
    return errors;
  }
}
