package org.virtualservices.core.confine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The memory cgroup of a process (QEMU's, which libvirt puts in a cgroup of the domain's own): its
 * hard limit and the most it held, read from the kernel's files (cgroup v1 {@code
 * memory.limit_in_bytes}, {@code memory.max_usage_in_bytes}; v2 {@code memory.max}, {@code
 * memory.peak}: Documentation/admin-guide/cgroup-v1/memory.rst, cgroup-v2.rst). The folder is
 * found from {@code /proc/<pid>/cgroup} and the mount table, never from a name.
 *
 * @param dir the cgroup's folder
 * @param v2 whether it is a cgroup v2 folder
 */
public record MemoryCgroup(Path dir, boolean v2) {

  /** "No limit" in v1: the largest page-aligned long. */
  private static final long V1_UNLIMITED = 0x7FFFFFFFFFFFF000L;

  /** The memory cgroup of the process whose id is in {@code pidFile} (libvirt's, root's). */
  public static Optional<MemoryCgroup> ofPidFile(Path proc, Path pidFile) {
    try {
      String pid = BoundedFile.read(pidFile, 32, false).strip();
      return pid.matches("[1-9][0-9]{0,9}") ? of(proc, Long.parseLong(pid)) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The memory cgroup of process {@code pid}, seen through {@code proc} (the node's /proc). */
  public static Optional<MemoryCgroup> of(Path proc, long pid) {
    try {
      String cgroups = BoundedFile.read(proc.resolve(Long.toString(pid)).resolve("cgroup"), 64 * 1024, false);
      String mounts = BoundedFile.read(proc.resolve("self").resolve("mountinfo"), 1 << 20, false);
      return locate(cgroups, mounts);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Where {@code /proc/PID/cgroup}'s memory line puts the process, by {@code /proc/self/mountinfo}. */
  static Optional<MemoryCgroup> locate(String procCgroup, String mountinfo) {
    String v1 = null;
    String v2 = null;
    for (String line : procCgroup.split("\n")) {
      String[] f = line.split(":", 3);
      if (f.length < 3) {
        continue;
      }
      if (f[1].equals("") && f[0].equals("0")) {
        v2 = f[2];
      } else if (java.util.Arrays.asList(f[1].split(",")).contains("memory")) {
        v1 = f[2];
      }
    }
    for (String line : mountinfo.split("\n")) {
      int dash = line.indexOf(" - ");
      if (dash < 0) {
        continue;
      }
      String[] pre = line.substring(0, dash).split(" ");
      String[] post = line.substring(dash + 3).split(" ");
      if (pre.length < 5 || post.length < 3) {
        continue;
      }
      String root = pre[3];
      Path mountPoint = Path.of(pre[4]);
      if (v1 != null && post[0].equals("cgroup") && java.util.Arrays.asList(post[2].split(",")).contains("memory")) {
        return below(mountPoint, root, v1).map(d -> new MemoryCgroup(d, false));
      }
      if (v1 == null && v2 != null && post[0].equals("cgroup2")) {
        return below(mountPoint, root, v2).map(d -> new MemoryCgroup(d, true));
      }
    }
    return Optional.empty();
  }

  private static Optional<Path> below(Path mountPoint, String root, String path) {
    if (!path.startsWith("/") || path.contains("/../") || path.endsWith("/..")) {
      return Optional.empty();
    }
    String rel = root.equals("/") ? path : path.startsWith(root + "/") ? path.substring(root.length()) : null;
    if (rel == null) {
      return Optional.empty();
    }
    return Optional.of(mountPoint.resolve(rel.substring(1)).normalize());
  }

  /** The most memory the cgroup held at once, in bytes. */
  public OptionalLong peakBytes() {
    return number(v2 ? "memory.peak" : "memory.max_usage_in_bytes");
  }

  /** The cgroup's hard limit in bytes; empty when there is none. */
  public OptionalLong limitBytes() {
    OptionalLong l = number(v2 ? "memory.max" : "memory.limit_in_bytes");
    return l.isPresent() && l.getAsLong() >= V1_UNLIMITED ? OptionalLong.empty() : l;
  }

  private OptionalLong number(String file) {
    try {
      String t = BoundedFile.read(dir.resolve(file), 64, true).strip();
      return t.matches("[0-9]{1,19}") ? OptionalLong.of(Long.parseLong(t)) : OptionalLong.empty();
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }
}
