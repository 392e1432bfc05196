package org.virtualservices.core.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An argument list run as a user from its first instruction (docs/hooks.md, "Threat model"):
 * util-linux {@code setpriv} with the user's uid and primary gid, no supplementary groups, no new
 * privileges and a reset environment (so the C locale: messages are read as such). Whatever the
 * user does to a path meanwhile, such a process can do no more there than the user could. A
 * process that already runs as that user (the tests') needs no switch.
 */
public final class AsUser {

  private AsUser() {
  }

  /**
   * @throws IllegalStateException when this process is neither root nor the user
   */
  public static List<String> argv(String setpriv, int uid, int gid, List<String> argv) {
    List<String> all = new ArrayList<>();
    if (ourUid() == 0) {
      all.addAll(List.of(setpriv, "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--no-new-privs",
          "--reset-env", "--"));
    } else if (ourUid() != uid) {
      throw new IllegalStateException("only root can act as uid " + uid);
    }
    all.addAll(argv);
    return all;
  }

  private static final int[] IDS = new int[] {-1, -1};

  /** This process's uid: root in production; the tests' own user elsewhere. */
  public static synchronized int ourUid() {
    ids();
    return IDS[0];
  }

  public static synchronized int ourGid() {
    ids();
    return IDS[1];
  }

  private static void ids() {
    if (IDS[0] < 0) {
      try {
        IDS[0] = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        IDS[1] = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
      } catch (IOException e) {
        throw new UncheckedIOException("this process's uid: " + e.getMessage(), e);
      }
    }
  }
}
