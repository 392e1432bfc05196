package org.virtualservices.core.hypervisor;

import java.io.StringReader;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/** Reads our {@code <vc:job id=.. node=..>} element out of a domain's XML. */
public final class DomainMetadata {

  private DomainMetadata() {
  }

  /** {job, node}, or null when the XML carries no metadata of ours. */
  public static String[] jobAndNode(String domainXml) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setNamespaceAware(true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      DocumentBuilder b = f.newDocumentBuilder();
      NodeList jobs = b.parse(new InputSource(new StringReader(domainXml)))
          .getElementsByTagNameNS(Hypervisor.METADATA_NS, "job");
      if (jobs.getLength() == 0) {
        return null;
      }
      Element e = (Element) jobs.item(0);
      return new String[] {e.getAttribute("id"), e.getAttribute("node")};
    } catch (Exception e) {
      return null;
    }
  }
}
