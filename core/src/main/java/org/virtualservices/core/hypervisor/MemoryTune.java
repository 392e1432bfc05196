package org.virtualservices.core.hypervisor;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.jna.DomainPointer;
import org.libvirt.jna.virSchedParameter;

/**
 * libvirt's {@code virDomainSetMemoryParameters}, which libvirt-java 0.5.2 does not bind: the hard
 * limit of a running domain's memory cgroup ({@code hard_limit}, KiB; https://libvirt.org/html/
 * libvirt-libvirt-domain.html#virDomainSetMemoryParameters). Called through libvirt-java's own
 * JNA types: a typed parameter has the layout of its {@code virSchedParameter} (a field name of
 * 80 bytes, a type, an 8-byte union), and the domain's pointer and the error translation are
 * libvirt-java's, reached by reflection because they are package-private there.
 *
 * <p>Why live and not {@code <memtune><hard_limit>} in the XML: at start libvirt (since 6.x)
 * also raises QEMU's RLIMIT_MEMLOCK to the hard limit (qemuDomainGetMemLockLimitBytes), which
 * needs CAP_SYS_RESOURCE; a libvirtd in a container lacks it and the domain fails to start
 * ("cannot limit locked memory"). Set on the paused domain, the limit is in force before the
 * guest runs its first instruction, and no memlock limit is touched.
 */
final class MemoryTune {

  /** virTypedParameterType VIR_TYPED_PARAM_ULLONG. */
  private static final int ULLONG = 4;
  /** virDomainModificationImpact VIR_DOMAIN_AFFECT_LIVE. */
  private static final int AFFECT_LIVE = 1;

  interface Virt extends Library {
    int virDomainSetMemoryParameters(DomainPointer domain, virSchedParameter[] params, int nparams, int flags);
  }

  private static final class Holder {
    static final Virt VIRT = Native.load("virt", Virt.class);
  }

  private MemoryTune() {
  }

  /** Sets the running (or paused) domain's hard limit to {@code kib}. */
  static void setHardLimit(Domain d, long kib) throws LibvirtException {
    virSchedParameter[] params = (virSchedParameter[]) new virSchedParameter().toArray(1);
    byte[] name = "hard_limit".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(name, 0, params[0].field, 0, name.length);
    params[0].type = ULLONG;
    params[0].value.setType(long.class);
    params[0].value.l = kib;
    DomainPointer dp = (DomainPointer) NativeCalls.field(Domain.class, "vdp", d);
    int rc = Holder.VIRT.virDomainSetMemoryParameters(dp, params, 1, AFFECT_LIVE);
    NativeCalls.checked(rc, "virDomainSetMemoryParameters");
  }
}
