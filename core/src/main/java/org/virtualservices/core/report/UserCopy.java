package org.virtualservices.core.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.config.Tools;

/**
 * The copy of the report in the job's working folder ({@code vcluster-<job>/}), which users and
 * {@code vcluster exec --job ID} on a login node read. That folder is the user's: they can rename
 * it and put links anywhere in it at any moment, so root never opens, writes, chowns or deletes
 * anything there. The copy is written and removed by a child that runs as the job's user from its
 * first instruction (util-linux {@code setpriv}: the job's uid and gid, no supplementary groups,
 * no new privileges, a reset environment; Java hands it no descriptor but its pipes): it can do
 * no more there than the user could, whatever the user does to the path meanwhile. Writing is one
 * {@code tar -x} of a stream made here; removal one {@code rm} of the known names. The stream is
 * written by {@link Tar} rather than a library (Commons Compress): a folder and six short text
 * files in ustar's fixed header, checked against GNU tar by its test, do not pay for another jar
 * on every hook's class path.
 */
public final class UserCopy {

  /**
   * Where the copy goes: {@code dir} ({@code <working folder>/vcluster-<job>}), as {@code uid:gid}.
   */
  public record Target(int uid, int gid, Path dir) {
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final CommandRunner runner;
  private final Tools tools;

  public UserCopy(CommandRunner runner, Tools tools) {
    this.runner = runner;
    this.tools = tools;
  }

  /**
   * The copy's place for a job whose working folder is {@code workDir}. The folder must be a
   * folder of the job's user: another's (a shared scratch root, say) is refused as the user's
   * mistake. Looked at only (stat); what it is when the copy is written no longer matters, since
   * that runs as the user.
   *
   * @throws ReportRefusedException when the working folder is missing, not a folder, or not the user's
   */
  public static Target target(Path workDir, String jobId, int uid, int gid) {
    if (!workDir.isAbsolute() || workDir.toString().chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      // the copy's place is recorded one line per field for its removal (JobFolder)
      throw new ReportRefusedException("the job's working folder is not an absolute path without control characters");
    }
    if (!Files.isDirectory(workDir)) {
      throw new ReportRefusedException("the job's working folder " + workDir + " is missing or not a folder");
    }
    int owner;
    try {
      owner = (Integer) Files.getAttribute(workDir, "unix:uid");
    } catch (IOException e) {
      throw new ReportRefusedException("the job's working folder " + workDir + " cannot be read: " + e.getMessage());
    }
    if (owner != uid) {
      throw new ReportRefusedException("the job's working folder " + workDir + " belongs to uid " + owner
          + ", not to the job's user (uid " + uid + "); not writing there");
    }
    return new Target(uid, gid, workDir.resolve("vcluster-" + jobId));
  }

  /**
   * Writes {@code files} (name -> text) into the target folder, as the user: the folder made 0700
   * when missing, each file 0600, an earlier copy's files replaced.
   *
   * @throws ReportRefusedException when the user's side refuses it (not writable, full, raced)
   */
  public void write(Target t, Map<String, String> files) {
    String folder = t.dir().getFileName().toString();
    List<String> tar = List.of(tools.tar(), "-x", "-f", "-", "-C", t.dir().getParent().toString(),
        "--no-same-owner", "--no-same-permissions");
    CommandResult r = runner.run(Command.of(asUser(t, tar)).withStdin(Tar.of(folder, files))
        .withTimeout(TIMEOUT));
    if (!r.ok()) {
      throw new ReportRefusedException("could not write " + t.dir() + " as uid " + t.uid() + ": "
          + firstLine(r.stderr() + r.stdout()) + " (exit " + r.exitStatus() + ")");
    }
  }

  /**
   * Removes the named files of the copy and then its folder when it is empty, as the user.
   *
   * @return what is still there of those files (looked at with lstat only); empty when all is gone
   */
  public List<String> remove(Target t, Collection<String> names) {
    List<String> rm = new ArrayList<>(List.of(tools.rm(), "-f", "-d", "--"));
    names.forEach(n -> rm.add(t.dir().resolve(n).toString()));
    rm.add(t.dir().toString()); // -d: only if empty; a file the user added keeps it (and the ERROR note)
    runner.run(Command.of(asUser(t, rm)).withTimeout(TIMEOUT));
    // its status says nothing useful (a folder not empty is fine): what is left does
    List<String> left = new ArrayList<>();
    for (String n : names) {
      Path p = t.dir().resolve(n);
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        left.add("file " + p);
      }
    }
    return left;
  }

  /** The argument list run as the target's user (this process's own user needs no switch). */
  List<String> asUser(Target t, List<String> argv) {
    return org.virtualservices.core.files.AsUser.argv(tools.setpriv(), t.uid(), t.gid(), argv);
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    t = nl < 0 ? t : t.substring(0, nl);
    return t.length() > 200 ? t.substring(0, 200) + "..." : t;
  }

  /** This process's uid: root in production; the tests' own user elsewhere. */
  public static int ourUid() {
    return org.virtualservices.core.files.AsUser.ourUid();
  }

  public static int ourGid() {
    return org.virtualservices.core.files.AsUser.ourGid();
  }

  /**
   * A ustar archive of one folder (0700) and its files (0600) as text: the copy's whole content in
   * one stream. All header fields are ASCII; the runner sends the text as UTF-8, so sizes are
   * counted in UTF-8 bytes.
   */
  static final class Tar {
    private static final int BLOCK = 512;

    private Tar() {
    }

    static String of(String folder, Map<String, String> files) {
      long now = System.currentTimeMillis() / 1000;
      StringBuilder sb = new StringBuilder();
      header(sb, folder + "/", 0700, 0, '5', now);
      for (Map.Entry<String, String> f : files.entrySet()) {
        if (f.getKey().contains("/") || f.getKey().startsWith(".")) {
          throw new IllegalArgumentException("not a plain file name: " + f.getKey());
        }
        int size = f.getValue().getBytes(StandardCharsets.UTF_8).length;
        header(sb, folder + "/" + f.getKey(), 0600, size, '0', now);
        sb.append(f.getValue());
        sb.append("\0".repeat((BLOCK - size % BLOCK) % BLOCK));
      }
      sb.append("\0".repeat(2 * BLOCK));
      return sb.toString();
    }

    private static void header(StringBuilder out, String name, int mode, long size, char type, long mtime) {
      if (name.length() > 99 || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
        throw new IllegalArgumentException("not a short ASCII name: " + name);
      }
      char[] h = new char[BLOCK];
      put(h, 0, 100, name);
      put(h, 100, 8, octal(mode, 7));
      put(h, 108, 8, octal(0, 7));
      put(h, 116, 8, octal(0, 7));
      put(h, 124, 12, octal(size, 11));
      put(h, 136, 12, octal(mtime, 11));
      put(h, 148, 8, "        ");
      h[156] = type;
      put(h, 257, 6, "ustar");
      put(h, 263, 2, "00");
      int sum = 0;
      for (char c : h) {
        sum += c;
      }
      put(h, 148, 8, octal(sum, 6) + "\0 ");
      out.append(h);
    }

    private static String octal(long v, int digits) {
      String s = Long.toOctalString(v);
      return "0".repeat(Math.max(0, digits - s.length())) + s;
    }

    private static void put(char[] h, int at, int len, String s) {
      for (int i = 0; i < s.length() && i < len; i++) {
        h[at + i] = s.charAt(i);
      }
    }
  }
}
