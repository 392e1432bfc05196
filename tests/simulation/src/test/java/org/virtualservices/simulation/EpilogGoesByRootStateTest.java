package org.virtualservices.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user cannot talk the epilog out of its work (docs/hooks.md, "Threat model"): after the
 * prolog made the job's VMs, the user changes the job's comment ({@code scontrol update JobId=X
 * Comment=...}), so that the epilog gets neither {@code vc:} nor any {@code SPANK_VC_*}. The epilog
 * still tears everything down, going by root's state on the node: the job's folder in the run
 * tree, which its wrapper looks at before any JVM, and the journal. A job with neither a request
 * nor that folder still costs only the wrapper's shell.
 */
class EpilogGoesByRootStateTest {

  private static final String REQUEST = "vc:image=tiny,vms=2,vcpus=1,mem=256M";
  private static final String CHANGED = "the user's own words now";

  @TempDir
  Path tmp;
  SimulatedCluster cluster;

  @BeforeEach
  void up() throws IOException {
    cluster = new SimulatedCluster(tmp, List.of("sim1"), "");
    // the wrapper's own JVM has its own test:///default and no fake network: no network here
    Files.writeString(cluster.config, Files.readString(cluster.config).replace("  mode: vxlan", "  mode: none"));
  }

  @AfterEach
  void down() {
    cluster.close();
  }

  @Test
  void aChangedCommentStillGetsTheJobsVmsAndFilesTornDown() {
    assertEquals(0, cluster.prolog("920", "sim1", REQUEST), cluster.log());
    assertEquals(2, vms("920"));
    assertEquals(0, cluster.epilog("920", "sim1", CHANGED), cluster.log());
    assertEquals(0, vms("920"), "the VMs do not outlive the job: " + cluster.log());
    assertGone("920");
  }

  @Test
  void theRealWrapperStartsTheEpilogForAChangedCommentAndItRemovesEverything() throws Exception {
    assertEquals(0, cluster.prolog("921", "sim1", REQUEST), cluster.log());
    assertTrue(Files.isDirectory(cluster.runFolder("921", "sim1")));
    Path install = install();
    Result r = wrapper(install, "921", CHANGED, Path.of(System.getProperty("java.home")));
    assertEquals(0, r.status, r.output);
    assertTrue(r.output.contains("epilog done"), "the Java epilog ran: " + r.output);
    assertGone("921");
  }

  @Test
  void withoutARequestOrTheJobsFolderTheWrapperExitsBeforeAnyJvm() throws Exception {
    Path install = install();
    Path javaHome = Files.createDirectories(tmp.resolve("recording-java/bin")).getParent();
    Path called = tmp.resolve("java-was-called");
    Files.writeString(javaHome.resolve("bin/java"), "#!/bin/sh\ntouch " + called + "\n");
    Files.setPosixFilePermissions(javaHome.resolve("bin/java"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Result r = wrapper(install, "922", CHANGED, javaHome);
    assertEquals(0, r.status, r.output);
    assertFalse(Files.exists(called), "a job with no request and no folder of its own started a JVM");
    // the same job with its folder in the run tree does start one
    Files.createDirectories(cluster.runFolder("922", "sim1"));
    assertEquals(0, wrapper(install, "922", CHANGED, javaHome).status);
    assertTrue(Files.exists(called), "the job's folder in the run tree sends the epilog on");
  }

  private void assertGone(String job) {
    assertFalse(Files.exists(cluster.runFolder(job, "sim1")), "the job's folder in the run tree");
    assertFalse(Files.exists(cluster.stateDir.resolve("jobs").resolve(job)), "the state folder");
    assertFalse(Files.exists(cluster.workDir.resolve("vcluster-" + job)), "the report's copy");
  }

  private long vms(String job) {
    return cluster.keepAlive.domains().stream().filter(d -> d.name().startsWith("vc" + job + "-")).count();
  }

  private record Result(int status, String output) {
  }

  /** Runs {@code bin/vcluster-epilog} as slurmd does: no arguments, slurmd's environment only. */
  private Result wrapper(Path install, String job, String comment, Path javaHome) throws Exception {
    List<String> argv = new ArrayList<>(List.of("/usr/bin/env", "-i"));
    for (Map.Entry<String, String> e : cluster.slurmEnv(job, "sim1", comment, true).entrySet()) {
      argv.add(e.getKey() + "=" + e.getValue());
    }
    argv.add("VC_CONFIG=" + cluster.config);
    argv.add("JAVA_HOME=" + javaHome);
    argv.add(install.resolve("bin/vcluster-epilog").toString());
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the epilog wrapper did not finish");
    }
    return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  /**
   * An installation as the tarball lays it out: the wrappers from dist/src/bin, and in lib/ one jar
   * whose manifest names this test's class path.
   */
  private Path install() throws IOException {
    Path install = tmp.resolve("install");
    Path bin = Files.createDirectories(install.resolve("bin"));
    Path src = Path.of(System.getProperty("user.dir")).resolve("../../dist/src/bin").normalize();
    for (String f : List.of("vcluster-epilog", "vcluster-java.sh")) {
      Files.copy(src.resolve(f), bin.resolve(f));
    }
    Files.setPosixFilePermissions(bin.resolve("vcluster-epilog"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Path lib = Files.createDirectories(install.resolve("lib"));
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    List<String> urls = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      urls.add(Path.of(e).toUri().toString());
    }
    m.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", urls));
    try (OutputStream out = Files.newOutputStream(lib.resolve("classpath.jar"));
        JarOutputStream jar = new JarOutputStream(out, m)) {
      jar.flush();
    }
    return install;
  }
}
