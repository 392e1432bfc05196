package org.virtualservices.core.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.command.ProcessCommandRunner;
import org.virtualservices.core.disk.UserImageCheck.Checked;
import org.virtualservices.core.images.UserImages;
import org.virtualservices.core.images.UserImages.Format;
import org.virtualservices.core.request.RequestException;

/**
 * The check of a user's image, with the real find and qemu-img, each attack on it made as a user
 * would make it in the repository: every one refused as the user's mistake, naming what was wrong.
 */
class UserImageCheckTest {

  static final String QEMU_IMG = "/usr/bin/qemu-img";
  static final String FIND = "/usr/bin/find";
  final ProcessCommandRunner runner = new ProcessCommandRunner();
  @TempDir
  Path tmp;
  UserImages repo;

  @BeforeEach
  void repository() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of(QEMU_IMG)), "needs qemu-utils");
    repo = new UserImages(tmp.resolve("images"));
    Files.createDirectories(repo.folder("deb12"));
  }

  UserImageCheck check(CommandRunner r, List<String> asUser, List<String> formats) {
    return new UserImageCheck(r, asUser, FIND, QEMU_IMG, formats, 64L << 20, "userImages.maxVirtualMiB = 64 MiB");
  }

  Checked check(String ref) {
    return check(runner, List.of(), List.of("raw", "qcow2")).check(repo, UserImages.parseRef(ref));
  }

  String refused(String ref) {
    RequestException e = assertThrows(RequestException.class, () -> check(ref));
    assertEquals("image", e.field());
    return e.getMessage();
  }

  void refusedWith(String ref, String text) {
    String m = refused(ref);
    assertTrue(m.contains(text), m);
  }

  Path image(Path p, String format, String size, String... options) {
    List<String> argv = new java.util.ArrayList<>(List.of(QEMU_IMG, "create", "-q", "-f", format));
    argv.addAll(List.of(options));
    argv.addAll(List.of(p.toString(), size));
    runner.check(Command.of(argv));
    return p;
  }

  @Test
  void aStandaloneQcow2OrRawIsTakenWithItsSizeAndFormat() {
    image(repo.path("deb12", 1, Format.RAW), "raw", "8M");
    image(repo.path("deb12", 2, Format.QCOW2), "qcow2", "32M");
    Checked latest = check("user:deb12");
    assertEquals(2, latest.revision().number());
    assertEquals(Format.QCOW2, latest.format());
    assertEquals(32L << 20, latest.virtualBytes());
    Checked first = check("user:deb12@1");
    assertEquals(Format.RAW, first.format());
    assertEquals(8L << 20, first.virtualBytes());
  }

  @Test
  void aMissingImageOrRevisionIsNamed() {
    refusedWith("user:nothing", "no user image 'nothing'");
    image(repo.path("deb12", 1, Format.QCOW2), "qcow2", "8M");
    refusedWith("user:deb12@5", "has no revision 5");
  }

  @Test
  void aLinkIsRefusedNotFollowed() throws Exception {
    Path real = image(tmp.resolve("real.qcow2"), "qcow2", "8M");
    Files.createSymbolicLink(repo.path("deb12", 1, Format.QCOW2), real);
    refusedWith("user:deb12", "is a symbolic link, not a regular file");
  }

  @Test
  void aLinkToShadowIsRefusedToo() throws Exception {
    Files.createSymbolicLink(repo.path("deb12", 1, Format.RAW), Path.of("/etc/shadow"));
    refusedWith("user:deb12", "is a symbolic link");
  }

  @Test
  void aFifoIsRefusedWithoutBeingOpened() {
    runner.check(Command.of("/usr/bin/mkfifo", repo.path("deb12", 1, Format.RAW).toString()));
    // opening a FIFO with no writer blocks: the check must not open it at all
    String m = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> refused("user:deb12"));
    assertTrue(m.contains("is a FIFO, not a regular file"), m);
  }

  @Test
  void aDeviceNodeIsRefused() {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mknod needs root");
    runner.check(Command.of("/usr/bin/mknod", repo.path("deb12", 1, Format.RAW).toString(), "b", "7", "0"));
    runner.check(Command.of("/usr/bin/mknod", repo.path("deb12", 2, Format.RAW).toString(), "c", "1", "3"));
    refusedWith("user:deb12@1", "is a block device");
    refusedWith("user:deb12@2", "is a character device");
  }

  @Test
  void aFolderIsRefused() throws Exception {
    Files.createDirectory(repo.path("deb12", 1, Format.QCOW2));
    refusedWith("user:deb12", "is a folder, not a regular file");
  }

  @Test
  void anImageFolderThatIsALinkIsRefused() throws Exception {
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    image(elsewhere.resolve("1.qcow2"), "qcow2", "8M");
    Files.createSymbolicLink(repo.folder("linked"), elsewhere);
    refusedWith("user:linked", "is a symbolic link, not a folder");
  }

  @Test
  void aBackingFileOfShadowIsRefused() {
    image(repo.path("deb12", 1, Format.QCOW2), "qcow2", "8M", "-u", "-F", "raw", "-b", "/etc/shadow");
    refusedWith("user:deb12", "has a backing file (/etc/shadow)");
  }

  @Test
  void aBackingFileInAnotherUsersRepositoryOrAnEarlierRevisionIsRefused() {
    Path others = image(tmp.resolve("bob-1.qcow2"), "qcow2", "8M");
    image(repo.path("deb12", 1, Format.QCOW2), "qcow2", "8M", "-F", "qcow2", "-b", others.toString());
    refusedWith("user:deb12", "has a backing file");
    image(repo.path("deb12", 2, Format.QCOW2), "qcow2", "8M", "-F", "qcow2", "-b", "1.qcow2");
    refusedWith("user:deb12@2", "has a backing file (1.qcow2)");
  }

  @Test
  void anExternalDataFileIsRefused() {
    image(repo.path("deb12", 1, Format.QCOW2), "qcow2", "8M", "-o",
        "data_file=" + tmp.resolve("data.raw") + ",data_file_raw=on");
    refusedWith("user:deb12", "has an external data file");
  }

  @Test
  void aVirtualSizeOverTheLimitIsRefused() {
    image(repo.path("deb12", 1, Format.QCOW2), "qcow2", "65M");
    refusedWith("user:deb12",
        "virtual size of 65 MiB, more than the site's limit userImages.maxVirtualMiB = 64 MiB");
    // a sparse raw file counts by its size, not by the blocks it holds
    image(repo.path("deb12", 2, Format.RAW), "raw", "1G");
    refusedWith("user:deb12@2", "virtual size of 1024 MiB");
  }

  @Test
  void otherFormatsAreRefusedByContentWhateverTheirName() {
    image(repo.path("deb12", 1, Format.QCOW2), "vmdk", "8M");
    image(repo.path("deb12", 2, Format.RAW), "vdi", "8M");
    refusedWith("user:deb12@1", "is a vmdk image by its content; allowed: raw, qcow2");
    refusedWith("user:deb12@2", "is a vdi image by its content");
  }

  @Test
  void aQcow2NamedRawIsRefusedWithTheNameItShouldHave() {
    image(repo.path("deb12", 3, Format.RAW), "qcow2", "8M");
    refusedWith("user:deb12", "is a qcow2 image by its content but named .raw: rename it 3.qcow2");
  }

  @Test
  void theSiteMayAllowOneFormatOnly() {
    image(repo.path("deb12", 1, Format.RAW), "raw", "8M");
    RequestException e = assertThrows(RequestException.class,
        () -> check(runner, List.of(), List.of("qcow2")).check(repo, UserImages.parseRef("user:deb12")));
    assertTrue(e.getMessage().contains("is a raw image by its content; allowed: qcow2"), e.getMessage());
  }

  /** The file swapped between qemu-img's look and the end of the check: refused, not half-trusted. */
  @Test
  void aFileSwappedDuringTheCheckIsRefused() {
    Path rev = image(repo.path("deb12", 1, Format.QCOW2), "qcow2", "8M");
    Path big = image(tmp.resolve("big.qcow2"), "qcow2", "60M");
    CommandRunner swapping = c -> {
      var r = runner.run(c);
      if (c.argv().contains("info")) {
        try {
          Files.move(big, rev, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      return r;
    };
    RequestException e = assertThrows(RequestException.class,
        () -> check(swapping, List.of(), List.of("raw", "qcow2")).check(repo, UserImages.parseRef("user:deb12")));
    assertTrue(e.getMessage().contains("changed while it was checked"), e.getMessage());
  }

  /** Behind setpriv as nobody: a file only root may read is refused, so the check has only the user's rights. */
  @Test
  void asTheUserAFileTheUserCannotReadIsRefused() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "setpriv to another uid needs root");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(repo.repository(), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(repo.folder("deb12"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Path rev = image(repo.path("deb12", 1, Format.QCOW2), "qcow2", "8M");
    List<String> nobody = List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--");
    Files.setPosixFilePermissions(rev, PosixFilePermissions.fromString("rw-r--r--"));
    assertEquals(8L << 20, check(runner, nobody, List.of("qcow2")).check(repo, UserImages.parseRef("user:deb12"))
        .virtualBytes());
    Files.setPosixFilePermissions(rev, PosixFilePermissions.fromString("rw-------"));
    RequestException e = assertThrows(RequestException.class,
        () -> check(runner, nobody, List.of("qcow2")).check(repo, UserImages.parseRef("user:deb12")));
    assertTrue(e.getMessage().contains("is not an image qemu-img can read as you"), e.getMessage());
  }
}
