package org.virtualservices.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.virtualservices.core.request.SyntaxCases;

/** {@code vcluster validate} in-process: the shared syntax table, then the site's policy. */
class ValidateCommandTest {

  @TempDir
  static Path dir;
  /** Limits as wide as the syntax allows, and every valid image name of the table in the catalog. */
  static Path permissive;
  /** A site like the end-to-end cluster's. */
  static Path site;

  /** What one run printed and returned. */
  record Run(int code, String out, String err) {
    /** The one line a refusal prints. */
    String line() {
      assertEquals(1, err.lines().count(), "one line on stderr: " + err);
      assertEquals("", out);
      return err.strip();
    }
  }

  @BeforeAll
  static void sites() throws IOException {
    // users' images (user:NAME[@REV]) are allowed; every other valid name is in the catalog
    String images = SyntaxCases.all().stream().filter(c -> c.option().equals("vc-image") && c.valid())
        .filter(c -> !c.value().startsWith("user:"))
        .map(c -> "  " + c.value() + ": {disk: /img/x.qcow2}").collect(Collectors.joining("\n"));
    permissive = Files.writeString(dir.resolve("permissive.yaml"), String.join("\n",
        "images:", images, "userImages: {enabled: true}",
        "limits: {maxVmsPerNode: 256, maxVcpusPerVm: 1024, maxMemoryMiBPerVm: 16777216, minMemoryMiBPerVm: 1,"
            + " allocationRule: none}", ""));
    site = Files.writeString(dir.resolve("site.yaml"), String.join("\n",
        "images:",
        "  testapp: {disk: /img/testapp.qcow2, description: the test appliance}",
        "  debian12: {disk: /img/debian12.qcow2}",
        "limits: {maxVmsPerNode: 4, maxVcpusPerVm: 16, maxMemoryMiBPerVm: 2048, minMemoryMiBPerVm: 128,"
            + " allocationRule: cpus}",
        "defaults: {vcpus: 1, memoryMiB: 384, vmsPerNode: 1}",
        "network: {subnetPrefix: 28}", ""));
  }

  static Run run(String... args) {
    return run(Map.of(), args);
  }

  static Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new Vcluster(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), env).run(List.of(args));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Stream<SyntaxCases.Case> syntaxCases() {
    return SyntaxCases.all().stream();
  }

  /** Every line of the table the SPANK plugin is tested against, as --image/--vcpus/--mem/--vms. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("syntaxCases")
  void agreesWithTheSyntaxTable(SyntaxCases.Case c) {
    List<String> args = new ArrayList<>(List.of("validate", "--config", permissive.toString()));
    if (!c.word().equals("image")) {
      args.addAll(List.of("--image", "testapp"));
    }
    // the plugin passes --word=value, one argument, so a value can never pass for an option
    args.add("--" + c.word() + "=" + c.value());
    Run r = run(args.toArray(String[]::new));
    if (c.valid()) {
      assertEquals(0, r.code(), c + ": " + r);
      String shown = c.word().equals("mem") ? c.expected() + "M" : c.expected();
      assertTrue(r.out().contains(" " + c.word() + "=" + shown + " ") || r.out().strip().endsWith(c.word() + "="
          + shown), c + ": " + r.out());
    } else {
      assertEquals(2, r.code(), c + ": " + r);
      assertTrue(r.line().startsWith(c.word() + ": "), c + ": " + r.err());
    }
  }

  static Stream<Arguments> refusals() {
    return Stream.of(
        // the catalog
        Arguments.of(List.of("--image", "nosuch"), "image: 'nosuch' is not in the site's catalog (known: debian12,"
            + " testapp)"),
        Arguments.of(List.of("--image", "TestApp"), "image: 'TestApp' is not in the site's catalog"),
        Arguments.of(List.of("--image", "user:deb12"), "image: 'user:deb12': this site does not let users boot images"
            + " of their own (userImages.enabled is off; catalog: debian12, testapp)"),
        Arguments.of(List.of("--image", "user:deb12@0"), "image: invalid user image 'user:deb12@0'"),
        Arguments.of(List.of("--vcpus", "2"), "image: missing"),
        Arguments.of(List.of("--image", "../etc"), "image: invalid image name '../etc'"),
        Arguments.of(List.of("--image=testapp;reboot"), "image: invalid image name 'testapp;reboot'"),
        Arguments.of(List.of("--image", "<testapp/>"), "image: invalid image name '<testapp/>'"),
        Arguments.of(List.of("--image", "t".repeat(5000)), "image: invalid image name '" + "t".repeat(80) + "... (5000 bytes)'"),
        // the site's limits on each VM
        Arguments.of(List.of("--image", "testapp", "--vcpus", "17"), "vcpus: 17 is outside the site's limit of 1"
            + " to 16"),
        Arguments.of(List.of("--image", "testapp", "--mem", "4G"), "mem: 4096M is outside the site's limit of 128M"
            + " to 2048M per VM"),
        Arguments.of(List.of("--image", "testapp", "--mem", "64M"), "mem: 64M is outside the site's limit"),
        Arguments.of(List.of("--image", "testapp", "--vms", "99"), "vms: 99 VMs per node is outside the site's"
            + " limit of 1 to 4"),
        Arguments.of(List.of("--image", "testapp", "--vms", "5"), "vms: 5 VMs per node"),
        // wrong types, negative, zero, overflowing, unknown units
        Arguments.of(List.of("--image", "testapp", "--vcpus", "two"), "vcpus: invalid number of vCPUs 'two'"),
        Arguments.of(List.of("--image", "testapp", "--vcpus=-1"), "vcpus: invalid number of vCPUs '-1'"),
        Arguments.of(List.of("--image", "testapp", "--vcpus", "0"), "vcpus: number of vCPUs '0' is outside"),
        Arguments.of(List.of("--image", "testapp", "--vms", "4294967297"), "vms: invalid number of VMs per node"),
        Arguments.of(List.of("--image", "testapp", "--mem", "lots"), "mem: invalid size 'lots'"),
        Arguments.of(List.of("--image", "testapp", "--mem", "2P"), "mem: invalid size '2P'"),
        Arguments.of(List.of("--image", "testapp", "--mem", "99999999999999999999999G"), "mem: invalid size"),
        Arguments.of(List.of("--image", "testapp", "--mem", "9999999999999999999T"), "mem: size"
            + " '9999999999999999999T' is more than the 16 TiB allowed"),
        Arguments.of(List.of("--image", "testapp", "--mem", "2G", "--mem", "1G"), "mem: given twice"),
        // the allocation rule (cpus) and the job's subnet (/28: 13 VMs)
        Arguments.of(List.of("--image", "testapp", "--vms", "2", "--vcpus", "2", "--cpus-per-node", "2"),
            "vcpus: 2 VM(s) x 2 vCPUs = 4 vCPUs on each node, where the job has 2 CPU(s)"),
        Arguments.of(List.of("--image", "testapp", "--vms", "4", "--nodes", "4"), "vms: 16 VMs in one job (4 on"
            + " each of 4 nodes) is more than the site's /28 subnets hold (13)"),
        Arguments.of(List.of("--image", "testapp", "--nodes", "0"), "nodes: '0' is not a whole number"),
        Arguments.of(List.of("--image", "testapp", "--nodes", "x"), "nodes: 'x' is not a whole number"),
        Arguments.of(List.of("--image", "testapp", "--cpus-per-node", "-2"), "cpus-per-node: '-2' is not"),
        // usage
        Arguments.of(List.of("--image", "testapp", "--color", "red"), "vcluster validate: Unrecognized option:"
            + " --color (see --help)"),
        Arguments.of(List.of("--image", "testapp", "extra"), "vcluster validate: unexpected argument 'extra'"),
        Arguments.of(List.of("--image"), "vcluster validate: Missing argument for option: image"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void refusesWithOneLineNamingTheField(List<String> request, String expected) {
    List<String> args = new ArrayList<>(List.of("validate", "--config", site.toString()));
    args.addAll(request);
    Run r = run(args.toArray(String[]::new));
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.line().startsWith(expected), "expected '" + expected + "...', got: " + r.err());
    assertTrue(r.line().length() < 400, r.err());
  }

  static Stream<Arguments> acceptances() {
    return Stream.of(
        Arguments.of(List.of("--image", "testapp"), "ok image=testapp vcpus=1 mem=384M vms=1"),
        Arguments.of(List.of("--image", "testapp", "--vms", "2", "--vcpus", "1", "--nodes", "2",
            "--cpus-per-node", "2"), "ok image=testapp vcpus=1 mem=384M vms=2 nodes=2 cpus-per-node=2"),
        Arguments.of(List.of("--image=debian12", "--mem=2GiB", "--vcpus=16", "--vms=4"),
            "ok image=debian12 vcpus=16 mem=2048M vms=4"),
        Arguments.of(List.of("--image", "testapp", "--vms", "4", "--nodes", "3"), "ok image=testapp vcpus=1"
            + " mem=384M vms=4 nodes=3"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("acceptances")
  void acceptsWithOneOkLine(List<String> request, String expected) {
    List<String> args = new ArrayList<>(List.of("validate", "--config", site.toString()));
    args.addAll(request);
    Run r = run(args.toArray(String[]::new));
    assertEquals(0, r.code(), r.toString());
    assertEquals(expected + "\n", r.out());
    assertEquals("", r.err());
  }

  @Test
  void findsTheConfigurationThroughTheEnvironment() {
    Run r = run(Map.of("VC_CONFIG", site.toString()), "validate", "--image", "testapp");
    assertEquals(0, r.code(), r.toString());
  }

  @Test
  void anUnreadableConfigurationIsExitOneNotARefusal() throws IOException {
    Run missing = run("validate", "--config", dir.resolve("nosuch.yaml").toString(), "--image", "testapp");
    assertEquals(1, missing.code());
    assertEquals(1, missing.err().lines().count(), missing.err());
    assertTrue(missing.err().contains("no such file"), missing.err());
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "limits: {maxVmsPerNode: many}\n");
    Run broken = run("validate", "--config", bad.toString(), "--image", "testapp");
    assertEquals(1, broken.code());
    assertEquals(1, broken.err().lines().count(), broken.err());
    assertTrue(broken.err().contains("maxVmsPerNode"), broken.err());
  }

  @Test
  void syntaxIsCheckedBeforeTheConfigurationIsRead() {
    Run r = run("validate", "--config", dir.resolve("nosuch.yaml").toString(), "--image", "testapp", "--mem", "x");
    assertEquals(2, r.code());
    assertTrue(r.line().startsWith("mem: invalid size 'x'"), r.err());
  }

  @Test
  void helpAndUnknownSubcommands() {
    Run help = run("validate", "--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("--cpus-per-node"), help.out());
    Run unknown = run("frobnicate");
    assertEquals(2, unknown.code());
    assertTrue(unknown.line().startsWith("vcluster: unknown subcommand 'frobnicate'"), unknown.err());
    assertEquals(2, run().code());
  }

  @Test
  void listsTheCatalog() throws IOException {
    Run text = run("images", "--config", site.toString());
    assertEquals(0, text.code(), text.toString());
    assertEquals("debian12\ntestapp   the test appliance\n", text.out());
    Run json = run("images", "--json", "--config", site.toString());
    assertEquals(0, json.code(), json.toString());
    assertEquals("[{\"name\":\"debian12\",\"description\":\"\"},{\"name\":\"testapp\",\"description\":\"the test"
        + " appliance\"}]", new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out()).toString());
    assertEquals(1, run("images", "--config", dir.resolve("nosuch.yaml").toString()).code());
  }
}
