package org.virtualservices.launcher;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.virtualservices.core.remote.RemoteShell;

/**
 * {@code vcluster mpirun [--job ID] [--copy FILE]... [--timeout S] [--] [mpirun args] PROGRAM [args]}:
 * MPI across the job's virtual cluster, started from the batch host. Each {@code --copy} file (a
 * program compiled on the host, its input) is first copied to the login's home on every VM, in
 * parallel, keeping its mode; then {@code mpirun --hostfile /etc/vcluster/hostfile ...} runs on the
 * head VM, whose output streams back as it comes. Relative paths such as {@code ./app} resolve in
 * that home, where mpirun starts and where Open MPI starts the ranks too. The exit code is
 * mpirun's (255 when the head could not run it, 1 when a copy failed).
 */
final class MpirunCommand {

  static final String NAME = "vcluster mpirun";
  static final String USAGE = "usage: " + NAME + " [--job ID] [--copy FILE]... [--timeout S] [--] [mpirun args] PROGRAM [args]";
  /** Where the guest seed puts the cluster's hostfile in every VM (templates/user-data.ftl). */
  static final String VM_HOSTFILE = "/etc/vcluster/hostfile";
  private static final Duration COPY_TIMEOUT = Duration.ofMinutes(10);

  private final PrintStream out;
  private final PrintStream err;
  private final Tools tools;

  MpirunCommand(PrintStream out, PrintStream err, Tools tools) {
    this.out = out;
    this.err = err;
    this.tools = tools;
  }

  /** Our own words, which come first; the rest is mpirun's. */
  private record Parsed(Optional<String> job, List<Path> copies, Duration timeout, boolean help, List<String> mpirun) {}

  int run(List<String> args) {
    try {
      Parsed p = parse(args);
      if (p.help()) {
        out.println(USAGE);
        return 0;
      }
      if (p.mpirun().isEmpty()) {
        throw new LauncherException(2, "no program to run (" + USAGE + ")");
      }
      for (Path f : p.copies()) {
        if (!Files.isRegularFile(f) || !Files.isReadable(f)) {
          throw new LauncherException(2, "--copy " + f + ": not a readable file");
        }
      }
      VirtualCluster c = new ClusterLocator(tools).locate(p.job());
      Optional<Integer> there = InJob.elsewhere(tools, c, "mpirun", args, false);
      if (there.isPresent()) {
        return there.get();
      }
      try (RemoteShell shell = tools.shells().open(c)) {
        if (!p.copies().isEmpty()) {
          List<FanOut.Outcome> copied = FanOut.each(c.vms(), vm -> {
            for (Path f : p.copies()) {
              shell.upload(vm.host(c.login()), f, f.getFileName().toString(), COPY_TIMEOUT);
            }
            return 0;
          });
          if (FanOut.summarize(NAME + ": copying " + names(p.copies()), copied, err) != 0) {
            return 1;
          }
        }
        List<String> argv = new ArrayList<>(List.of("mpirun"));
        if (!givesHostfile(p.mpirun())) {
          argv.addAll(List.of("--hostfile", VM_HOSTFILE));
        }
        argv.addAll(p.mpirun());
        return FanOut.one(shell, c.head().host(c.login()), argv, p.timeout(), NAME, out, err);
      }
    } catch (LauncherException e) {
      err.println(NAME + ": " + e.getMessage());
      return e.exitCode();
    }
  }

  static Parsed parse(List<String> args) {
    Optional<String> job = Optional.empty();
    List<Path> copies = new ArrayList<>();
    String timeout = null;
    int i = 0;
    while (i < args.size()) {
      String a = args.get(i);
      if (a.equals("--")) {
        i++;
        break;
      }
      if (a.equals("-h") || a.equals("--help")) {
        return new Parsed(job, copies, null, true, List.of());
      }
      String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      if (!List.of("--job", "--copy", "--timeout").contains(name)) {
        break; // the first word that is not ours begins mpirun's
      }
      String value;
      if (a.contains("=")) {
        value = a.substring(a.indexOf('=') + 1);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new LauncherException(2, name + " needs a value (" + USAGE + ")");
      }
      switch (name) {
        case "--job" -> job = Optional.of(value);
        case "--copy" -> copies.add(Path.of(value));
        default -> timeout = value;
      }
      i++;
    }
    Duration limit = Duration.ofDays(365);
    if (timeout != null) {
      try {
        limit = Duration.ofSeconds(Long.parseLong(timeout));
      } catch (NumberFormatException e) {
        limit = Duration.ZERO;
      }
      if (limit.isZero() || limit.isNegative()) {
        throw new LauncherException(2, "--timeout wants a positive number of seconds, not '" + timeout + "' (" + USAGE + ")");
      }
    }
    return new Parsed(job, copies, limit, false, List.copyOf(args.subList(i, args.size())));
  }

  private static boolean givesHostfile(List<String> mpirun) {
    return mpirun.stream().anyMatch(a -> a.matches("--?(hostfile|machinefile|host|H)(=.*)?"));
  }

  private static String names(List<Path> files) {
    return String.join(", ", files.stream().map(f -> f.getFileName().toString()).toList());
  }
}
