package org.virtualservices.core.hypervisor;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.libvirt.LibvirtException;

/**
 * What a call of libvirt's C API that libvirt-java 0.5.2 does not bind needs of libvirt-java:
 * its JNA pointers (package-private fields) and its translation of a failed call into a
 * {@link LibvirtException}, both reached by reflection ({@link MemoryTune}, {@link SavedState}).
 */
final class NativeCalls {

  private NativeCalls() {
  }

  static Object field(Class<?> type, String name, Object of) {
    try {
      Field f = type.getDeclaredField(name);
      f.setAccessible(true);
      return f.get(of);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("libvirt-java's " + type.getSimpleName() + " has no pointer field '" + name
          + "' (another version?)", e);
    }
  }

  static void checked(int rc, String call) throws LibvirtException {
    if (rc >= 0) {
      return;
    }
    try {
      Method m = Class.forName("org.libvirt.ErrorHandler").getDeclaredMethod("processError", int.class);
      m.setAccessible(true);
      m.invoke(null, rc);
    } catch (java.lang.reflect.InvocationTargetException e) {
      if (e.getCause() instanceof LibvirtException le) {
        throw le;
      }
      throw new IllegalStateException(call + " failed: " + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(call + " failed (" + rc + "), and libvirt-java's error translation is not"
          + " reachable", e);
    }
    throw new IllegalStateException(call + " failed (" + rc + ") with no libvirt error");
  }
}
