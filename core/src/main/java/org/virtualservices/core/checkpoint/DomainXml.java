package org.virtualservices.core.checkpoint;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A domain's UUID in its XML: read from libvirt's (which always has one), put into the one the
 * prolog rendered (which has none), so that a saved domain is restored into a definition libvirt
 * takes for the same domain. A pattern, not a parser: libvirt writes {@code <uuid>} once, at the
 * top level, and the rendered XML gets it right after {@code <name>}, which the template writes once.
 */
final class DomainXml {

  private static final Pattern UUID = Pattern.compile("<uuid>([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}"
      + "-[0-9a-f]{12})</uuid>");
  private static final Pattern NAME = Pattern.compile("</name>");

  private DomainXml() {
  }

  static String uuid(String xml) {
    Matcher m = UUID.matcher(xml);
    if (!m.find()) {
      throw new CheckpointException("the domain's XML has no UUID");
    }
    return m.group(1);
  }

  /** {@code xml} with {@code uuid} as its UUID (replacing one it has). */
  static String withUuid(String xml, String uuid) {
    if (!UUID.matcher("<uuid>" + uuid + "</uuid>").matches()) {
      throw new CheckpointException("'" + uuid + "' is not a UUID");
    }
    Matcher has = UUID.matcher(xml);
    if (has.find()) {
      return has.replaceFirst("<uuid>" + uuid + "</uuid>");
    }
    Matcher name = NAME.matcher(xml);
    if (!name.find()) {
      throw new CheckpointException("the domain's XML has no name");
    }
    return xml.substring(0, name.end()) + "\n  <uuid>" + uuid + "</uuid>" + xml.substring(name.end());
  }
}
