package org.virtualservices.core.remote;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SftpException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * {@link RemoteShell} over jsch: public-key authentication with one identity, and host keys
 * checked strictly against one known_hosts file (the job's, written by the prolog from derived
 * keys; or the site's for the PBS sister nodes). An unknown or changed host key is refused, never
 * accepted. One SSH session per host, opened on first use and shared by the commands run on it.
 */
public final class JschRemoteShell implements RemoteShell {

  private final JSch jsch = new JSch();
  private final Duration connectTimeout;
  /** How long a timed-out command has between TERM and KILL. */
  private static final Duration GRACE = Duration.ofSeconds(2);

  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  /** The commands running now, which {@link #close} stops. */
  private final Set<ChannelExec> running = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "ssh-timeout");
            t.setDaemon(true);
            return t;
          });

  /**
   * @param identity the private key (OpenSSH format) to log in with
   * @param knownHosts the only host keys accepted
   */
  public JschRemoteShell(Path identity, Path knownHosts, Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
    if (!Files.isReadable(knownHosts)) {
      throw new IllegalArgumentException("known_hosts file " + knownHosts + " is missing or unreadable; host keys are never accepted blindly");
    }
    try {
      jsch.addIdentity(identity.toString());
      jsch.setKnownHosts(knownHosts.toString());
    } catch (JSchException e) {
      throw new IllegalArgumentException("ssh identity " + identity + " or known_hosts " + knownHosts + ": " + e.getMessage(), e);
    }
  }

  @Override
  public RemoteResult run(RemoteHost host, List<String> argv, Duration timeout, Consumer<String> out, Consumer<String> err) {
    String command = ShellWords.quote(argv);
    Session session = session(host);
    ChannelExec channel;
    try {
      channel = (ChannelExec) session.openChannel("exec");
    } catch (JSchException e) {
      sessions.remove(key(host), session);
      throw new RemoteException(host, "open a channel for " + command, e);
    }
    AtomicBoolean timedOut = new AtomicBoolean();
    // At the timeout the remote command is asked to stop (TERM, then KILL after a grace period):
    // closing the channel alone would leave it running, as nothing without a terminal gets a
    // hangup. OpenSSH's sshd delivers a "signal" request to the command's process group (RFC 4254
    // section 6.9); a server that ignores it still loses the channel when the grace period ends.
    ScheduledFuture<?> watchdog =
        timer.schedule(
            () -> {
              timedOut.set(true);
              signal(channel, "TERM");
              timer.schedule(
                  () -> {
                    signal(channel, "KILL");
                    channel.disconnect();
                  },
                  GRACE.toMillis(),
                  TimeUnit.MILLISECONDS);
            },
            timeout.toMillis(),
            TimeUnit.MILLISECONDS);
    try {
      running.add(channel);
      channel.setCommand(command);
      channel.setInputStream(null);
      InputStream stdout = channel.getInputStream();
      InputStream stderr = channel.getErrStream();
      channel.connect((int) connectTimeout.toMillis());
      Thread errPump = new Thread(() -> pumpQuietly(stderr, err), "ssh-stderr-" + host.name());
      errPump.setDaemon(true);
      errPump.start();
      pump(stdout, out);
      errPump.join();
      while (!channel.isClosed() && !timedOut.get()) {
        // The streams are at their end; the exit-status message and the close follow at once.
        LockSupport.parkNanos(1_000_000);
      }
      if (timedOut.get()) {
        throw new RemoteException(host, "'" + command + "' still running after " + timeout.toSeconds() + " s; stopped", null);
      }
      return new RemoteResult(host, command, channel.getExitStatus());
    } catch (JSchException | IOException e) {
      throw new RemoteException(host, "run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RemoteException(host, "interrupted while running " + command, e);
    } catch (UncheckedIOException e) {
      if (timedOut.get()) {
        throw new RemoteException(host, "'" + command + "' still running after " + timeout.toSeconds() + " s; stopped", null);
      }
      throw new RemoteException(host, "read the output of " + command, e.getCause());
    } finally {
      running.remove(channel);
      watchdog.cancel(false);
      channel.disconnect();
    }
  }

  @Override
  public void upload(RemoteHost host, Path local, String remotePath, Duration timeout) {
    int mode;
    try {
      mode = mode(Files.getPosixFilePermissions(local));
    } catch (IOException e) {
      throw new RemoteException(host, "copy " + local + ": cannot read it", e);
    }
    Session session = session(host);
    ChannelSftp sftp;
    try {
      sftp = (ChannelSftp) session.openChannel("sftp");
    } catch (JSchException e) {
      sessions.remove(key(host), session);
      throw new RemoteException(host, "open an SFTP channel to copy " + local, e);
    }
    ScheduledFuture<?> watchdog = timer.schedule(sftp::disconnect, timeout.toMillis(), TimeUnit.MILLISECONDS);
    try {
      sftp.connect((int) connectTimeout.toMillis());
      sftp.put(local.toString(), remotePath, ChannelSftp.OVERWRITE);
      sftp.chmod(mode, remotePath);
    } catch (JSchException | SftpException e) {
      String why = watchdog.isDone() ? "not done after " + timeout.toSeconds() + " s" : null;
      throw new RemoteException(host, "copy " + local + " to " + remotePath + (why == null ? "" : ": " + why), e);
    } finally {
      watchdog.cancel(false);
      sftp.disconnect();
    }
  }

  private static int mode(Set<PosixFilePermission> perms) {
    int mode = 0;
    for (PosixFilePermission p : perms) {
      mode |= 1 << (8 - p.ordinal()); // OWNER_READ is ordinal 0 and bit 0400, OTHERS_EXECUTE 8 and 01
    }
    return mode;
  }

  /**
   * The host's session, connected on first use. Connecting holds a lock of that host's only, never
   * the map's: a host that takes its whole connect timeout must not hold up the others.
   */
  private Session session(RemoteHost host) {
    Object lock = locks.computeIfAbsent(key(host), k -> new Object());
    synchronized (lock) {
      Session existing = sessions.get(key(host));
      if (existing != null && existing.isConnected()) {
        return existing;
      }
      try {
        Session s = jsch.getSession(host.user(), host.address(), host.port());
        s.setConfig("StrictHostKeyChecking", "yes");
        s.setConfig("PreferredAuthentications", "publickey");
        s.connect((int) connectTimeout.toMillis());
        sessions.put(key(host), s);
        return s;
      } catch (JSchException e) {
        throw new RemoteException(host, "connect", e);
      }
    }
  }

  private static String key(RemoteHost host) {
    return host.user() + "@" + host.address() + ":" + host.port();
  }

  /** The standard error's pump: a read that fails once the channel is gone ends it quietly. */
  private static void pumpQuietly(InputStream in, Consumer<String> sink) {
    try {
      pump(in, sink);
    } catch (UncheckedIOException e) {
      // the channel closed under the reader (timeout); the standard output's pump reports it
    }
  }

  private static void signal(ChannelExec channel, String name) {
    try {
      if (!channel.isClosed()) {
        channel.sendSignal(name);
      }
    } catch (Exception e) {
      // the channel closed meanwhile: nothing left to stop
    }
  }

  private static void pump(InputStream in, Consumer<String> sink) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        sink.accept(line);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Closes every connection; a command still running (the user pressed Ctrl-C, the job was
   * cancelled) is sent TERM first, so it does not live on in the VM.
   */
  @Override
  public void close() {
    running.forEach(c -> signal(c, "TERM"));
    timer.shutdownNow();
    sessions.values().forEach(Session::disconnect);
    sessions.clear();
  }
}
