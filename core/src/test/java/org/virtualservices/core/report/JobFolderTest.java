package org.virtualservices.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.plan.StatePaths;
import org.junit.jupiter.api.io.TempDir;

/** The job's folder in the run tree: root's, refused when someone else could have written in the tree. */
class JobFolderTest {

  @TempDir
  Path tmp;

  @Test
  void theTreeIsMadeWithItsModesAndTheFolderOpensForReadingOnly() throws IOException {
    Path run = tmp.resolve("run");
    JobFolder f = JobFolder.of(new StatePaths(Path.of("/nonexistent"), run), "42").create();
    assertEquals("rwxr-xr-x", mode(run));
    assertEquals("rwx--x--x", mode(run.resolve("jobs")), "users reach their job's folder, list no other");
    assertEquals("rwx------", mode(f.dir()), "root's alone while the report is written");
    int gid = UserCopy.ourGid();
    Path key = f.write("id_ed25519", "secret\n", UserCopy.ourUid(), gid);
    assertEquals("rw-------", mode(key));
    f.handOver(gid);
    assertEquals("rwxr-x---", mode(f.dir()));
    assertEquals(gid, (Integer) Files.getAttribute(f.dir(), "unix:gid"));
    // a second prolog of the job finds it and writes anew
    JobFolder.of(new StatePaths(Path.of("/nonexistent"), run), "42").create().write("id_ed25519", "again\n", UserCopy.ourUid(), gid);
    assertEquals("again\n", Files.readString(key));
    f.delete();
    assertFalse(f.exists());
  }

  @Test
  void aLinkOrAFolderOthersCanWriteInTheTreeIsRefused() throws IOException {
    Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
    Path run = Files.createDirectory(tmp.resolve("run"));
    Files.createSymbolicLink(run.resolve("jobs"), elsewhere);
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> JobFolder.of(new StatePaths(Path.of("/nonexistent"), run), "42").create());
    assertTrue(e.getMessage().contains("not a folder"), e.getMessage());
    assertFalse(Files.exists(elsewhere.resolve("42")), "nothing made through the link");

    Path open = Files.createDirectory(tmp.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    e = assertThrows(UncheckedIOException.class, () -> JobFolder.of(new StatePaths(Path.of("/nonexistent"), open), "42").create());
    assertTrue(e.getMessage().contains("writable by others"), e.getMessage());
  }

  @Test
  void jobIdsThatAreNotNamesAreRefused() {
    for (String id : List.of("", "..", ".hidden", "a/b")) {
      assertThrows(IllegalArgumentException.class, () -> JobFolder.of(new StatePaths(Path.of("/nonexistent"), tmp), id), id);
    }
  }

  @Test
  void aWorkingFolderWhosePathCannotBeRecordedIsRefused() throws IOException {
    Path odd = Files.createDirectory(tmp.resolve("a\nb"));
    ReportRefusedException e = assertThrows(ReportRefusedException.class,
        () -> UserCopy.target(odd, "7", UserCopy.ourUid(), UserCopy.ourGid()));
    assertTrue(e.getMessage().contains("control characters"), e.getMessage());
    assertThrows(ReportRefusedException.class, () -> UserCopy.target(Path.of("relative"), "7", 0, 0));
    assertEquals(tmp.resolve("vcluster-7"), UserCopy.target(tmp, "7", UserCopy.ourUid(), 0).dir());
  }

  @Test
  void theCopysRecordIsReadBack() {
    JobFolder f = JobFolder.of(new StatePaths(Path.of("/nonexistent"), tmp.resolve("run")), "7").create();
    UserCopy.Target t = new UserCopy.Target(1000, 100, tmp.resolve("work dir/vcluster-7"));
    f.recordCopy(t);
    assertEquals(t, f.copyRecord().orElseThrow());
  }

  @Test
  void theCopysStreamIsAnArchiveTarReads() throws Exception {
    Path out = Files.createDirectory(tmp.resolve("out"));
    String tar = UserCopy.Tar.of("vcluster-9", Map.of("report.txt", "é\n", "empty", ""));
    Process p = new ProcessBuilder("tar", "-x", "-f", "-", "-C", out.toString()).start();
    p.getOutputStream().write(tar.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    p.getOutputStream().close();
    assertEquals(0, p.waitFor(), new String(p.getErrorStream().readAllBytes()));
    assertEquals("é\n", Files.readString(out.resolve("vcluster-9/report.txt")));
    assertEquals("", Files.readString(out.resolve("vcluster-9/empty")));
    assertEquals("rwx------", mode(out.resolve("vcluster-9")));
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
