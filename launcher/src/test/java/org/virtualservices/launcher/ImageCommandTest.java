package org.virtualservices.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.ProcessCommandRunner;

/** {@code vcluster image import|list|delete} in-process, with the real qemu-img, in a temporary repository. */
class ImageCommandTest {

  static final String QEMU_IMG = "/usr/bin/qemu-img";
  final ProcessCommandRunner runner = new ProcessCommandRunner();
  @TempDir
  Path tmp;
  Path site;
  Path repo;

  record Run(int code, String out, String err) {
  }

  @BeforeEach
  void site() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of(QEMU_IMG)), "needs qemu-utils");
    repo = tmp.resolve("repos/alice/images");
    site = Files.writeString(tmp.resolve("site.yaml"), String.join("\n",
        "images: {testapp: {disk: /img/testapp.qcow2}}",
        "userImages: {enabled: true, repository: '" + tmp.resolve("repos") + "/{user}/images', maxVirtualMiB: 64}",
        ""));
  }

  Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new ImageCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("VC_CONFIG", site.toString()), runner, "alice", 1001)
        .run(List.of(args));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  Path image(String name, String format, String size) {
    Path p = tmp.resolve(name);
    runner.check(Command.of(QEMU_IMG, "create", "-q", "-f", format, p.toString(), size));
    return p;
  }

  @Test
  void importMakesRevisionsOneAfterAnotherAndListShowsThem() throws Exception {
    Path src = image("src.vmdk", "vmdk", "16M");
    Run r = run("import", src.toString(), "deb12");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("as user:deb12@1 (qcow2, 16 MiB virtual)"), r.out());
    r = run("import", image("src.raw", "raw", "8M").toString(), "deb12", "--format", "raw");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("as user:deb12@2 (raw, 8 MiB virtual)"), r.out());
    assertTrue(Files.isRegularFile(repo.resolve("deb12/1.qcow2")));
    assertTrue(Files.isRegularFile(repo.resolve("deb12/2.raw")));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(repo.resolve("deb12/1.qcow2"))));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(repo.resolve("deb12"))));
    assertEquals(List.of("1.qcow2", "2.raw"), Files.list(repo.resolve("deb12")).map(p -> p.getFileName().toString())
        .sorted().toList(), "no partial file left");
    r = run("list");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().lines().anyMatch(l -> l.matches("deb12 +1 +qcow2 +16 MiB .*")), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.matches("deb12 +2 +raw +8 MiB .*")), r.out());
  }

  @Test
  void anImageOverTheLimitIsRefusedBeforeAnythingIsWritten() {
    Run r = run("import", image("big.qcow2", "qcow2", "65M").toString(), "big");
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().contains("has a virtual size of 65 MiB, more than the site's limit of 64 MiB"), r.err());
    assertFalse(Files.exists(repo.resolve("big")));
  }

  @Test
  void badNamesAndFormatsAreRefused() {
    Path src = image("src.qcow2", "qcow2", "8M");
    Run r = run("import", src.toString(), "../etc");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("image name must be"), r.err());
    r = run("import", src.toString(), "deb12", "--format", "vmdk");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("format 'vmdk' is not allowed here (allowed: raw, qcow2)") || r.err().contains(
        "format vmdk is not allowed"), r.err());
    r = run("import", tmp.resolve("nothing").toString(), "deb12");
    assertEquals(2, r.code());
    assertFalse(Files.exists(repo.resolve("deb12")));
  }

  @Test
  void deleteRemovesOneRevisionOrAll() {
    Path src = image("src.qcow2", "qcow2", "8M");
    run("import", src.toString(), "deb12");
    run("import", src.toString(), "deb12");
    Run r = run("delete", "deb12@1");
    assertEquals(0, r.code(), r.toString());
    assertFalse(Files.exists(repo.resolve("deb12/1.qcow2")));
    assertTrue(Files.exists(repo.resolve("deb12/2.qcow2")));
    assertEquals(2, run("delete", "deb12@7").code());
    r = run("delete", "user:deb12");
    assertEquals(0, r.code(), r.toString());
    assertFalse(Files.exists(repo.resolve("deb12")));
  }

  @Test
  void aSiteWithoutUsersImagesSaysSo() throws Exception {
    Files.writeString(site, "images: {testapp: {disk: /img/testapp.qcow2}}\n");
    Run r = run("list");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("userImages.enabled is off"), r.err());
  }
}
