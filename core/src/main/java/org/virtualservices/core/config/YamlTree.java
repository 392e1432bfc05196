package org.virtualservices.core.config;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;

/**
 * Reads YAML into Jackson's tree, the nodes {@code ObjectMapper.readTree} makes from the same
 * parser's tokens (a later duplicate key wins, the first document only), without an ObjectMapper:
 * the mapper's class initialisation alone (its default date format's locale data) is a measurable
 * part of a hook's cold start, and the configuration is all that a hook parses before its work
 * (docs/bench.md, "Where a prolog's CPU goes, and the evening's cuts").
 */
final class YamlTree {

  private static final YAMLFactory YAML = new YAMLFactory();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private YamlTree() {
  }

  /** The first document's tree; a missing node for a text without one. */
  static JsonNode read(String yaml) throws IOException {
    try (JsonParser p = YAML.createParser(yaml)) {
      JsonToken first = p.nextToken();
      return first == null ? MissingNode.getInstance() : value(p, first);
    }
  }

  static ObjectNode emptyMapping() {
    return NODES.objectNode();
  }

  // Recursive: the parser refuses nesting deeper than its StreamReadConstraints (1,000 levels).
  private static JsonNode value(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT -> {
        ObjectNode mapping = NODES.objectNode();
        for (JsonToken k = p.nextToken(); k == JsonToken.FIELD_NAME; k = p.nextToken()) {
          String key = p.currentName();
          mapping.set(key, value(p, p.nextToken()));
        }
        return mapping;
      }
      case START_ARRAY -> {
        ArrayNode list = NODES.arrayNode();
        for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
          list.add(value(p, v));
        }
        return list;
      }
      case VALUE_STRING -> {
        return NODES.textNode(p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return switch (p.getNumberType()) {
          case INT -> NODES.numberNode(p.getIntValue());
          case LONG -> NODES.numberNode(p.getLongValue());
          default -> NODES.numberNode(p.getBigIntegerValue());
        };
      }
      case VALUE_NUMBER_FLOAT -> {
        return NODES.numberNode(p.getDoubleValue());
      }
      case VALUE_TRUE -> {
        return NODES.booleanNode(true);
      }
      case VALUE_FALSE -> {
        return NODES.booleanNode(false);
      }
      case VALUE_NULL -> {
        return NODES.nullNode();
      }
      case VALUE_EMBEDDED_OBJECT -> {
        Object o = p.getEmbeddedObject();
        return o instanceof byte[] bytes ? NODES.binaryNode(bytes) : NODES.pojoNode(o);
      }
      default -> throw new JsonParseException(p, "unexpected " + t);
    }
  }
}
