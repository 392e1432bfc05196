package org.virtualservices.core.share;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.virtualservices.core.config.Mounts;
import org.virtualservices.core.plan.Share;

/**
 * Starts the virtiofsd that serves one shared folder to one VM, as the job's user
 * (docs/hooks.md, "Host folders"). libvirt 9.0 would start virtiofsd itself, as root, so that a
 * guest's root would write on the host as root; instead the domain names a socket of ours
 * (formatdomain, "Filesystems": {@code <source socket=.../>} for an externally launched daemon):
 * <ol>
 *   <li>{@code setsid} makes it lead a session and process group of its own: slurmd kills the
 *       prolog's process group when the prolog ends, and with it every daemon left in it (QEMU,
 *       libvirtd's child, is not there; the guest's mount then hangs for good). The child of a
 *       Java process is no group leader, so setsid execs without forking: the pid stays;</li>
 *   <li>{@code systemd-socket-activate} binds the socket as root, in the job's state folder, which
 *       no user can reach or change, and waits there for QEMU's connection;</li>
 *   <li>then execs {@code setpriv}, which becomes the job's user with the user's primary group and
 *       no other ({@code --clear-groups}: QEMU 7.2's virtiofsd drops supplementary groups itself,
 *       and in the namespace below it could not, so it would refuse to start with any);</li>
 *   <li>which execs {@code unshare --user}: a user namespace in which only the user's uid and gid
 *       are mapped (to themselves), with the capabilities virtiofsd needs for its sandbox (a mount,
 *       pid and net namespace, pivot_root into the folder) and that count only on the user's own
 *       files; a guest asking as another uid (its root) is refused any creation;</li>
 *   <li>for a read-only folder, first {@code unshare --user --map-root-user --mount} and
 *       {@link #READ_ONLY_BIND}: the folder bind-mounted read-only on itself in a mount namespace
 *       owned by that outer user namespace; the {@code unshare --user} below is then a child user
 *       namespace, and when virtiofsd's sandbox copies the mounts into a mount namespace of its own
 *       there, the kernel locks their read-only flag (mount_namespaces(7), "restrictions on mount
 *       namespaces"): not even virtiofsd, which holds every capability there, can remount the
 *       folder read-write or unmount it; a guest's writes get EROFS from the host's kernel,
 *       whatever the guest's own mount says;</li>
 *   <li>which execs virtiofsd on the inherited socket ({@code --fd=3}).</li>
 * </ol>
 * One process from the first exec to the last, so its pid and start time name it; it ends when
 * QEMU hangs up (the domain destroyed), and teardown kills it when QEMU never came.
 */
public final class Virtiofsd {

  /** A started daemon: what teardown needs to tell it from another process that got its pid. */
  public record Started(long pid, Instant started) {

    /** As written in the journal: {@code pid@epochMillis}. */
    public String journalName() {
      return pid + "@" + started.toEpochMilli();
    }

    /** The journal's form read back; empty when it is not one. */
    public static Optional<Started> parse(String name) {
      int at = name.indexOf('@');
      try {
        return Optional.of(new Started(Long.parseLong(name.substring(0, at)),
            Instant.ofEpochMilli(Long.parseLong(name.substring(at + 1)))));
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    }
  }

  /**
   * For a read-only folder, run as the job's user mapped to root in a user and mount namespace of
   * its own ({@code $1} mount, {@code $2} the folder, then the rest of the command): a bind mount of
   * the folder on itself, made read-only by a second step (a bind remount keeps the flags the
   * folder's file system was mounted with, nosuid, nodev, relatime..., which the kernel locks in a
   * user namespace; {@code mount --bind -o ro} in one go would drop them and be refused). A fixed
   * script with positional parameters: nothing is spliced into it. util-linux has no command that
   * bind-mounts and then execs, and the C virtiofsd has no read-only mode.
   */
  static final String READ_ONLY_BIND =
      "m=$1 d=$2; shift 2; \"$m\" --bind -- \"$d\" \"$d\" && \"$m\" -o remount,bind,ro -- \"$d\" && exec \"$@\"";
  private static final String SH = "/bin/sh";

  /** The kernel's limit on a socket's path (sun_path, 108 bytes with its NUL). */
  static final int MAX_SOCKET_PATH = 107;
  private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);

  private final Mounts cfg;
  private final String setpriv;

  public Virtiofsd(Mounts cfg, String setpriv) {
    this.cfg = cfg;
    this.setpriv = setpriv;
  }

  /** The command line: an argument list, never a shell string. */
  public List<String> argv(Share share, Path socket, int uid, int gid) {
    List<String> argv = new ArrayList<>(List.of(cfg.setsid(), cfg.socketActivate(), "--listen=" + socket, "--",
        setpriv, "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--"));
    if (share.readOnly()) {
      argv.addAll(List.of(cfg.unshare(), "--user", "--map-root-user", "--mount", "--",
          SH, "-c", READ_ONLY_BIND, "vc-read-only", cfg.mount(), share.source().toString()));
    }
    argv.addAll(List.of(
        cfg.unshare(), "--user", "--map-user=" + uid, "--map-group=" + gid, "--keep-caps", "--",
        cfg.virtiofsd(), "--fd=3", "-o", "source=" + share.source(), "-o", "sandbox=namespace",
        "-o", "cache=auto", "-o", "no_posix_lock", "-o", "no_xattr"));
    return argv;
  }

  /**
   * Starts the daemon and waits until its socket is bound; the socket is then given to the job's
   * user (QEMU may run as that user), mode 0600, in a folder only root can enter.
   *
   * <p>Its output goes nowhere: a file of root's would be written by a process of the user's, who
   * may ptrace it and fill root's state folder through it (virtiofsd's {@code --syslog} would make
   * it daemonize, a new pid that teardown could not tell from another process).
   */
  public Started start(Share share, Path socket, int uid, int gid) throws IOException {
    if (socket.toString().length() > MAX_SOCKET_PATH) {
      throw new IOException("socket path " + socket + " is longer than " + MAX_SOCKET_PATH + " bytes: set a shorter"
          + " stateDir");
    }
    ProcessBuilder pb = new ProcessBuilder(argv(share, socket, uid, gid))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().clear();
    pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IOException("start virtiofsd for " + share.source() + ": " + e.getMessage(), e);
    }
    Started started = new Started(p.pid(), p.toHandle().info().startInstant().orElse(Instant.EPOCH));
    Instant deadline = Instant.now().plus(BIND_TIMEOUT);
    while (!isSocket(socket)) {
      if (!p.isAlive() || Instant.now().isAfter(deadline)) {
        p.destroyForcibly();
        throw new IOException("virtiofsd for " + share.source() + " did not bind " + socket + " within "
            + BIND_TIMEOUT.toSeconds() + " s (exit " + (p.isAlive() ? "none" : p.exitValue()) + ")");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
        throw new IOException("interrupted while virtiofsd started", e);
      }
    }
    // bound with the activator's umask: made 0600 before it is given away (connecting needs write);
    // chmod(2) by path, which is no link: the folder is root's alone (O_NOFOLLOW cannot open a socket)
    Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Files.setAttribute(socket, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(socket, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    return started;
  }

  private static boolean isSocket(Path p) {
    try {
      return Files.exists(p, LinkOption.NOFOLLOW_LINKS)
          && Files.readAttributes(p, "unix:mode", LinkOption.NOFOLLOW_LINKS).get("mode") instanceof Integer m
          && (m & 0170000) == 0140000;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

}
