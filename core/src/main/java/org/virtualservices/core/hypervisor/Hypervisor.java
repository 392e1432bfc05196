package org.virtualservices.core.hypervisor;

import java.util.List;
import java.util.Optional;

/** The node's hypervisor: one connection, closed when the hook is done. No libvirt type leaves it. */
public interface Hypervisor extends AutoCloseable {

  /** The XML namespace of the metadata that marks a domain as a job's. */
  String METADATA_NS = "https://virtualservices.org/xmlns/vcluster/1";

  String uri();

  /** Defines (persistently) a domain from its XML. */
  void define(String name, String xml);

  void start(String name);

  DomainState state(String name);

  /** Stops the domain if it runs and undefines it; returns false if it was already gone. */
  boolean remove(String name);

  /** Every domain, running or not, with the job and node read from its metadata. */
  List<DomainInfo> domains();

  /** The domain's current XML, if it exists. */
  Optional<String> xml(String name);

  @Override
  void close();
}
