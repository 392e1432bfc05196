package org.virtualservices.core.confine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** QEMU's memory cgroup from /proc/PID/cgroup and the mount table, as captured in an e2e node. */
class MemoryCgroupTest {

  /** /proc/PID/cgroup of a QEMU of an e2e node (libvirt 9.0, cgroup v1, no systemd). */
  static final String V1 = String.join("\n", "9:name=systemd:/", "8:pids:/",
      "4:memory:/machine/qemu-2-vce2e-probe.libvirt-qemu", "3:cpuset:/machine/qemu-2-vce2e-probe.libvirt-qemu/emulator",
      "0::/", "");
  static final String MOUNTS_V1 = String.join("\n",
      "1203 1190 0:68 / /sys/fs/cgroup rw,relatime - tmpfs cgroup rw,mode=755",
      "1210 1203 0:40 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset",
      "1211 1203 0:41 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory", "");

  @Test
  void v1() {
    assertEquals(Optional.of(new MemoryCgroup(Path.of("/sys/fs/cgroup/memory/machine/qemu-2-vce2e-probe.libvirt-qemu"),
        false)), MemoryCgroup.locate(V1, MOUNTS_V1));
  }

  @Test
  void v2() {
    String mounts = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
    assertEquals(Optional.of(new MemoryCgroup(Path.of(
        "/sys/fs/cgroup/machine.slice/machine-qemu\\x2d1\\x2dvc7\\x2d0.scope/libvirt/emulator"), true)),
        MemoryCgroup.locate("0::/machine.slice/machine-qemu\\x2d1\\x2dvc7\\x2d0.scope/libvirt/emulator\n", mounts));
  }

  @Test
  void aMountRootedBelowTheHierarchysRootIsFollowed() {
    String mounts = "1211 1203 0:41 /node1 /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
    assertEquals(Path.of("/sys/fs/cgroup/memory/machine/q"),
        MemoryCgroup.locate("4:memory:/node1/machine/q\n", mounts).orElseThrow().dir());
    assertTrue(MemoryCgroup.locate("4:memory:/other/machine/q\n", mounts).isEmpty());
  }

  @Test
  void nothingOutsideTheHierarchy() {
    assertTrue(MemoryCgroup.locate("4:memory:/machine/../../../etc\n", MOUNTS_V1).isEmpty());
    assertTrue(MemoryCgroup.locate("4:memory:relative\n", MOUNTS_V1).isEmpty());
    assertTrue(MemoryCgroup.locate("garbage", MOUNTS_V1).isEmpty());
    assertTrue(MemoryCgroup.locate(V1, "garbage\n").isEmpty());
  }
}
