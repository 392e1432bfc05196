package org.virtualservices.core.hypervisor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.FutureTask;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo.DomainState;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.ErrorCallback;
import org.libvirt.LibvirtException;
import org.virtualservices.core.concurrent.Futures;
import org.virtualservices.core.confine.MemoryCgroup;

/**
 * The hypervisor through libvirt-java: one {@link Connect} per hook, closed at the end. libvirt's
 * "no such domain" is "already gone" for teardown; every other error is translated here with the
 * operation, the domain and the URI.
 *
 * <p>Thread-safe without a lock of ours: a libvirt connection may be used from many threads at
 * once (the remote driver multiplexes calls on its one socket; the daemon runs them in parallel), and
 * libvirt-java reads each error with {@code virGetLastError}, which is per thread. So teardown can
 * destroy a node's domains at once. {@link #close()} must come after every other call has returned.
 */
public final class LibvirtHypervisor implements org.virtualservices.core.hypervisor.Hypervisor {

  static {
    JnaSettings.apply(); // before JNA's first class loads
  }

  /**
   * libvirt's C library prints every error to stderr unless a handler is set; ours arrive as
   * LibvirtException anyway, and "domain not found" is what teardown expects, so the printing only
   * fills slurmd's log with false alarms. Held in a field: JNA must not collect the callback.
   */
  private static final ErrorCallback QUIET = new ErrorCallback();

  // JNA loads libvirt's C library with the first call: once per JVM, by the first thread that
  // opens a connection; the others wait for it and see how it went.
  private static final FutureTask<Void> LIBRARY = new FutureTask<>(() -> {
    Connect.setErrorCallback(QUIET);
    return null;
  });

  /** virDomainCreateFlags VIR_DOMAIN_START_PAUSED. */
  private static final int START_PAUSED = 1;
  /** qemu:///system's state folder (libvirt's default {@code /run/libvirt/qemu}): {@code <name>.pid}. */
  private static final Path QEMU_PID_DIR = Path.of("/run/libvirt/qemu");
  private static final Path PROC = Path.of("/proc");

  private final String uri;
  private final Connect conn;

  private LibvirtHypervisor(String uri, Connect conn) {
    this.uri = uri;
    this.conn = conn;
  }

  public static LibvirtHypervisor open(String uri) {
    try {
      LIBRARY.run(); // does nothing when another thread runs it or ran it
      // the loading's LibvirtException (the handler refused) says what a connection's would
      Futures.join(LIBRARY, e -> new HypervisorException("connect to " + uri + ": " + e.getMessage(), e));
      return new LibvirtHypervisor(uri, new Connect(uri));
    } catch (LibvirtException e) {
      throw new HypervisorException("connect to " + uri + ": " + e.getMessage(), e);
    } catch (UnsatisfiedLinkError e) {
      throw new HypervisorException("connect to " + uri + ": libvirt's C library (libvirt0) is not installed: "
          + e.getMessage(), e);
    }
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public void define(String name, String xml) {
    try {
      conn.domainDefineXML(xml).free();
    } catch (LibvirtException e) {
      throw fail("define domain " + name, e);
    }
  }

  @Override
  public void start(String name) {
    try {
      Domain d = conn.domainLookupByName(name);
      try {
        d.create();
      } finally {
        d.free();
      }
    } catch (LibvirtException e) {
      throw fail("start domain " + name, e);
    }
  }

  @Override
  public void start(String name, long hardLimitMiB) {
    try {
      Domain d = conn.domainLookupByName(name);
      try {
        d.create(START_PAUSED);
        try {
          MemoryTune.setHardLimit(d, hardLimitMiB << 10);
        } catch (LibvirtException | RuntimeException e) {
          // an unbounded guest never runs: the domain goes with the prolog's rollback
          d.destroy();
          throw e;
        }
        d.resume();
      } finally {
        d.free();
      }
    } catch (LibvirtException e) {
      throw fail("start domain " + name + " with a memory limit of " + hardLimitMiB + " MiB", e);
    }
  }

  @Override
  public Optional<VmUsage> usage(String name) {
    try {
      Domain d = conn.domainLookupByName(name);
      try {
        if (d.isActive() != 1) {
          return Optional.empty();
        }
        double cpu = d.getInfo().cpuTime / 1e9;
        Optional<MemoryCgroup> cg = pidDir().flatMap(dir -> MemoryCgroup.ofPidFile(PROC, dir.resolve(name + ".pid")));
        return Optional.of(new VmUsage(cpu, cg.map(MemoryCgroup::peakBytes).orElse(OptionalLong.empty()),
            cg.map(MemoryCgroup::limitBytes).orElse(OptionalLong.empty())));
      } finally {
        d.free();
      }
    } catch (LibvirtException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Where libvirtd keeps its QEMU's pid files: only for the node's own system daemon. */
  private Optional<Path> pidDir() {
    return uri.equals("qemu:///system") ? Optional.of(QEMU_PID_DIR) : Optional.empty();
  }

  @Override
  public org.virtualservices.core.hypervisor.DomainState state(String name) {
    try {
      Domain d = conn.domainLookupByName(name);
      try {
        return map(d.getInfo().state);
      } finally {
        d.free();
      }
    } catch (LibvirtException e) {
      if (gone(e)) {
        return org.virtualservices.core.hypervisor.DomainState.ABSENT;
      }
      throw fail("read state of domain " + name, e);
    }
  }

  @Override
  public void shutdown(String name) {
    try {
      Domain d = conn.domainLookupByName(name);
      try {
        d.shutdown();
      } finally {
        d.free();
      }
    } catch (LibvirtException e) {
      throw fail("shut down domain " + name, e);
    }
  }

  @Override
  public boolean active(String name) {
    try {
      Domain d = conn.domainLookupByName(name);
      try {
        return d.isActive() == 1;
      } finally {
        d.free();
      }
    } catch (LibvirtException e) {
      if (gone(e)) {
        return false;
      }
      throw fail("ask whether domain " + name + " runs", e);
    }
  }

  @Override
  public boolean remove(String name) {
    Domain d;
    try {
      d = conn.domainLookupByName(name);
    } catch (LibvirtException e) {
      if (gone(e)) {
        return false;
      }
      throw fail("look up domain " + name, e);
    }
    try {
      try {
        if (d.isActive() == 1) {
          d.destroy();
        }
      } catch (LibvirtException e) {
        // "domain is not running" when it stopped between the two calls: nothing to destroy
        if (!gone(e) && e.getError().getCode() != ErrorNumber.VIR_ERR_OPERATION_INVALID) {
          throw fail("destroy domain " + name, e);
        }
      }
      try {
        d.undefine();
      } catch (LibvirtException e) {
        if (!gone(e)) {
          throw fail("undefine domain " + name, e);
        }
      }
      return true;
    } finally {
      try {
        d.free();
      } catch (LibvirtException e) {
        // freeing a handle of a removed domain can only fail harmlessly
      }
    }
  }

  @Override
  public List<DomainInfo> domains() {
    List<String> names = new ArrayList<>();
    try {
      for (int id : conn.listDomains()) {
        try {
          Domain d = conn.domainLookupByID(id);
          names.add(d.getName());
          d.free();
        } catch (LibvirtException e) {
          if (!gone(e)) {
            throw e;
          }
        }
      }
      for (String n : conn.listDefinedDomains()) {
        names.add(n);
      }
    } catch (LibvirtException e) {
      throw fail("list domains", e);
    }
    List<DomainInfo> out = new ArrayList<>();
    for (String n : names) {
      Optional<String> xml = xml(n);
      if (xml.isEmpty()) {
        continue;
      }
      String[] jn = DomainMetadata.jobAndNode(xml.get());
      out.add(new DomainInfo(n, state(n), jn == null ? null : jn[0], jn == null ? null : jn[1]));
    }
    return out;
  }

  @Override
  public Optional<String> xml(String name) {
    try {
      Domain d = conn.domainLookupByName(name);
      try {
        return Optional.of(d.getXMLDesc(0));
      } finally {
        d.free();
      }
    } catch (LibvirtException e) {
      if (gone(e)) {
        return Optional.empty();
      }
      throw fail("read XML of domain " + name, e);
    }
  }

  @Override
  public void suspend(String name) {
    onDomain(name, "suspend domain " + name, Domain::suspend);
  }

  @Override
  public void resume(String name) {
    onDomain(name, "resume domain " + name, Domain::resume);
  }

  @Override
  public void save(String name, Path file) {
    onDomain(name, "save domain " + name + " into " + file, d -> d.save(file.toString()));
  }

  @Override
  public void restore(String name, Path file, Optional<String> xml, long hardLimitMiB) {
    String what = "restore domain " + name + " from " + file;
    try {
      SavedState.restore(conn, file.toString(), xml.orElse(null), hardLimitMiB > 0);
    } catch (LibvirtException e) {
      throw fail(what, e);
    }
    onDomain(name, what, d -> {
      if (hardLimitMiB > 0) {
        try {
          MemoryTune.setHardLimit(d, hardLimitMiB << 10);
        } catch (LibvirtException | RuntimeException e) {
          d.destroy(); // an unbounded guest never runs, restored or not
          throw e;
        }
      }
      // QEMU's saved a paused domain (a checkpoint pauses first): it comes back paused
      if (d.getInfo().state == DomainState.VIR_DOMAIN_PAUSED) {
        d.resume();
      }
    });
  }

  @Override
  public boolean setGuestTime(String name, long epochSecond) {
    try {
      onDomain(name, "set the clock of " + name, d -> SavedState.setTime(d, epochSecond));
      return true;
    } catch (HypervisorException | IllegalStateException e) {
      return false; // no guest agent, or it does not answer: the caller says so
    }
  }

  private interface DomainCall {
    void on(Domain d) throws LibvirtException;
  }

  private void onDomain(String name, String what, DomainCall call) {
    try {
      Domain d = conn.domainLookupByName(name);
      try {
        call.on(d);
      } finally {
        d.free();
      }
    } catch (LibvirtException e) {
      throw fail(what, e);
    }
  }

  @Override
  public void close() {
    try {
      conn.close();
    } catch (LibvirtException e) {
      throw fail("close connection", e);
    }
  }

  private static boolean gone(LibvirtException e) {
    return e.getError() != null && e.getError().getCode() == ErrorNumber.VIR_ERR_NO_DOMAIN;
  }

  private HypervisorException fail(String what, LibvirtException e) {
    return new HypervisorException(what + " on " + uri + ": " + e.getMessage(), e);
  }

  private static org.virtualservices.core.hypervisor.DomainState map(DomainState s) {
    return switch (s) {
      case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED -> org.virtualservices.core.hypervisor.DomainState.RUNNING;
      case VIR_DOMAIN_PAUSED -> org.virtualservices.core.hypervisor.DomainState.PAUSED;
      case VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTDOWN -> org.virtualservices.core.hypervisor.DomainState.SHUTOFF;
      case VIR_DOMAIN_CRASHED -> org.virtualservices.core.hypervisor.DomainState.CRASHED;
      default -> org.virtualservices.core.hypervisor.DomainState.OTHER;
    };
  }
}
