package org.virtualservices.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --check-config} checks the files it names, as the prolog would find them at a job's
 * start (issue: it said ok, and the prolog then refused them and drained the node): each case
 * breaks one file of a good configuration and expects exit 2 and one error naming its key.
 */
class CheckConfigFilesTest {

  @TempDir
  Path tmp;
  Path config;
  Path secret;
  Path disk;
  Path kernel;
  Path initrd;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void goodSite() throws IOException {
    // the secret must be root's: the hooks run as root, and so does this suite
    assumeTrue(((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0, "needs root");
    // QEMU runs as each job's user: the images' folders must let anyone pass (a site's catalog is 0755)
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    secret = tmp.resolve("secret");
    Files.write(secret, new byte[32]);
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    disk = Files.write(tmp.resolve("base.qcow2"), new byte[16]);
    kernel = Files.write(tmp.resolve("vmlinuz"), new byte[16]);
    initrd = Files.write(tmp.resolve("initrd.img"), new byte[16]);
    config = tmp.resolve("site.yaml");
    Files.writeString(config, String.join("\n",
        "secretFile: " + secret,
        "images:",
        "  tiny:",
        "    disk: " + disk,
        "    kernel: " + kernel,
        "    initrd: " + initrd,
        ""));
  }

  int check() {
    HookCli cli = HookCli.parse("vcluster-prolog", true, List.of("--config", config.toString(), "--check-config"),
        new PrintStream(err, true, StandardCharsets.UTF_8)).orElseThrow();
    return cli.configCommands(Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).orElseThrow();
  }

  String errors() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aGoodSiteIsOk() {
    assertEquals(0, check(), errors());
    assertTrue(out.toString(StandardCharsets.UTF_8).contains(": ok ("), out.toString(StandardCharsets.UTF_8));
  }

  /** One broken file: what it does to the good site, and what the error must say. */
  record Broken(String name, Consumer<CheckConfigFilesTest> breaks, String expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> brokenFiles() {
    return Stream.of(
        new Broken("base image missing", t -> delete(t.disk), "images.tiny.disk: %DISK (the base image) does not exist"),
        new Broken("base image a folder", t -> {
          delete(t.disk);
          io(() -> Files.createDirectory(t.disk));
        }, "images.tiny.disk: %DISK (the base image) is not a regular file"),
        new Broken("kernel missing", t -> delete(t.kernel), "images.tiny.kernel: "),
        new Broken("base image closed to others (QEMU runs as the job's user)", t -> mode(t.disk, "rw-r-----"),
            "images.tiny.disk: %DISK is not readable by others (rw-r-----): QEMU runs as each job's user"),
        new Broken("initrd closed to others", t -> mode(t.initrd, "rw-------"), "images.tiny.initrd: "),
        new Broken("initrd missing", t -> delete(t.initrd), "images.tiny.initrd: "),
        new Broken("secret missing", t -> delete(t.secret), "secretFile: %SECRET does not exist"),
        new Broken("secret of 31 bytes", t -> io(() -> Files.write(t.secret, new byte[31])),
            "secretFile: %SECRET holds 31 bytes, fewer than 32"),
        new Broken("secret empty", t -> io(() -> Files.write(t.secret, new byte[0])),
            "secretFile: %SECRET holds 0 bytes"),
        new Broken("secret mode 0644", t -> mode(t.secret, "rw-r--r--"), "secretFile: %SECRET has mode rw-r--r--"),
        new Broken("secret mode 0640", t -> mode(t.secret, "rw-r-----"), "secretFile: %SECRET has mode rw-r-----"),
        new Broken("secret mode 0620", t -> mode(t.secret, "rw--w----"), "open to group or others"),
        new Broken("secret mode 0601", t -> mode(t.secret, "rw------x"), "open to group or others"),
        new Broken("secret not root's", t -> io(() -> Files.setAttribute(t.secret, "unix:uid", 65534)),
            "secretFile: %SECRET belongs to uid 65534, not root"),
        new Broken("secret a link", t -> io(() -> {
          Path real = t.tmp.resolve("real-secret");
          Files.move(t.secret, real);
          Files.createSymbolicLink(t.secret, real);
        }), "secretFile: %SECRET is a symbolic link"),
        new Broken("secret a folder", t -> {
          delete(t.secret);
          io(() -> Files.createDirectory(t.secret));
        }, "secretFile: %SECRET is not a regular file"))
        .map(Arguments::of);
  }

  @ParameterizedTest
  @MethodSource("brokenFiles")
  void eachBrokenFileIsAnErrorWithItsKey(Broken b) {
    b.breaks().accept(this);
    assertEquals(2, check(), b.name() + ": " + errors());
    String expected = b.expected().replace("%DISK", disk.toString()).replace("%SECRET", secret.toString());
    assertTrue(errors().contains(expected), b.name() + ": expected '" + expected + "' in:\n" + errors());
    assertEquals(2, errors().lines().count(), "a count line and one error: " + errors());
  }

  @Test
  void anImageInAFolderClosedToOthersIsAnError() throws IOException {
    Path closed = Files.createDirectory(tmp.resolve("closed"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    Files.move(disk, closed.resolve("base.qcow2"));
    Files.writeString(config, Files.readString(config).replace(disk.toString(), closed.resolve("base.qcow2").toString()));
    assertEquals(2, check(), errors());
    assertTrue(errors().contains("images.tiny.disk: " + closed + " (above " + closed.resolve("base.qcow2")
        + ") is not searchable by others"), errors());
  }

  @Test
  void aFixedQemuUserMustBeKnownHereAndNotRoot() throws IOException {
    String site = Files.readString(config);
    Files.writeString(config, site + "domain:\n  qemuUser: no-such-user-vs-test\n");
    assertEquals(2, check(), errors());
    assertTrue(errors().contains("domain.qemuUser: 'no-such-user-vs-test' is not a user on this node"), errors());
    err.reset();
    Files.writeString(config, site + "domain:\n  qemuUser: root\n");
    assertEquals(2, check(), errors());
    assertTrue(errors().contains("domain.qemuUser: QEMU must not run as root"), errors());
    err.reset();
    // a fixed user of the site's choosing: the images need not be open to everyone then
    mode(disk, "rw-r-----");
    Files.writeString(config, site + "domain:\n  qemuUser: nobody\n");
    assertEquals(0, check(), errors());
  }

  @Test
  void aYamlErrorIsAtMostThreeLinesWithFileLineAndColumn() throws IOException {
    Files.writeString(config, "libvirtUri: test:///default\nimages:\n  a:\n   disk: [x\n  b: 1\n");
    assertEquals(2, check());
    List<String> lines = errors().lines().toList();
    assertTrue(lines.size() <= 3, errors());
    assertTrue(lines.get(0).startsWith(config.toString()), errors());
    assertTrue(errors().contains("line 5, column 4"), errors());
  }

  private static void delete(Path p) {
    io(() -> Files.delete(p));
  }

  private static void mode(Path p, String mode) {
    io(() -> Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode)));
  }

  interface Io {
    void run() throws IOException;
  }

  private static void io(Io io) {
    try {
      io.run();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
