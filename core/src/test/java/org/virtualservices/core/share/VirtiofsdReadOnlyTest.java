package org.virtualservices.core.share;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.config.Mounts;
import org.virtualservices.core.plan.Share;

/**
 * The read-only folder attacked from where virtiofsd runs (docs/hooks.md, "Host folders"): the real
 * namespaces and mounts of {@link Virtiofsd#argv}, from the first command that runs as the user
 * (what follows setpriv), with a stand-in for virtiofsd that, holding every capability of its
 * user namespace as virtiofsd does, tries to write, create, delete, remount the folder read-write
 * and unmount it. The same stand-in on a read-write folder shows that the attempts themselves work.
 */
class VirtiofsdReadOnlyTest {

  private static final String ATTACKER = String.join("\n",
      "#!/bin/sh",
      "for a; do case $a in source=*) d=${a#source=};; esac; done",
      "r() { label=$1; shift; if \"$@\" >/dev/null 2>&1; then echo \"$label=done\"; else echo \"$label=refused\"; fi; }",
      "{",
      "r write sh -c 'echo more >>\"$1/file\"' sh \"$d\"",
      "r create sh -c 'echo new >\"$1/new\"' sh \"$d\"",
      "r delete rm \"$d/file\"",
      "r rename mv \"$d/file\" \"$d/moved\"",
      "r mkdir mkdir \"$d/dir\"",
      "r chmod chmod 0777 \"$d/file\"",
      // mount(8) refuses a caller whose uid is not 0 before asking the kernel: the system calls themselves
      "r remount-rw-syscall python3 -c \"$SYSCALL\" remount \"$d\"",
      "r umount-syscall python3 -c \"$SYSCALL\" umount \"$d\"",
      "r remount-rw unshare --user --map-root-user --mount sh -c 'mount -o remount,bind,rw \"$1\" && echo x >\"$1/after-remount\"' sh \"$d\"",
      "r umount unshare --user --map-root-user --mount sh -c 'umount \"$1\" && echo x >\"$1/after-umount\"' sh \"$d\"",
      "} >\"$VC_TEST_REPORT\"",
      "");

  /** mount(2) and umount2(2) as virtiofsd could make them, with its capabilities. */
  private static final String SYSCALL = String.join("\n",
      "import ctypes, os, sys",
      "libc = ctypes.CDLL(None, use_errno=True)",
      "d = sys.argv[2].encode()",
      "MS_REMOUNT, MS_BIND, MNT_DETACH = 32, 4096, 2",
      "r = libc.mount(None, d, None, MS_REMOUNT | MS_BIND, None) if sys.argv[1] == 'remount' else libc.umount2(d, MNT_DETACH)",
      "if r != 0: sys.exit(os.strerror(ctypes.get_errno()))",
      "open(sys.argv[2] + '/after-' + sys.argv[1], 'w').write('x')",
      "");

  @TempDir
  Path tmp;

  @Test
  void noWriteReachesAReadOnlyFolderEvenWithEveryCapabilityOfTheDaemonsNamespace() throws Exception {
    List<String> report = attack(true);
    assertEquals(List.of("write=refused", "create=refused", "delete=refused", "rename=refused", "mkdir=refused",
        "chmod=refused", "remount-rw-syscall=refused",
        "umount-syscall=refused", "remount-rw=refused", "umount=refused"), report);
    assertEquals(List.of("file"), names());
    assertEquals("data\n", Files.readString(tmp.resolve("folder/file")));
  }

  @Test
  void theSameAttemptsWriteAReadWriteFolder() throws Exception {
    List<String> report = attack(false);
    assertEquals("write=done", report.get(0));
    assertEquals("create=done", report.get(1));
    assertEquals("delete=done", report.get(2));
  }

  private List<String> attack(boolean readOnly) throws IOException, InterruptedException {
    Mounts cfg = VirtiofsdTest.CFG;
    assumeTrue(Files.isExecutable(Path.of(cfg.unshare())) && Files.isExecutable(Path.of(cfg.mount())),
        "util-linux unshare and mount");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3, for the system calls");
    Path folder = Files.createDirectories(tmp.resolve("folder"));
    Files.writeString(folder.resolve("file"), "data\n");
    Path fake = tmp.resolve("fake-virtiofsd");
    Files.writeString(fake, ATTACKER);
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    Path report = tmp.resolve("report");
    Mounts withFake = new Mounts(true, true, List.of(), List.of(), fake.toString(), cfg.socketActivate(),
        cfg.unshare(), cfg.setsid(), cfg.test(), cfg.mount());
    List<String> argv = new Virtiofsd(withFake, "/usr/bin/setpriv").argv(
        new Share("vcfs0", folder, folder, readOnly), tmp.resolve("s.sock"), 1001, 1001);
    int asUser = argv.indexOf("--clear-groups") + 2;
    List<String> fromUser = new ArrayList<>(argv.subList(asUser, argv.size()));
    // the test's own uid and gid, which these namespaces map (setpriv would make them the job's)
    String uid = String.valueOf(new com.sun.security.auth.module.UnixSystem().getUid());
    String gid = String.valueOf(new com.sun.security.auth.module.UnixSystem().getGid());
    fromUser.replaceAll(a -> a.equals("--map-user=1001") ? "--map-user=" + uid
        : a.equals("--map-group=1001") ? "--map-group=" + gid : a);
    ProcessBuilder pb = new ProcessBuilder(fromUser).redirectErrorStream(true);
    pb.environment().put("VC_TEST_REPORT", report.toString());
    pb.environment().put("SYSCALL", SYSCALL);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assumeTrue(p.waitFor(30, TimeUnit.SECONDS), "the attack ended");
    assumeTrue(!out.contains("unshare failed") || Files.exists(report), "user namespaces allowed here: " + out);
    assertEquals(0, p.exitValue(), out);
    return Files.readAllLines(report);
  }

  private List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(tmp.resolve("folder"))) {
      return s.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }
}
