package org.virtualservices.core.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console log as the job's user (uid 65534) and another user (uid 65532) find it, through the
 * real kernel (needs root, like StateFoldersTest). QEMU's group is a third one (gid 65533, a site's
 * fixed QEMU account), so that only the ACL lets the job's user pass.
 */
class ConsoleAccessTest {

  static final int USER = 65534;
  static final int OTHER = 65532;
  static final int QEMU_GID = 65533;

  @TempDir
  Path tmp;
  Path state;
  Path node;
  Path console;

  @BeforeEach
  void aJobsFolders() throws IOException {
    node = StateFoldersTest.jobNodeFolder(tmp);
    state = tmp.resolve("state");
    StateFolders.openTo(state, node, QEMU_GID);
    console = node.resolve("vc42-0.console.log");
  }

  @Test
  void theJobsUserReadsTheConsoleAndNobodyElse() throws Exception {
    ConsoleAccess.grant(node, console, USER);
    // what virtlogd does: open the file that is there (O_CREAT|O_APPEND) and write the guest's lines
    Files.writeString(console, "Linux version 6.1\nVC-READY vc42-0\n", StandardOpenOption.APPEND);

    assertEquals(0, as(USER, "cat", console.toString()), "the job's user reads its VM's console");
    assertNotEquals(0, as(USER, "sh", "-c", "echo forged >> " + console), "and cannot write it");
    assertNotEquals(0, as(USER, "ls", node.toString()), "nor list the folder");
    assertNotEquals(0, as(USER, "touch", node.resolve("planted").toString()));
    assertNotEquals(0, as(OTHER, "cat", console.toString()), "another user reads nothing");
    assertNotEquals(0, as(OTHER, "stat", console.toString()), "nor passes the job's folder");
    assertNotEquals(0, as(QEMU_GID, "cat", console.toString()), "QEMU's group reads no console");
    assertEquals("Linux version 6.1\nVC-READY vc42-0\n", Files.readString(console));

    // the mode shows the ACL's mask as the group's bits: r for the named user only, nothing for others
    assertEquals("rw-r-----", mode(console));
    assertEquals(0, Files.getAttribute(console, "unix:uid"));
    assertEquals(0, Files.getAttribute(console, "unix:gid"), "root's group: the group class has no entry");
    for (Path p : List.of(node.getParent(), node)) {
      assertEquals("rwx--x---", mode(p), "QEMU's group still passes " + p);
      assertEquals(QEMU_GID, Files.getAttribute(p, "unix:gid"));
    }
    assertEquals("rwx--x--x", mode(state.resolve("jobs")));
  }

  @Test
  void aLinkPlantedAtTheConsolesPathIsReplacedNotFollowed() throws Exception {
    Path target = Files.writeString(tmp.resolve("secret"), "root's");
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
    Files.createSymbolicLink(console, target);

    ConsoleAccess.grant(node, console, USER);

    assertFalse(Files.isSymbolicLink(console));
    assertEquals("rw-------", mode(target), "the link's target keeps its mode");
    assertNotEquals(0, as(USER, "cat", target.toString()));
    assertEquals("", Files.readString(console));
  }

  @Test
  void afterVirtlogdRotatesItTheNewFileIsRootsOnly() throws Exception {
    ConsoleAccess.grant(node, console, USER);
    Files.writeString(console, "before\n", StandardOpenOption.APPEND);
    // virtlogd's rollover: rename to .0, a new file made 0600
    Files.move(console, node.resolve("vc42-0.console.log.0"));
    Files.createFile(console, PrivateFiles.FILE);
    Files.writeString(console, "after\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

    assertEquals(0, as(USER, "cat", node.resolve("vc42-0.console.log.0").toString()), "the old part stays readable");
    assertNotEquals(0, as(USER, "cat", console.toString()), "the new file is root's (docs/hooks.md says so)");
    assertNotEquals(0, as(OTHER, "cat", node.resolve("vc42-0.console.log.0").toString()));
  }

  @Test
  void onlyAFileOfTheNodesFolderAndAUid() {
    assertThrows(IllegalArgumentException.class, () -> ConsoleAccess.grant(node, tmp.resolve("x.log"), USER));
    assertThrows(IllegalArgumentException.class, () -> ConsoleAccess.grant(node, console, -1));
    assertFalse(Files.exists(console));
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  private static int as(int uid, String... cmd) throws Exception {
    return StateFoldersTest.as(uid, cmd);
  }
}
