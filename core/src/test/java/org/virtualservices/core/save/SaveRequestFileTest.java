package org.virtualservices.core.save;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.ProcessCommandRunner;
import org.virtualservices.core.files.AsUser;
import org.virtualservices.core.request.RequestException;

/**
 * The in-job request ({@code vcluster save NAME}) read by the epilog as the job's user, with real
 * {@code setpriv} and {@code dd} (root needed), and attacked: a link (to the user's own file, to
 * another's, to a device), a huge file, garbage bytes, a FIFO with no writer, a folder.
 */
class SaveRequestFileTest {

  private static final int USER = 65534;
  private static final int OTHER = 65532;

  @TempDir
  Path tmp;
  Path dir;
  SaveRequestFile requests = new SaveRequestFile(new ProcessCommandRunner(), "/usr/bin/setpriv", "/usr/bin/dd",
      "/usr/bin/rm");

  @BeforeEach
  void up() throws IOException {
    assumeTrue(AsUser.ourUid() == 0, "needs root: the request is read as another uid");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    dir = Files.createDirectories(tmp.resolve("work/vcluster-42"));
    own(dir.getParent(), USER);
    own(dir, USER);
  }

  @Test
  void readsTheNameAndRemovesTheRequest() throws IOException {
    write("deb12-mine\n");
    assertEquals(Optional.of("deb12-mine"), requests.read(dir, USER, USER));
    requests.remove(dir, USER, USER);
    assertFalse(Files.exists(dir.resolve("save"), LinkOption.NOFOLLOW_LINKS));
    assertEquals(Optional.empty(), requests.read(dir, USER, USER), "no request, no error");
  }

  @Test
  void noFolderIsNoRequest() throws IOException {
    Files.delete(dir);
    assertEquals(Optional.empty(), requests.read(dir, USER, USER));
  }

  @Test
  void aLinkIsRefusedWhereverItLeads() throws IOException {
    Path mine = Files.writeString(tmp.resolve("work/name"), "deb\n");
    own(mine, USER);
    Files.createSymbolicLink(dir.resolve("save"), mine);
    assertRefused("is a link");
    Files.delete(dir.resolve("save"));
    Path others = Files.writeString(tmp.resolve("other-name"), "secret\n");
    own(others, OTHER);
    Files.setPosixFilePermissions(others, PosixFilePermissions.fromString("rw-------"));
    Files.createSymbolicLink(dir.resolve("save"), others);
    assertRefused("is a link");
    Files.delete(dir.resolve("save"));
    Files.createSymbolicLink(dir.resolve("save"), Path.of("/dev/zero"));
    assertRefused("is a link");
  }

  @Test
  void aHugeFileCostsOneBlockAndIsRefused() throws IOException {
    Path f = dir.resolve("save");
    try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
      r.setLength(1L << 30); // 1 GiB, sparse
    }
    own(f, USER);
    long t0 = System.nanoTime();
    assertRefused("more than 256 bytes");
    assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos());
    write("a".repeat(300));
    assertRefused("more than 256 bytes");
  }

  @Test
  void garbageAndNamesThatAreNotNamesAreRefusedInOneEscapedLine() throws IOException {
    for (String bad : new String[] {"", "\n", "../other\n", "a/b\n", "deb\nsecond\n", "\u001b[2Jx\n", "user:deb\n",
        "deb@2\n", "\u0000\u00ff\u00fe", " deb\n", "deb\r\n"}) {
      write(bad);
      RequestException e = assertThrows(RequestException.class, () -> requests.read(dir, USER, USER), bad);
      assertEquals(1, e.getMessage().lines().count(), e.getMessage());
      assertFalse(e.getMessage().chars().anyMatch(c -> c < 0x20), e.getMessage());
    }
    Files.write(dir.resolve("save"), new byte[] {(byte) 0xc3, 0x28, (byte) 0xff, '\n'});
    assertThrows(RequestException.class, () -> requests.read(dir, USER, USER));
  }

  @Test
  void aFifoWithNoWriterOrAFolderBlocksNothingAndIsRefused() throws IOException {
    new ProcessCommandRunner().check(Command.of("/usr/bin/mkfifo", dir.resolve("save").toString()));
    own(dir.resolve("save"), USER);
    long t0 = System.nanoTime();
    assertThrows(RequestException.class, () -> requests.read(dir, USER, USER));
    assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "did not wait for a writer");
    Files.delete(dir.resolve("save"));
    Files.createDirectory(dir.resolve("save"));
    own(dir.resolve("save"), USER);
    assertRefused("cannot be read as the job's user");
  }

  @Test
  void aFileTheUserCannotReadIsRefusedNotReadByRoot() throws IOException {
    Path f = write("secret-of-root\n");
    own(f, 0);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    RequestException e = assertRefused("Permission denied");
    assertFalse(e.getMessage().contains("secret-of-root"));
  }

  private RequestException assertRefused(String why) {
    RequestException e = assertThrows(RequestException.class, () -> requests.read(dir, USER, USER));
    assertTrue(e.getMessage().contains(why), e.getMessage());
    assertTrue(e.getMessage().startsWith("vcluster save: "), e.getMessage());
    return e;
  }

  private Path write(String content) throws IOException {
    Path f = dir.resolve("save");
    Files.deleteIfExists(f);
    Files.writeString(f, content, java.nio.charset.StandardCharsets.ISO_8859_1);
    own(f, USER);
    return f;
  }

  private static void own(Path p, int uid) throws IOException {
    Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(p, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
  }
}
