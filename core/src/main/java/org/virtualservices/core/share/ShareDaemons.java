package org.virtualservices.core.share;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Ends a job's virtiofsd daemons at teardown (docs/hooks.md, "Host folders"). A daemon connected
 * to its QEMU ends by itself when the domain is destroyed; one that QEMU never reached (a prolog
 * that failed or died before the start) waits on its socket for ever. Teardown finds them two
 * ways, each from what only root made: the journal's {@code PROCESS pid@start} entries (a pid
 * whose process started at another time is another process, left alone), and, when the journal
 * is gone or the prolog died before writing the entry, the processes holding a listening socket
 * bound under the job's state folder ({@code /proc/net/unix}, then {@code /proc/PID/fd}).
 */
public final class ShareDaemons {

  private static final Duration EXIT_WAIT = Duration.ofSeconds(5);

  private final Path proc;

  public ShareDaemons() {
    this(Path.of("/proc"));
  }

  ShareDaemons(Path proc) {
    this.proc = proc;
  }

  /**
   * Kills what is still running of {@code journaled} and of the listeners under {@code nodeDir};
   * returns one line per failure.
   */
  public List<String> stop(List<String> journaled, Path nodeDir, List<String> removed) {
    List<String> failures = new ArrayList<>();
    for (ProcessHandle h : alive(journaled, nodeDir)) {
      h.destroyForcibly();
      try {
        h.onExit().get(EXIT_WAIT.toSeconds(), TimeUnit.SECONDS);
        removed.add("virtiofsd " + h.pid());
      } catch (Exception e) {
        failures.add("virtiofsd " + h.pid() + " did not end within " + EXIT_WAIT.toSeconds() + " s of SIGKILL");
      }
    }
    return failures;
  }

  /** What is still running, as {@link #stop} would find it. */
  public List<ProcessHandle> alive(List<String> journaled, Path nodeDir) {
    Set<Long> pids = new LinkedHashSet<>();
    List<ProcessHandle> found = new ArrayList<>();
    for (String name : journaled) {
      Optional<Virtiofsd.Started> s = Virtiofsd.Started.parse(name);
      s.flatMap(st -> ProcessHandle.of(st.pid())
          .filter(h -> h.info().startInstant().map(i -> i.toEpochMilli() == st.started().toEpochMilli()).orElse(false)))
          .filter(h -> pids.add(h.pid())).ifPresent(found::add);
    }
    for (long pid : listenersUnder(nodeDir)) {
      if (pids.add(pid)) {
        ProcessHandle.of(pid).ifPresent(found::add);
      }
    }
    found.removeIf(h -> !h.isAlive());
    return found;
  }

  /** Processes holding a Unix socket bound at a path under {@code dir}. */
  List<Long> listenersUnder(Path dir) {
    Set<String> inodes = new LinkedHashSet<>();
    try {
      for (String line : Files.readAllLines(proc.resolve("net/unix"))) {
        String[] f = line.trim().split("\\s+");
        // Num RefCount Protocol Flags Type St Inode Path
        if (f.length >= 8 && f[7].startsWith("/") && Path.of(f[7]).startsWith(dir)) {
          inodes.add("socket:[" + f[6] + "]");
        }
      }
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
    if (inodes.isEmpty()) {
      return List.of();
    }
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> procs = Files.list(proc)) {
      procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
        try (Stream<Path> fds = Files.list(p.resolve("fd"))) {
          if (fds.anyMatch(fd -> {
            try {
              return inodes.contains(Files.readSymbolicLink(fd).toString());
            } catch (IOException e) {
              return false;
            }
          })) {
            pids.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException | RuntimeException e) {
          // gone meanwhile, or not ours to read
        }
      });
    } catch (IOException e) {
      return pids;
    }
    return pids;
  }
}
