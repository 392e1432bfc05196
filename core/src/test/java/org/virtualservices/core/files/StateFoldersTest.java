package org.virtualservices.core.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The way to a job's files opened for QEMU's group only (docs/hooks.md, "QEMU as the job's user"), and
 * attacked: another user (uid 65532, not in the group) tries to open what is there; the job's user
 * (uid 65534, gid 65534) opens its own file and lists, creates, links and moves nothing on the way.
 */
class StateFoldersTest {

  static final int USER = 65534;
  static final int OTHER = 65532;

  @TempDir
  Path tmp;
  Path state;
  Path node;
  Path overlay;
  Path journal;

  /**
   * The node's folder of job 42 on n1, {@code <tmp>/state/jobs/42/n1}, made root's as the prolog makes
   * it (root only: the test is skipped otherwise), {@code tmp} standing for / (anyone passes it).
   */
  static Path jobNodeFolder(Path tmp) throws IOException {
    assumeTrue(((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0, "needs root");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    Path node = tmp.resolve("state").resolve("jobs").resolve("42").resolve("n1");
    PrivateFiles.folders(node);
    return node;
  }

  @BeforeEach
  void aJobsFolders() throws IOException {
    node = jobNodeFolder(tmp);
    state = tmp.resolve("state");
    overlay = PrivateFiles.empty(node.resolve("vc42-0.qcow2"));
    Files.writeString(overlay, "the guest's disk");
    journal = PrivateFiles.write(node.resolve("journal.json"), "{}");
  }

  @Test
  void onlyTheGroupPassesAndNobodyButRootWrites() throws Exception {
    StateFolders.openTo(state, node, USER);
    PrivateFiles.handTo(overlay, USER, USER);
    assertEquals("rw-------", mode(overlay));
    assertEquals(USER, Files.getAttribute(overlay, "unix:uid"));

    assertEquals(0, as(USER, "head", "-c", "1", overlay.toString()), "the job's user opens its overlay");
    assertNotEquals(0, as(USER, "cat", journal.toString()), "root's journal stays root's");
    assertNotEquals(0, as(USER, "ls", node.toString()), "no listing, even for the job's user");
    assertNotEquals(0, as(USER, "touch", node.resolve("planted").toString()));
    assertNotEquals(0, as(USER, "ln", "-s", "/etc", node.getParent().resolve("n2").toString()));
    assertNotEquals(0, as(USER, "mv", overlay.toString(), node.resolve("moved").toString()));
    assertNotEquals(0, as(USER, "ls", state.resolve("jobs").toString()), "no job is listed");

    assertNotEquals(0, as(OTHER, "head", "-c", "1", overlay.toString()), "another user opens no overlay");
    assertNotEquals(0, as(OTHER, "stat", overlay.toString()), "nor passes the job's folder");
    assertTrue(Files.exists(overlay) && !Files.exists(node.resolve("planted")));
    assertEquals("rwx-----x", mode(state));
    assertEquals("rwx--x--x", mode(state.resolve("jobs")));
    for (Path p : List.of(node.getParent(), node)) {
      assertEquals("rwx--x---", mode(p), p.toString());
      assertEquals(0, Files.getAttribute(p, "unix:uid"));
      assertEquals(USER, Files.getAttribute(p, "unix:gid"));
    }
  }

  @Test
  void aFolderOnTheWayThatIsNotRootsIsRefused() throws IOException {
    Files.setAttribute(node.getParent(), "unix:uid", USER);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> StateFolders.openTo(state, node, USER));
    assertTrue(e.getMessage().contains("belongs to uid 65534, not root"), e.getMessage());
  }

  @Test
  void aLinkInPlaceOfAFolderIsRefused() throws IOException {
    Path real = Files.move(node, tmp.resolve("elsewhere"));
    Files.createSymbolicLink(node, real);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> StateFolders.openTo(state, node, USER));
    assertTrue(e.getMessage().contains("is not a folder"), e.getMessage());
    assertEquals("rwx------", mode(real), "the link's target is left as it was");
  }

  @Test
  void onlyANodesFolderOfAJobIsOpened() {
    assertThrows(IllegalArgumentException.class, () -> StateFolders.openTo(state, state.resolve("jobs"), USER));
    assertThrows(IllegalArgumentException.class, () -> StateFolders.openTo(state, tmp.resolve("x/y/z"), USER));
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  /** Runs a command as {@code uid} (and the same gid), no other group; returns its exit status. */
  static int as(int uid, String... cmd) throws Exception {
    List<String> argv = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
        "--"));
    argv.addAll(List.of(cmd));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), String.join(" ", argv));
    return p.exitValue();
  }
}
