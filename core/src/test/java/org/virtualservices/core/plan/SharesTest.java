package org.virtualservices.core.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.config.Mounts;
import org.virtualservices.core.request.MountRequest;
import org.virtualservices.core.request.RequestException;

/** Which folders a job's VMs get (docs/users.md, "Host folders in the VMs"). */
class SharesTest {

  static final Path WORK = Path.of("/home/alice/run1");

  static Mounts mounts(boolean enabled, List<Mounts.SiteMount> site, List<Path> roots) {
    return new Mounts(enabled, true, site, roots, "/usr/lib/qemu/virtiofsd", "/usr/bin/systemd-socket-activate",
        "/usr/bin/unshare", "/usr/bin/setsid", "/usr/bin/test", "/usr/bin/mount");
  }

  static MountRequest add(String path, boolean ro) {
    return new MountRequest(false, List.of(new MountRequest.Extra(Path.of(path), ro)));
  }

  @Test
  void theWorkingFolderAtItsOwnPathThenTheSitesThenTheUsers() {
    Mounts m = mounts(true, List.of(new Mounts.SiteMount(Path.of("/sw"), Path.of("/opt/sw"), true),
        new Mounts.SiteMount(Path.of("/scratch"), null, false)), List.of(Path.of("/data")));
    assertEquals(List.of(new Share("vcfs0", WORK, WORK, false),
        new Share("vcfs1", Path.of("/sw"), Path.of("/opt/sw"), true),
        new Share("vcfs2", Path.of("/scratch"), Path.of("/scratch"), false),
        new Share("vcfs3", Path.of("/data/alice/in"), Path.of("/data/alice/in"), true)),
        Shares.of(m, add("/data/alice/in", true), WORK));
  }

  @Test
  void noneMeansNoFolderNotEvenTheWorkingFolder() {
    Mounts m = mounts(true, List.of(new Mounts.SiteMount(Path.of("/scratch"), null, false)), List.of());
    assertEquals(List.of(), Shares.of(m, MountRequest.NONE, WORK));
    assertEquals(2, Shares.of(m, null, WORK).size());
  }

  @Test
  void aSiteThatSharesNothingGivesNothingAndRefusesAFolder() {
    Mounts off = mounts(false, List.of(), List.of(Path.of("/data")));
    assertEquals(List.of(), Shares.of(off, null, WORK));
    assertEquals(List.of(), Shares.of(off, MountRequest.NONE, WORK));
    RequestException e = assertThrows(RequestException.class, () -> Shares.of(off, add("/data/x", false), WORK));
    assertEquals("mounts: this site shares no host folders into the VMs", e.getMessage());
  }

  @Test
  void aUsersFolderMustLieWithinARootTheSiteAllows() {
    Mounts noRoots = mounts(true, List.of(), List.of());
    assertTrue(assertThrows(RequestException.class, () -> Shares.of(noRoots, add("/data/x", false), WORK))
        .getMessage().startsWith("mounts: this site lets users add no folders"));
    Mounts roots = mounts(true, List.of(), List.of(Path.of("/data"), Path.of("/scratch")));
    for (String outside : List.of("/etc", "/datax/y", "/dat", "/")) {
      RequestException e = assertThrows(RequestException.class, () -> Shares.of(roots, add(outside, false), WORK),
          outside);
      assertTrue(e.getMessage().contains("is not within a root the site allows (/data, /scratch)"), e.getMessage());
    }
    assertEquals(2, Shares.of(roots, add("/data", false), WORK).size());
    assertEquals(2, Shares.of(roots, add("/scratch/a/b", false), WORK).size());
  }

  @Test
  void aFolderMountedAlreadyIsRefused() {
    Mounts roots = mounts(true, List.of(), List.of(Path.of("/home")));
    RequestException e = assertThrows(RequestException.class, () -> Shares.of(roots, add(WORK.toString(), true),
        WORK));
    assertEquals("mounts: folder /home/alice/run1 is mounted already", e.getMessage());
  }

  @Test
  void aWorkingFolderTheGuestCannotBeToldIsTheUsersToFix() {
    Mounts m = mounts(true, List.of(), List.of());
    RequestException e = assertThrows(RequestException.class, () -> Shares.of(m, null, Path.of("/home/alice/my run")));
    assertTrue(e.getMessage().startsWith("working folder: /home/alice/my run cannot be mounted"), e.getMessage());
    assertEquals(List.of(), Shares.of(m, MountRequest.NONE, Path.of("/home/alice/my run")), "mounts=none still runs");
    assertEquals(List.of(), Shares.of(m, null, null), "no working folder known: none mounted");
  }
}
