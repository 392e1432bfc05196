package org.virtualservices.core.config;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Map;

/** Every key of the site configuration with its default and description, from the {@link Doc}s. */
public final class ConfigReference {

  private ConfigReference() {
  }

  public static String render() {
    StringBuilder sb = new StringBuilder();
    walk(SiteConfig.class, "", sb);
    return sb.toString();
  }

  private static void walk(Class<?> record, String prefix, StringBuilder sb) {
    for (RecordComponent c : record.getRecordComponents()) {
      String key = ConfigBinder.join(prefix, c.getName());
      Doc doc = c.getAnnotation(Doc.class);
      Type t = c.getGenericType();
      if (c.getType().isRecord()) {
        sb.append(key).append(": ").append(doc == null ? "" : doc.value()).append('\n');
        walk(c.getType(), key, sb);
      } else if (t instanceof ParameterizedType pt && pt.getRawType() == Map.class
          && pt.getActualTypeArguments()[1] instanceof Class<?> v && v.isRecord()) {
        sb.append(key).append(": ").append(doc.value()).append('\n');
        walk(v, key + ".<name>", sb);
      } else {
        String def = doc == null || Doc.NONE.equals(doc.defaultValue()) ? "(none)" : doc.defaultValue();
        sb.append(key).append(" = ").append(def).append("  # ").append(doc == null ? "" : doc.value())
            .append('\n');
      }
    }
  }
}
