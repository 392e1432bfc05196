package org.virtualservices.core.files;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * A VM's console log, readable by the job's user and by nobody else (docs/hooks.md, "The console,
 * for the user"). virtlogd writes the log as root into the node's folder of the job, root's 0710;
 * it opens the file with {@code O_CREAT|O_APPEND} and mode 0600 (libvirt's virrotatingfile.c), so
 * a file that is already there keeps its owner, mode and ACL, as long as libvirt does not ask it to
 * truncate, which virtlogd does by unlinking the file first: the domain's serial source has
 * {@code append="on"} (templates/domain.ftlx) for that. The prolog therefore makes the file
 * itself before the domain starts, root's 0600 from the first byte, and adds one POSIX ACL entry,
 * {@code user:<uid>:r}, on it, and {@code user:<uid>:x} (pass, not list) on the job's and the
 * node's folder. Only root's own folders and the file it has just made are touched (StateFolders
 * has checked that they are root's and no link); no user's path is involved.
 *
 * <p>Rotation: when a guest writes more than virtlogd's {@code max_size}, virtlogd renames the file
 * ({@code .0}, which keeps its ACL) and makes a new one 0600 without it; the user then reads the
 * part before the rotation only. A default ACL would not help: the new file's ACL mask is cut to
 * the group bits of virtlogd's 0600, none.
 *
 * <p>Written through libacl ({@code acl_from_text}, {@code acl_set_file}; acl(5)), the library
 * behind setfacl, which is on every node already (coreutils links it) while the setfacl program is
 * not.
 */
public final class ConsoleAccess {

  interface Acl extends Library {
    /** acl_type_t ACL_TYPE_ACCESS. */
    int ACCESS = 0x8000;

    Pointer acl_from_text(String text);

    int acl_set_file(String path, int type, Pointer acl);

    int acl_free(Pointer p);
  }

  private static final class Holder {
    static final Acl ACL = Native.load("acl", Acl.class);
  }

  private ConsoleAccess() {
  }

  /**
   * Makes {@code console} (in {@code nodeDir}, which is in the job's folder) anew, root's 0600,
   * readable by {@code uid} through its ACL (root's job: no ACL), and lets {@code uid} pass the two folders above it.
   *
   * @throws IOException a file system without POSIX ACLs among them: the node's fault
   */
  public static void grant(Path nodeDir, Path console, int uid) throws IOException {
    if (!nodeDir.equals(console.getParent())) {
      throw new IllegalArgumentException(console + " is not in " + nodeDir);
    }
    if (uid < 0) {
      throw new IllegalArgumentException("uid " + uid + " is not a user's");
    }
    PrivateFiles.empty(console);
    if (uid == 0) {
      return; // root's job: root reads its own file
    }
    set(console, "u::rw-,u:" + uid + ":r--,g::---,m::r--,o::---");
    for (Path dir : new Path[] {nodeDir.getParent(), nodeDir}) {
      String g = group(dir);
      set(dir, "u::rwx,u:" + uid + ":--x,g::" + g + ",m::" + g.substring(0, 2) + "x,o::---");
    }
  }

  /** The folder's group bits as acl(5) writes them, kept: QEMU's group passes (StateFolders). */
  private static String group(Path dir) throws IOException {
    Set<PosixFilePermission> p = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
    return (p.contains(PosixFilePermission.GROUP_READ) ? "r" : "-")
        + (p.contains(PosixFilePermission.GROUP_WRITE) ? "w" : "-")
        + (p.contains(PosixFilePermission.GROUP_EXECUTE) ? "x" : "-");
  }

  private static void set(Path path, String text) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(path)) {
      throw new IOException("set ACL on " + path + ": missing or a link");
    }
    Acl acl = Holder.ACL;
    Pointer a = acl.acl_from_text(text);
    if (a == null) {
      throw new IOException("ACL '" + text + "': not valid (errno " + Native.getLastError() + ")");
    }
    try {
      if (acl.acl_set_file(path.toString(), Acl.ACCESS, a) != 0) {
        int errno = Native.getLastError();
        throw new IOException("set ACL '" + text + "' on " + path + ": errno " + errno
            + (errno == 95 ? " (the file system has no POSIX ACLs: stateDir needs them)" : ""));
      }
    } finally {
      acl.acl_free(a);
    }
  }
}
