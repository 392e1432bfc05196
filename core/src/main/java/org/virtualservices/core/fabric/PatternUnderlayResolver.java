package org.virtualservices.core.fabric;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Derives the underlay address from the node name with a template: {@code {node}} is the name,
 * {@code {num}} the number it ends with (leading zeros dropped: {@code node007} gives 7). If the
 * result is a literal address it is used as it is ({@code 10.1.0.{num}}); otherwise it is a name,
 * resolved by the next resolver ({@code {node}-ib}, the InfiniBand interface's host name).
 */
public final class PatternUnderlayResolver implements UnderlayResolver {

  private static final Pattern TRAILING_NUMBER = Pattern.compile("(\\d+)$");
  private static final Pattern LITERAL =
      Pattern.compile("(?:\\d{1,3}\\.){3}\\d{1,3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*");

  private final String template;
  private final UnderlayResolver names;

  public PatternUnderlayResolver(String template, UnderlayResolver names) {
    if (!template.contains("{node}") && !template.contains("{num}")) {
      throw new IllegalArgumentException("underlay pattern has neither {node} nor {num}: " + template);
    }
    this.template = template;
    this.names = names;
  }

  @Override
  public String resolve(String node) {
    String out = template.replace("{node}", node);
    if (out.contains("{num}")) {
      Matcher m = TRAILING_NUMBER.matcher(node);
      if (!m.find()) {
        throw new FabricException("underlay address of node " + node + ": pattern " + template
            + " needs a name ending in a number");
      }
      out = out.replace("{num}", String.valueOf(Long.parseLong(m.group(1))));
    }
    if (LITERAL.matcher(out).matches()) {
      return out;
    }
    return names.resolve(out);
  }
}
