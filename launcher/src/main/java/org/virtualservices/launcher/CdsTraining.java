package org.virtualservices.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.command.ProcessCommandRunner;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.files.FileTrees;
import org.virtualservices.core.hypervisor.LibvirtHypervisor;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.runtime.NodeServices;
import org.virtualservices.core.runtime.Wiring;
import org.virtualservices.epilog.EpilogCommand;
import org.virtualservices.epilog.EpilogMain;
import org.virtualservices.prolog.PrologCommand;
import org.virtualservices.prolog.PrologMain;

/**
 * The training run of the AppCDS archive ({@code bin/vcluster-cds}, at package time): runs the
 * real prolog and epilog of a one-VM job once, in this JVM, so that the archive holds every class
 * a hook loads (libvirt over JNA, FreeMarker, the key derivation, the journal, the fabric's
 * scripts, the teardown), not only those of a dry run. Nothing leaves a temporary folder: libvirt
 * is its test driver ({@code test:///default}, in-process) and external programs are not run (a
 * recording runner answers for them, after starting {@code /bin/true} once so that process
 * handling is loaded too). Without libvirt's C library it falls back to the dry run's classes.
 */
public final class CdsTraining {

  /** {@link #train}'s status when the prolog or epilog of the training run failed. */
  static final int INCOMPLETE = 3;

  private CdsTraining() {
  }

  public static void main(String[] args) throws IOException {
    List<Path> signed = signedJars(System.getProperty("java.class.path"));
    if (!signed.isEmpty()) {
      // the archive would silently leave their classes out, and every hook would check their signatures
      System.err.println("vcluster-cds: signed jar(s) in the class path: " + signed + ": a JVM checks a signed jar's"
          + " whole signature before it loads a class from it, and the archive cannot hold its classes;"
          + " ship them without META-INF/*.SF (dist/pom.xml does so for BouncyCastle)");
      System.exit(1);
    }
    Path dir = Files.createTempDirectory("vcluster-cds");
    int status;
    try {
      status = train(dir, args.length > 0 ? args[0] : null);
    } finally {
      FileTrees.delete(dir);
    }
    // an incomplete training run still leaves a usable archive (said on stderr): not a failure
    System.exit(status == INCOMPLETE ? 0 : status);
  }

  /** The jars of a class path that carry a signature ({@code META-INF/*.SF}). */
  static List<Path> signedJars(String classPath) throws IOException {
    List<Path> signed = new java.util.ArrayList<>();
    for (String entry : classPath.split(java.io.File.pathSeparator)) {
      Path jar = Path.of(entry);
      if (!entry.endsWith(".jar") || !Files.isRegularFile(jar)) {
        continue;
      }
      try (java.util.jar.JarFile f = new java.util.jar.JarFile(jar.toFile(), false)) {
        if (f.stream().anyMatch(e -> e.getName().startsWith("META-INF/") && e.getName().endsWith(".SF"))) {
          signed.add(jar);
        }
      }
    }
    return signed;
  }

  static int train(Path dir, String siteYaml) throws IOException {
    Path secret = dir.resolve("secret");
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    Files.write(secret, bytes);
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    Path work = Files.createDirectory(dir.resolve("work"));
    Files.write(dir.resolve("base.qcow2"), new byte[0]); // read only by qemu-img, which is not run
    Path config = dir.resolve("site.yaml");
    Files.writeString(config, String.join("\n",
        "libvirtUri: test:///default",
        "stateDir: " + dir.resolve("state"),
        // never the node's own run tree: a live node may have a real job 1
        "runDir: " + dir.resolve("run"),
        "secretFile: " + secret,
        "images: {train: {disk: " + dir.resolve("base.qcow2") + ", kernel: /boot/vmlinuz, cmdline: console=ttyS0}}",
        // as a site has it: node names resolve through the system (localhost, here)
        "network: {mode: vxlan, underlay: resolver}",
        "boot: {readiness: [running], timeoutSeconds: 5}",
        "domain: {type: test}", ""));
    int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    int gid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
    Map<String, String> env = Map.ofEntries(Map.entry("SLURM_JOB_ID", "1"), Map.entry("SLURMD_NODENAME", "localhost"),
        Map.entry("SLURM_NODELIST", "localhost"), Map.entry("SLURM_JOB_NUM_NODES", "1"),
        Map.entry("SLURM_JOB_CPUS_PER_NODE", "1"), Map.entry("SLURM_JOB_USER", "cds"),
        Map.entry("SLURM_JOB_UID", String.valueOf(uid)), Map.entry("SLURM_JOB_GID", String.valueOf(gid)),
        Map.entry("SLURM_JOB_WORK_DIR", work.toString()), Map.entry("VC_CONFIG", config.toString()),
        Map.entry("SLURM_JOB_COMMENT", "vc:image=train"));
    ByteArrayOutputStream said = new ByteArrayOutputStream();
    PrintStream quiet = new PrintStream(said, true, StandardCharsets.UTF_8);
    CommandRunner runner = new Answering(uid);
    PrologCommand prolog = new PrologCommand(quiet, quiet, (c, l) -> services(c, l, uid), Clock.systemUTC());
    // the entry points and the commands as the bin scripts make them, for their wiring's classes
    // (nothing is wired for --help)
    List.of(PrologMain.class, EpilogMain.class).forEach(main -> { });
    PrologCommand.production(quiet, quiet).run(List.of("--help"), env);
    EpilogCommand.production(quiet, quiet).run(List.of("--help"), env);
    prolog.run(List.of("--help"), env);
    prolog.run(List.of("--dry-run"), env);
    if (siteYaml != null) {
      prolog.run(List.of("--check-config", "--config", siteYaml), env);
    }
    try {
      LibvirtHypervisor.open("test:///default").close();
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      System.err.println("vcluster-cds: no libvirt here (" + e.getMessage() + "): the archive covers the dry run only");
      return 0;
    }
    runner.run(Command.of("/bin/true"));
    int p = prolog.run(List.of(), env);
    int e = new EpilogCommand(quiet, quiet, (c, l) -> services(c, l, uid), Clock.systemUTC()).run(List.of(), env);
    if (p != 0 || e != 0) {
      System.err.println("vcluster-cds: the training run's prolog exited " + p + ", its epilog " + e
          + ": the archive may miss some classes. They said:\n" + said.toString(StandardCharsets.UTF_8));
      return INCOMPLETE;
    }
    return 0;
  }

  /** The production wiring (templates of the installation, the system's resolver), its programs answered. */
  private static NodeServices services(SiteConfig config, JobLog log, int uid) {
    return Wiring.production(config, log, new Answering(uid));
  }

  /**
   * Answers every command as done (JSON lists where JSON is asked for) and leaves the empty file a
   * disk or seed command would have made, and the controller's record of the training job (the
   * prolog asks for it since the memory rule); runs only /bin/true.
   */
  private static final class Answering implements CommandRunner {
    private final ProcessCommandRunner real = new ProcessCommandRunner();
    private final int uid;

    Answering(int uid) {
      this.uid = uid;
    }

    @Override
    public CommandResult run(Command command) {
      List<String> argv = command.argv();
      if (argv.equals(List.of("/bin/true"))) {
        return real.run(command);
      }
      if (argv.stream().anyMatch(a -> a.equals("scontrol") || a.endsWith("/scontrol"))) {
        return new CommandResult(command, 0, "JobId=1 UserId=cds(" + uid + ") SubmitTime=1 MinMemoryNode=1024", "");
      }
      int output = argv.indexOf("-output");
      String made = output >= 0 ? argv.get(output + 1) : argv.contains("create") ? argv.get(argv.size() - 1) : null;
      if (made != null) {
        try {
          Files.write(Path.of(made), new byte[0]);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      return new CommandResult(command, 0, argv.contains("-json") ? "[]" : "", "");
    }
  }
}
