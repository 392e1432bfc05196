package org.virtualservices.core.save;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.ProcessCommandRunner;
import org.virtualservices.core.config.Save;
import org.virtualservices.core.config.SiteConfigLoader;
import org.virtualservices.core.config.Tools;
import org.virtualservices.core.faults.FaultPoints;
import org.virtualservices.core.hypervisor.DomainInfo;
import org.virtualservices.core.hypervisor.DomainState;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.hypervisor.VmUsage;
import org.virtualservices.core.images.UserImages;
import org.virtualservices.core.ready.FakeTime;

/**
 * The save against real qemu-img, dd, find, ln and rm run as another uid ({@code setpriv}, so it
 * needs root: in CI it fails rather than skips without it), the guest a fake that powers off when
 * asked (or not). Each attack is a test: a folder of another user's reached through a link, a
 * revision that appears meanwhile, a save that fails or is stopped half-way.
 */
class DiskSaveTest {

  private static final int USER = 65534;
  private static final int OTHER = 65532;
  private static final String VM = "vc42-0";

  @TempDir
  Path tmp;
  Path overlay;
  Path repo;
  UserImages images;
  PoweringHypervisor hv = new PoweringHypervisor();
  FakeTime time = new FakeTime();
  Tools tools = SiteConfigLoader.defaults().tools();

  @BeforeEach
  void up() throws IOException {
    assumeTrue(org.virtualservices.core.files.AsUser.ourUid() == 0, "needs root: the save runs as another uid");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    // a base of root's, readable by others as the catalog's are, and the VM's overlay on it, the user's
    Path base = tmp.resolve("base.raw");
    byte[] b = new byte[1 << 20];
    b[0] = 'B';
    Files.write(base, b);
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rw-r--r--"));
    Path state = Files.createDirectories(tmp.resolve("state/jobs/42/n1"));
    overlay = state.resolve(VM + ".qcow2");
    run("/usr/bin/qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", base.toString(), overlay.toString());
    run("/usr/bin/qemu-io", "-f", "qcow2", "-c", "write -P 0x41 65536 4096", overlay.toString());
    own(overlay, USER);
    Files.setPosixFilePermissions(overlay, PosixFilePermissions.fromString("rw-------"));
    // root's state folder: QEMU's group passes it (docs/hooks.md, "QEMU as the job's user"); here the user's
    for (Path p = state; !p.equals(tmp); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
    }
    Path home = Files.createDirectories(tmp.resolve("home/nobody"));
    own(home, USER);
    repo = home.resolve("images");
    images = new UserImages(repo);
    hv.running.put(VM, true);
  }

  @Test
  void savesAFlattenedRevisionOfTheUsersAndKeepsTheOlderOne() throws IOException {
    Path folder = userFolder("deb");
    Path first = folder.resolve("1.qcow2");
    Files.writeString(first, "revision 1");
    own(first, USER);

    DiskSave.Result r = save(save(30, false), FaultPoints.NONE, "deb");

    assertTrue(r.saved(), r.message());
    assertEquals(2, r.revision());
    assertEquals("revision 1", Files.readString(first));
    Path second = folder.resolve("2.qcow2");
    assertEquals(USER, Files.getAttribute(second, "unix:uid"));
    String info = run("/usr/bin/qemu-img", "info", "--output=json", second.toString());
    assertFalse(info.contains("backing-filename"), "standalone: " + info);
    // the guest's write and the base below it are both in the revision
    Path raw = tmp.resolve("check.raw");
    run("/usr/bin/qemu-img", "convert", "-f", "qcow2", "-O", "raw", second.toString(), raw.toString());
    byte[] got = Files.readAllBytes(raw);
    assertEquals('B', got[0]);
    assertEquals(0x41, got[65536]);
    assertEquals(List.of("1.qcow2", "2.qcow2"), names(folder));
    assertFalse(hv.running.get(VM), "the guest was powered off first");
  }

  @Test
  void theFirstSaveMakesTheRepositoryAndTheFolder() throws IOException {
    DiskSave.Result r = save(save(30, false), FaultPoints.NONE, "fresh");
    assertTrue(r.saved(), r.message());
    assertEquals(1, r.revision());
    assertEquals(USER, Files.getAttribute(repo.resolve("fresh"), "unix:uid"));
    assertEquals(List.of("1.qcow2"), names(repo.resolve("fresh")));
  }

  @Test
  void aNumberAnotherWriterBeganOrPublishedMeanwhileIsNeverReplaced() throws IOException {
    Path folder = userFolder("deb");
    // another save of the same name has begun revision 2
    Path begun = folder.resolve(".2.qcow2.partial");
    Files.writeString(begun, "another writer");
    own(begun, USER);
    // and while this one writes 3, an import publishes 3 (as raw)
    Path imported = folder.resolve("3.raw");
    FaultPoints meanwhile = point -> {
      if (point.equals("save:publish")) {
        try {
          Files.writeString(imported, "imported 3");
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }
    };
    DiskSave.Result r = save(save(30, false), meanwhile, "deb");
    assertTrue(r.saved(), r.message());
    assertEquals(4, r.revision());
    assertEquals("another writer", Files.readString(begun));
    assertEquals("imported 3", Files.readString(imported));
    assertEquals(List.of(".2.qcow2.partial", "3.raw", "4.qcow2"), names(folder));
  }

  @Test
  void aFailureBeforePublishingLeavesNoPartialAndTheOlderRevisionAsItWas() throws IOException {
    Path folder = userFolder("deb");
    Path first = folder.resolve("1.qcow2");
    Files.writeString(first, "revision 1");
    own(first, USER);
    FaultPoints fault = point -> {
      if (point.equals("save:publish")) {
        throw new IllegalStateException("fault injected at " + point);
      }
    };
    DiskSave.Result r = save(save(30, false), fault, "deb");
    assertFalse(r.saved());
    assertTrue(r.message().contains("fault injected at save:publish"), r.message());
    assertEquals(List.of("1.qcow2"), names(folder));
    assertEquals("revision 1", Files.readString(first));
  }

  @Test
  void aQemuImgThatFailsOrIsStoppedLeavesNoPartial() throws IOException {
    Path folder = userFolder("deb");
    // a broken disk: qemu-img fails
    Files.writeString(overlay, "not a qcow2");
    DiskSave.Result r = save(save(30, false), FaultPoints.NONE, "deb");
    assertFalse(r.saved());
    assertTrue(r.message().startsWith("qemu-img could not write"), r.message());
    assertEquals(List.of(), names(folder));

    // a qemu-img that hangs (a stuck file system): stopped at save.convertTimeoutSeconds
    Path slow = tmp.resolve("slow-qemu-img");
    Files.writeString(slow, "#!/bin/sh\nexec sleep 30\n");
    Files.setPosixFilePermissions(slow, PosixFilePermissions.fromString("rwxr-xr-x"));
    Tools hanging = new Tools(slow.toString(), tools.mkisofs(), tools.ip(), tools.bridge(), tools.nft(), tools.squeue(),
        tools.setpriv(), tools.tar(), tools.rm(), tools.scontrol());
    hv.running.put(VM, true);
    long t0 = System.nanoTime();
    r = new DiskSave(hv, new ProcessCommandRunner(), hanging, "/usr/bin/find", new Save(30, false, 1, "/usr/bin/dd",
        "/usr/bin/mkdir", "/usr/bin/ln"), time, time.sleeper(), FaultPoints.NONE).save(job("deb"));
    assertFalse(r.saved());
    assertTrue(r.message().contains("within 1 s"), r.message());
    assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(20).toNanos());
    assertEquals(List.of(), names(folder));
  }

  @Test
  void aGuestThatDoesNotPowerOffInTimeIsNotSavedUnlessTheSiteSaysSo() throws IOException {
    hv.ignoresTheButton = true;
    DiskSave.Result r = save(save(30, false), FaultPoints.NONE, "deb");
    assertFalse(r.saved());
    assertTrue(r.message().contains("did not power off within 30 s"), r.message());
    assertFalse(Files.exists(repo.resolve("deb")), "nothing was made");
    assertTrue(time.instant().isAfter(Instant.parse("2026-01-01T00:00:29Z")), "waited the 30 s");

    r = save(save(30, true), FaultPoints.NONE, "deb");
    assertTrue(r.saved(), r.message());
    assertFalse(hv.domains.containsKey(VM), "stopped hard first");
  }

  @Test
  void aRepositoryThatIsALinkToAnotherUsersFolderIsRefusedAndNothingIsMadeThere() throws IOException {
    Path others = Files.createDirectories(tmp.resolve("home/other/images"));
    own(others.getParent(), OTHER);
    own(others, OTHER);
    // even a folder the other user opened to everyone: the link is refused before anything is made
    Files.setPosixFilePermissions(others, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.createSymbolicLink(repo, others);
    DiskSave.Result r = save(save(30, false), FaultPoints.NONE, "deb");
    assertFalse(r.saved());
    assertTrue(r.message().contains("is not a folder of the job's user (a link)"), r.message());
    try (Stream<Path> s = Files.list(others)) {
      assertEquals(0, s.count(), "nothing made in the other user's folder");
    }
  }

  @Test
  void anImageFolderThatIsALinkToAnotherUsersImageIsRefused() throws IOException {
    Path others = Files.createDirectories(tmp.resolve("home/other/images/deb"));
    Files.writeString(others.resolve("1.qcow2"), "other's revision 1");
    own(others, OTHER);
    Files.setPosixFilePermissions(others, PosixFilePermissions.fromString("rwxrwxrwx"));
    userFolder("x");
    Files.createSymbolicLink(repo.resolve("deb"), others);
    DiskSave.Result r = save(save(30, false), FaultPoints.NONE, "deb");
    assertFalse(r.saved());
    assertTrue(r.message().contains("the image folder"), r.message());
    assertEquals(List.of("1.qcow2"), names(others));
  }

  @Test
  void aFolderTheUserCannotWriteIsASaveThatFailsWithTheReason() throws IOException {
    Path folder = userFolder("deb");
    Path first = folder.resolve("1.qcow2");
    Files.writeString(first, "revision 1");
    Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-x------"));
    DiskSave.Result r = save(save(30, false), FaultPoints.NONE, "deb");
    assertFalse(r.saved());
    assertTrue(r.message().contains("Permission denied"), r.message());
    assertEquals(List.of("1.qcow2"), names(folder));
  }

  @Test
  void aDiskThatIsNotTheUsersIsNotHandedToTheUser() throws IOException {
    own(overlay, OTHER);
    DiskSave.Result r = save(save(30, false), FaultPoints.NONE, "deb");
    assertFalse(r.saved());
    assertTrue(r.message().contains("belongs to uid " + OTHER), r.message());
    Files.delete(overlay);
    Files.createSymbolicLink(overlay, tmp.resolve("base.raw"));
    r = save(save(30, false), FaultPoints.NONE, "deb");
    assertFalse(r.saved());
    assertTrue(r.message().contains("is not a regular file"), r.message());
  }

  // ---- helpers ----

  private DiskSave.Result save(Save conf, FaultPoints faults, String name) {
    return new DiskSave(hv, new ProcessCommandRunner(), tools, "/usr/bin/find", conf, time, time.sleeper(), faults)
        .save(job(name));
  }

  private DiskSave.Job job(String name) {
    return new DiskSave.Job(USER, USER, VM, overlay, images, name);
  }

  private static Save save(int shutdownSeconds, boolean unclean) {
    return new Save(shutdownSeconds, unclean, 120, "/usr/bin/dd", "/usr/bin/mkdir", "/usr/bin/ln");
  }

  private Path userFolder(String name) throws IOException {
    Files.createDirectories(repo.resolve(name));
    own(repo, USER);
    own(repo.resolve(name), USER);
    return repo.resolve(name);
  }

  private static void own(Path p, int uid) throws IOException {
    Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(p, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static String run(String... argv) {
    return new ProcessCommandRunner().check(Command.of(argv)).stdout();
  }

  /** A guest that powers off at the power button, or ignores it. */
  static final class PoweringHypervisor implements Hypervisor {
    final Map<String, Boolean> running = new ConcurrentHashMap<>();
    final Map<String, Boolean> domains = running;
    volatile boolean ignoresTheButton;

    @Override
    public void shutdown(String name) {
      if (!ignoresTheButton) {
        running.put(name, false);
      }
    }

    @Override
    public boolean active(String name) {
      return running.getOrDefault(name, false);
    }

    @Override
    public DomainState state(String name) {
      Boolean r = running.get(name);
      return r == null ? DomainState.ABSENT : r ? DomainState.RUNNING : DomainState.SHUTOFF;
    }

    @Override
    public boolean remove(String name) {
      return running.remove(name) != null;
    }

    @Override
    public String uri() {
      return "fake:///";
    }

    @Override
    public void define(String name, String xml) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void start(String name) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void start(String name, long hardLimitMiB) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<VmUsage> usage(String name) {
      return Optional.empty();
    }

    @Override
    public List<DomainInfo> domains() {
      return List.of();
    }

    @Override
    public Optional<String> xml(String name) {
      return Optional.empty();
    }

    @Override
    public void close() {
    }
  }
}
