package org.virtualservices.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.TextNode;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Binds a YAML tree to the configuration records, collecting every error with its key path instead
 * of stopping at the first (as plain Jackson data binding does), and filling each absent key from
 * its {@link Doc#defaultValue()}, so that the default and the description live in one place.
 * The leaves (text, whole numbers, numbers, booleans, enums, paths) are converted here too, as
 * Jackson's data binding converted them (a number or a boolean where text is expected is taken as
 * its text; a whole number as text is taken; a number out of range is refused), except that an
 * enum's position is not taken for its name: the configuration never builds an ObjectMapper, whose
 * set-up costs a hook's cold JVM more than the whole parse (docs/bench.md).
 */
final class ConfigBinder {

  private final List<String> errors = new ArrayList<>();

  List<String> errors() {
    return errors;
  }

  <T extends Record> T bindRecord(Class<T> type, JsonNode node, String path) {
    if (node != null && !node.isNull() && !node.isObject()) {
      errors.add(at(path) + "expected a mapping of keys, got " + describe(node));
      node = null;
    }
    RecordComponent[] components = type.getRecordComponents();
    Set<String> known = new TreeSet<>();
    Object[] values = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      RecordComponent c = components[i];
      known.add(c.getName());
      String childPath = join(path, c.getName());
      JsonNode child = node == null ? null : node.get(c.getName());
      if (child == null || child.isNull()) {
        child = defaultOf(c);
      }
      if (child == null && c.getType().isRecord()) {
        values[i] = bindRecord(c.getType().asSubclass(Record.class), null, childPath);
      } else if (child == null) {
        values[i] = emptyOf(c.getType());
      } else {
        int before = errors.size();
        values[i] = bindValue(c.getGenericType(), child, childPath);
        JsonNode fallback = defaultOf(c);
        if (errors.size() > before && fallback != null && !c.getType().isRecord()) {
          // carry on with the default, so that later checks do not report the same mistake again
          List<String> mine = new ArrayList<>(errors.subList(before, errors.size()));
          values[i] = bindValue(c.getGenericType(), fallback, childPath);
          errors.subList(before, errors.size()).clear();
          errors.addAll(mine);
        }
      }
    }
    if (node != null) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (!known.contains(name)) {
          errors.add(at(join(path, name)) + "unknown key (known here: " + String.join(", ", known) + ")");
        }
      }
    }
    try {
      Constructor<T> ctor = type.getDeclaredConstructor(
          Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
      return ctor.newInstance(values);
    } catch (InvocationTargetException e) {
      errors.add(at(path) + e.getCause().getMessage());
      return null;
    } catch (ReflectiveOperationException | IllegalArgumentException e) {
      // a component whose value could not be bound is null here; its error is already recorded
      return null;
    }
  }

  private Object bindValue(Type type, JsonNode node, String path) {
    if (type instanceof Class<?> cls && cls.isRecord()) {
      return bindRecord(cls.asSubclass(Record.class), node, path);
    }
    if (type instanceof ParameterizedType pt && pt.getRawType() == Map.class) {
      if (!node.isObject()) {
        errors.add(at(path) + "expected a mapping, got " + describe(node));
        return Map.of();
      }
      Map<String, Object> map = new LinkedHashMap<>();
      node.properties().forEach(e -> {
        Object v = bindValue(pt.getActualTypeArguments()[1], e.getValue(), join(path, e.getKey()));
        if (v != null) {
          map.put(e.getKey(), v);
        }
      });
      return Map.copyOf(map);
    }
    if (type instanceof ParameterizedType pt && pt.getRawType() == List.class) {
      if (!node.isArray()) {
        errors.add(at(path) + "expected a list, got " + describe(node));
        return List.of();
      }
      List<Object> list = new ArrayList<>();
      for (int i = 0; i < node.size(); i++) {
        Object v = bindValue(pt.getActualTypeArguments()[0], node.get(i), path + "[" + i + "]");
        if (v != null) {
          list.add(v);
        }
      }
      return List.copyOf(list);
    }
    Class<?> cls = (Class<?>) type;
    if (node.isContainerNode()) {
      errors.add(at(path) + "expected " + expected(cls) + ", got " + describe(node));
      return emptyOf(cls);
    }
    if (cls == Path.class) {
      return Path.of(node.asText());
    }
    if ((cls == int.class || cls == Integer.class || cls == long.class || cls == Long.class)
        && !node.isIntegralNumber() && !node.asText().matches("-?\\d+")) {
      errors.add(at(path) + "expected " + expected(cls) + ", got " + describe(node));
      return emptyOf(cls);
    }
    if ((cls == boolean.class || cls == Boolean.class) && node.getNodeType() != JsonNodeType.BOOLEAN) {
      errors.add(at(path) + "expected true or false, got " + describe(node));
      return emptyOf(cls);
    }
    Object leaf = leaf(cls, node);
    if (leaf == null) {
      errors.add(at(path) + "expected " + expected(cls) + ", got " + describe(node));
      return emptyOf(cls);
    }
    return leaf;
  }

  /** A scalar node as {@code cls}, or null if it is not one. */
  private static Object leaf(Class<?> cls, JsonNode node) {
    if (cls == String.class) {
      return node.isNull() ? null : node.asText();
    }
    if (cls == int.class || cls == Integer.class) {
      if (node.isIntegralNumber()) {
        return node.canConvertToInt() ? node.intValue() : null;
      }
      return parse(node, Integer::valueOf);
    }
    if (cls == long.class || cls == Long.class) {
      if (node.isIntegralNumber()) {
        return node.canConvertToLong() ? node.longValue() : null;
      }
      return parse(node, Long::valueOf);
    }
    if (cls == boolean.class || cls == Boolean.class) {
      return node.isBoolean() ? node.booleanValue() : null;
    }
    if (cls == double.class || cls == Double.class) {
      return node.isNumber() ? node.doubleValue() : parse(node, Double::valueOf);
    }
    if (cls.isEnum()) {
      if (!node.isTextual()) {
        return null;
      }
      for (Object constant : cls.getEnumConstants()) {
        if (((Enum<?>) constant).name().equals(node.textValue())) {
          return constant;
        }
      }
      return null;
    }
    throw new IllegalStateException("the configuration has a key of type " + cls.getName() + ", which the binder cannot read");
  }

  private static Object parse(JsonNode node, java.util.function.Function<String, ?> parser) {
    if (!node.isTextual()) {
      return null;
    }
    try {
      return parser.apply(node.textValue().trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static JsonNode defaultOf(RecordComponent c) {
    Doc doc = c.getAnnotation(Doc.class);
    if (doc == null || Doc.NONE.equals(doc.defaultValue())) {
      return null;
    }
    String text = doc.defaultValue();
    if (c.getType() == String.class || c.getType() == Path.class || c.getType().isEnum()) {
      return TextNode.valueOf(text);
    }
    try {
      return YamlTree.read(text);
    } catch (Exception e) {
      throw new IllegalStateException("bad @Doc default for " + c, e);
    }
  }

  private static Object emptyOf(Class<?> cls) {
    if (cls == int.class) {
      return 0;
    }
    if (cls == long.class) {
      return 0L;
    }
    if (cls == boolean.class) {
      return false;
    }
    if (cls == double.class) {
      return 0.0;
    }
    if (cls == List.class) {
      return List.of();
    }
    if (cls == Map.class) {
      return Map.of();
    }
    return null;
  }

  private static String expected(Class<?> cls) {
    if (cls.isEnum()) {
      return "one of " + Arrays.toString(cls.getEnumConstants()).replace("[", "").replace("]", "");
    }
    if (cls == int.class || cls == Integer.class || cls == long.class || cls == Long.class) {
      return "a whole number";
    }
    if (cls == double.class || cls == Double.class) {
      return "a number";
    }
    return "a " + cls.getSimpleName().toLowerCase(java.util.Locale.ROOT);
  }

  private static String describe(JsonNode node) {
    if (node.isObject()) {
      return "a mapping";
    }
    if (node.isArray()) {
      return "a list";
    }
    String t = node.asText();
    return "'" + (t.length() > 60 ? t.substring(0, 60) + "..." : t) + "'";
  }

  static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static String at(String path) {
    return (path.isEmpty() ? "(top level)" : path) + ": ";
  }
}
