package org.virtualservices.simulation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The root hooks attacked by users of the same cluster (docs/hooks.md, "Threat model"), in real
 * prolog and epilog runs against test:///default, the attackers real processes of other uids
 * ({@code setpriv}):
 * <ul>
 *   <li>the job's user races every path of theirs the hooks use (the working folder, the report's
 *       copy, its files), swapping them for links to a root-owned canary folder, during the prolog
 *       and the epilog, run after run: no file is made, changed or deleted outside the job's own
 *       folders, none of root's ever lands in the user's, and the run tree refuses the user;</li>
 *   <li>another user opens, in a tight loop, every file of the job it can name during a prolog:
 *       never an overlay, a seed, a key, a journal, a log.</li>
 * </ul>
 * They need root (to be root, and to be other users): in CI ({@code CI=true}), which runs as root,
 * they fail rather than skip when not.
 */
class RootHooksUnderAttackTest {

  private static final String REQUEST = "vc:image=tiny,vms=2,vcpus=1,mem=256M";
  private static final int USER = 65534;
  private static final int OTHER = 65532;
  private static final int RUNS = 24;

  @TempDir
  Path tmp;
  SimulatedCluster cluster;
  Path canary;
  Path home;
  Path stops;

  @BeforeEach
  void up() throws IOException {
    requireRoot();
    // a machine's layout: root's folders, the user's home with the job's working folder, and a
    // canary of root's that the attacker points links at
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    stops = Files.createDirectory(tmp.resolve("stops"));
    Files.setPosixFilePermissions(Files.createDirectory(tmp.resolve("run")), PosixFilePermissions.fromString(
        "rwxr-xr-x")); // /run is there before any hook
    Files.setPosixFilePermissions(stops, PosixFilePermissions.fromString("rwxr-xr-x"));
    home = Files.createDirectories(tmp.resolve("home/nobody"));
    Path work = Files.createDirectory(home.resolve("work"));
    for (Path p : List.of(home, work)) {
      Files.setAttribute(p, "unix:uid", USER);
      Files.setAttribute(p, "unix:gid", USER);
    }
    canary = Files.createDirectory(tmp.resolve("canary"));
    Files.setPosixFilePermissions(canary, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String n : List.of("report.json", "report.txt", "hostfile", "ssh_config", "id_ed25519", "known_hosts",
        "ERROR", "keep")) {
      Files.writeString(canary.resolve(n), "canary " + n + "\n");
    }
    Files.createDirectories(canary.resolve("vcluster-600/sub"));
    Files.writeString(canary.resolve("vcluster-600/sub/file"), "canary\n");
    cluster = new SimulatedCluster(tmp, List.of("sim1"), "", "nobody", USER, USER, work);
    Files.setPosixFilePermissions(cluster.stateDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String s : List.of("racer.py", "watcher.py")) {
      try (InputStream in = getClass().getResourceAsStream("/attack/" + s)) {
        Files.write(tmp.resolve(s), in.readAllBytes());
      }
    }
  }

  @AfterEach
  void down() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void theJobsUserRacingItsPathsNeverTurnsRootAgainstAnythingElse() throws Exception {
    Map<String, String> outside = snapshot(tmp, this::outsideTheJob);
    long swaps = 0;
    int clusters = 0;
    for (int i = 0; i < RUNS; i++) {
      String job = String.valueOf(600 + i);
      Path stop = stops.resolve(job);
      Process racer = asUser(USER, "racer.py", cluster.workDir.toString(), canary.toString(), job,
          cluster.runFolder(job, "sim1").toString(), stop.toString(), "60");
      try {
        int prolog = cluster.prolog(job, "sim1", REQUEST);
        assertEquals(0, prolog, "run " + i + ": the user's doing never drains the node: " + cluster.log());
        if (Files.exists(cluster.runFolder(job, "sim1").resolve("report.json"))) {
          clusters++;
        }
        assertEquals(0, cluster.epilog(job, "sim1", REQUEST), "run " + i + ": epilog: " + cluster.log());
      } finally {
        Files.writeString(stop, "");
      }
      String said = finish(racer, "racer");
      assertTrue(said.matches("swaps \\d+ breaches 0"), "run " + i + ": the run tree let the user in: " + said);
      swaps += Long.parseLong(said.split(" ")[1]);
      Files.delete(stop);
      assertEquals(List.of(), differences(outside, snapshot(tmp, this::outsideTheJob)),
          "run " + i + ": root made, changed or deleted something outside the job's folders");
      assertEquals(List.of(), rootsIn(home), "run " + i + ": root-owned files in the user's home");
      assertFalse(Files.exists(cluster.runFolder(job, "sim1"), LinkOption.NOFOLLOW_LINKS), "run " + i);
      assertFalse(Files.exists(cluster.stateDir.resolve("jobs").resolve(job)), "run " + i);
      assertTrue(cluster.keepAlive.domains().stream().noneMatch(d -> d.name().startsWith("vc" + job + "-")));
    }
    assertTrue(swaps > RUNS, "the racer planted links: " + swaps);
    assertTrue(clusters > 0, "some runs got their virtual cluster despite the racer");
    System.out.printf("racer: %d links planted in %d runs, %d of which got a cluster%n", swaps, RUNS, clusters);
  }

  @Test
  void anotherUserWatchingTheStateFoldersNeverOpensADiskASeedOrAKey() throws Exception {
    int opened = 0;
    long tries = 0;
    for (int i = 0; i < 6; i++) {
      String job = String.valueOf(700 + i);
      Path node = cluster.stateDir.resolve("jobs").resolve(job).resolve("sim1");
      Path run = cluster.runFolder(job, "sim1");
      List<String> named = new ArrayList<>();
      for (int vm = 0; vm < 2; vm++) {
        String v = "vc" + job + "-" + vm;
        for (String f : List.of(v + ".qcow2", v + "-seed.iso", v + ".xml", v + "-seed.iso.d/vcluster/id_ed25519",
            v + "-seed.iso.d/vcluster/ssh_host_ed25519_key", v + "-seed.iso.d/user-data")) {
          named.add(node.resolve(f).toString());
        }
      }
      for (String f : List.of("id_ed25519", "report.json", "ssh_config", "known_hosts", ".user-copy")) {
        named.add(run.resolve(f).toString());
        named.add(cluster.workDir.resolve("vcluster-" + job).resolve(f).toString());
      }
      named.add(node.resolve("journal.json").toString());
      named.add(cluster.stateDir.resolve("logs/" + job + ".log").toString());
      Path stop = stops.resolve(job);
      Process watcher = asUser(OTHER, "watcher.py", stop.toString(), "60",
          cluster.stateDir + ":" + tmp.resolve("run") + ":" + home, String.join(":", named));
      try {
        assertEquals(0, cluster.prolog(job, "sim1", REQUEST), cluster.log());
      } finally {
        Files.writeString(stop, "");
      }
      String said = finish(watcher, "watcher");
      tries += Long.parseLong(said.split(" ")[1]);
      if (!said.endsWith("opened")) {
        opened++;
        System.out.println("watcher during job " + job + ": " + said);
      }
      assertEquals(0, cluster.epilog(job, "sim1", REQUEST), cluster.log());
    }
    assertEquals(0, opened, "prologs during which another user opened a file of the job");
    assertTrue(tries > 1000, "the watcher tried: " + tries);
    System.out.printf("watcher: %d opens tried during 6 prologs, none succeeded%n", tries);
  }

  @Test
  void aWorkingFolderThatIsNotTheUsersIsRefusedWithoutMakingAnything() throws IOException {
    Files.setAttribute(cluster.workDir, "unix:uid", 0); // root's, as a shared scratch root would be
    assertEquals(0, cluster.prolog("690", "sim1", REQUEST), "the user's mistake: " + cluster.log());
    assertTrue(cluster.keepAlive.domains().stream().noneMatch(d -> d.name().startsWith("vc690-")));
    assertFalse(Files.exists(cluster.stateDir.resolve("jobs/690")), "nothing made");
    assertFalse(Files.exists(cluster.workDir.resolve("vcluster-690")), "nothing written in another's folder");
    String error = Files.readString(cluster.runFolder("690", "sim1").resolve("ERROR"));
    assertTrue(error.contains("belongs to uid 0, not to the job's user (uid 65534)"), error);
    assertEquals(0, cluster.epilog("690", "sim1", REQUEST), cluster.log());
    assertFalse(Files.exists(cluster.runFolder("690", "sim1")));
  }

  /** Everything but the job's own folders: the state folder, the run tree and the user's home. */
  private boolean outsideTheJob(Path p) {
    return !p.startsWith(cluster.stateDir) && !p.startsWith(tmp.resolve("run")) && !p.startsWith(home)
        && !p.startsWith(stops);
  }

  private static List<String> differences(Map<String, String> before, Map<String, String> after) {
    List<String> d = new ArrayList<>();
    before.forEach((k, v) -> {
      if (!v.equals(after.get(k))) {
        d.add(k + ": " + v + " -> " + after.getOrDefault(k, "gone"));
      }
    });
    after.keySet().stream().filter(k -> !before.containsKey(k)).forEach(k -> d.add(k + ": new " + after.get(k)));
    return d;
  }

  /** Every entry under {@code root} that {@code keep} accepts: its type, owner, mode, and content or target. */
  private static Map<String, String> snapshot(Path root, java.util.function.Predicate<Path> keep) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(keep).toList()) {
        String what = Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) + ":"
            + Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS) + " "
            + Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) + " "
            + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS) + " ";
        if (Files.isSymbolicLink(p)) {
          what += "-> " + Files.readSymbolicLink(p);
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          what += sha256(Files.readAllBytes(p));
        }
        m.put(root.relativize(p).toString(), what);
      }
    }
    return m;
  }

  /** Entries under {@code dir} that root owns: root wrote there as root. */
  private static List<String> rootsIn(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> {
        try {
          return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS) == 0;
        } catch (IOException e) {
          return false; // gone meanwhile
        }
      }).map(Path::toString).toList();
    }
  }

  private Process asUser(int uid, String script, String... args) throws IOException {
    List<String> argv = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + uid,
        "--clear-groups", "--", "/usr/bin/python3", tmp.resolve(script).toString()));
    argv.addAll(List.of(args));
    return new ProcessBuilder(argv).redirectErrorStream(true).start();
  }

  private static String finish(Process p, String what) throws InterruptedException, IOException {
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(what + " did not stop");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertEquals(0, p.exitValue(), what + ": " + out);
    return out;
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static void requireRoot() throws IOException {
    int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    if (uid != 0) {
      if ("true".equals(System.getenv("CI"))) {
        fail("the attack tests need root (uid " + uid + "): CI runs as root, so this is a failure");
      }
      Assumptions.abort("needs root to run the hooks and to be other users");
    }
  }
}
