package org.virtualservices.core.hypervisor;

import com.sun.jna.Library;
import com.sun.jna.Native;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.jna.ConnectionPointer;
import org.libvirt.jna.DomainPointer;

/**
 * What libvirt-java 0.5.2 does not bind for a checkpoint's restore: {@code virDomainRestoreFlags}
 * (a saved domain brought back with another definition, {@code dxml}, and paused, so its memory
 * limit is set before the guest runs again) and {@code virDomainSetTime} (the guest's clock through
 * its agent). https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainRestoreFlags. Reached as
 * {@link MemoryTune} reaches its call: libvirt-java's own JNA pointers, by reflection.
 */
final class SavedState {

  /** virDomainSaveRestoreFlags VIR_DOMAIN_SAVE_PAUSED. */
  static final int SAVE_PAUSED = 4;

  interface Virt extends Library {
    int virDomainRestoreFlags(ConnectionPointer conn, String from, String dxml, int flags);

    int virDomainSetTime(DomainPointer dom, long seconds, int nseconds, int flags);
  }

  private static final class Holder {
    static final Virt VIRT = Native.load("virt", Virt.class);
  }

  private SavedState() {
  }

  /**
   * Restores {@code from} with {@code dxml} (null: the definition saved in the file), paused when
   * {@code paused}, else in the state it was saved in (libvirt's test driver takes no flags).
   */
  static void restore(Connect conn, String from, String dxml, boolean paused) throws LibvirtException {
    ConnectionPointer cp = (ConnectionPointer) NativeCalls.field(Connect.class, "vcp", conn);
    NativeCalls.checked(Holder.VIRT.virDomainRestoreFlags(cp, from, dxml, paused ? SAVE_PAUSED : 0),
        "virDomainRestoreFlags");
  }

  /** Sets the guest's clock through its agent. */
  static void setTime(Domain d, long epochSecond) throws LibvirtException {
    DomainPointer dp = (DomainPointer) NativeCalls.field(Domain.class, "vdp", d);
    NativeCalls.checked(Holder.VIRT.virDomainSetTime(dp, epochSecond, 0, 0), "virDomainSetTime");
  }
}
