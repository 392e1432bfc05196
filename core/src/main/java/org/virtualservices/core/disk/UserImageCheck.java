package org.virtualservices.core.disk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.images.UserImages;
import org.virtualservices.core.images.UserImages.Format;
import org.virtualservices.core.images.UserImages.Ref;
import org.virtualservices.core.images.UserImages.Revision;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.request.RequestException;

/**
 * Looks at a user's image AS THE USER before QEMU sees it (docs/hooks.md, "Users' own images"):
 * every command runs behind {@code asUser} (on a node: setpriv with the job's uid and groups), so
 * nothing here opens, follows or reads the user's path with more than the user's rights. What is
 * refused, and why:
 *
 * <ul>
 *   <li>the image's folder must be a folder, the revision a regular file: GNU find lists the folder
 *       without following a link (its {@code -P}, the default) and tells each entry's type, so a
 *       link, FIFO, device node, socket or folder is named and refused, and never opened;
 *   <li>its format, by its content (qemu-img's probe, not the file's name), raw or qcow2 (the site
 *       may allow one of them only), and its name says the same;
 *   <li>no backing file of any kind (so nothing outside the repository, and no chain to check) and
 *       no qcow2 external data file; no encryption (QEMU would ask a secret no one gives);
 *   <li>its virtual size within the site's limit;
 *   <li>the same file (device and inode, still a regular file) after qemu-img looked as before it.
 * </ul>
 *
 * A file swapped after the check gains nothing: QEMU runs as the user too, the domain names the
 * checked format and an empty backing store, and the overlay gets the checked virtual size. Every
 * refusal is a {@link RequestException} of field {@code image}: the user's mistake, made nothing.
 */
public final class UserImageCheck {

  /** Each command's bound: a FIFO swapped in after the listing blocks qemu-img, which is then killed. */
  public static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** What the check found: the revision, its format by content, and its virtual size in bytes. */
  public record Checked(Revision revision, Format format, long virtualBytes) {
  }

  /** One entry of a listing: find's type letter ({@code f d l p c b s}) and {@code dev:inode}. */
  record Entry(char type, String id) {
  }

  private final CommandRunner runner;
  private final List<String> asUser;
  private final String find;
  private final String qemuImg;
  private final List<String> formats;
  private final long maxBytes;
  private final String limit;

  /**
   * @param asUser the argv prefix that runs a program as the job's user (empty in tests run as a user)
   * @param formats the formats the site allows (raw, qcow2)
   * @param maxBytes the largest virtual size allowed
   * @param limit how the message names that limit ({@code userImages.maxVirtualMiB = 20480 MiB})
   */
  public UserImageCheck(CommandRunner runner, List<String> asUser, String find, String qemuImg, List<String> formats,
      long maxBytes, String limit) {
    this.runner = runner;
    this.asUser = List.copyOf(asUser);
    this.find = find;
    this.qemuImg = qemuImg;
    this.formats = List.copyOf(formats);
    this.maxBytes = maxBytes;
    this.limit = limit;
  }

  /** The revision {@code ref} selects in {@code repo}, checked. */
  public Checked check(UserImages repo, Ref ref) {
    Path folder = repo.folder(ref.name());
    Map<String, Entry> before = list(ref, folder);
    Revision r;
    try {
      r = UserImages.pick(ref, repo.revisionsIn(ref.name(), before.keySet()));
    } catch (IllegalArgumentException e) {
      throw refused(ref, e.getMessage() + " in " + Shown.value(folder.toString()));
    }
    String file = UserImages.fileName(r.number(), r.format());
    String what = ref + " (revision " + r.number() + ", " + Shown.value(r.path().toString()) + ")";
    Entry entry = before.get(file);
    if (entry.type() != 'f') {
      throw refused(ref, what + " is " + typeName(entry.type()) + ", not a regular file");
    }
    JsonNode info = info(ref, what, r.path());
    Format format = format(ref, what, info, r);
    if (has(info, "backing-filename") || has(info, "full-backing-filename")) {
      throw refused(ref, what + " has a backing file (" + Shown.value(text(info, "backing-filename"))
          + "): a user's image must stand alone");
    }
    JsonNode data = info.path("format-specific").path("data");
    if (has(data, "data-file")) {
      throw refused(ref, what + " has an external data file (" + Shown.value(data.get("data-file").asText())
          + "): a user's image must stand alone");
    }
    if (info.path("encrypted").asBoolean(false)) {
      throw refused(ref, what + " is encrypted: no key would be given to it");
    }
    JsonNode size = info.get("virtual-size");
    if (size == null || !size.canConvertToLong() || size.asLong() < 0) {
      throw refused(ref, what + ": qemu-img gave no virtual size");
    }
    long bytes = size.asLong();
    if (bytes > maxBytes) {
      throw refused(ref, what + " has a virtual size of " + mib(bytes) + " MiB, more than the site's limit "
          + limit);
    }
    Entry after = list(ref, folder).get(file);
    if (after == null || after.type() != 'f' || !after.id().equals(entry.id())) {
      throw refused(ref, what + " changed while it was checked; try again");
    }
    return new Checked(r, format, bytes);
  }

  /** The folder's entries by name, the folder itself a folder (not a link to one). */
  private Map<String, Entry> list(Ref ref, Path folder) {
    CommandResult res = runner.run(asUser(find, "-P", folder.toString(), "-maxdepth", "1", "-printf",
        "%d %y %D:%i %f\\0"));
    if (res.exitStatus() != 0) {
      nodeFault(res);
      if (res.stdout().isEmpty()) {
        throw refused(ref, "no user image '" + ref.name() + "': " + Shown.value(folder.toString())
            + " is not a folder you can read (" + firstLine(res.stderr()) + ")");
      }
    }
    Map<String, Entry> out = new LinkedHashMap<>();
    for (String rec : res.stdout().split("\0")) {
      String[] p = rec.split(" ", 4);
      if (p.length < 4 || p[1].length() != 1) {
        continue;
      }
      if (p[0].equals("0")) {
        if (p[1].charAt(0) != 'd') {
          throw refused(ref, "the folder of user image '" + ref.name() + "', " + Shown.value(folder.toString())
              + ", is " + typeName(p[1].charAt(0)) + ", not a folder");
        }
      } else {
        out.put(p[3], new Entry(p[1].charAt(0), p[2]));
      }
    }
    return out;
  }

  private JsonNode info(Ref ref, String what, Path file) {
    // no -f: the format is probed from the content; without --backing-chain qemu-img opens no
    // backing file; -U: a revision another job is running from is still read
    CommandResult res = runner.run(asUser(qemuImg, "info", "--output=json", "-U", file.toString()));
    if (res.exitStatus() == CommandRunner.TIMED_OUT) {
      throw refused(ref, what + " could not be read within " + TIMEOUT.toSeconds() + " s (a FIFO?)");
    }
    nodeFault(res);
    if (res.exitStatus() != 0) {
      throw refused(ref, what + " is not an image qemu-img can read as you: " + firstLine(res.stderr()));
    }
    try {
      return new ObjectMapper().readTree(res.stdout());
    } catch (IOException e) {
      throw new IllegalStateException("qemu-img info " + file + " printed no JSON: " + e.getMessage(), e);
    }
  }

  private Format format(Ref ref, String what, JsonNode info, Revision r) {
    Format named = r.format();
    String probed = text(info, "format");
    Optional<Format> f = Format.of(probed);
    if (f.isEmpty() || !formats.contains(probed)) {
      throw refused(ref, what + " is a " + Shown.value(probed) + " image by its content; allowed: "
          + String.join(", ", formats));
    }
    if (f.get() != named) {
      throw refused(ref, what + " is a " + probed + " image by its content but named ." + named.extension()
          + ": rename it " + UserImages.fileName(r.number(), f.get()));
    }
    return f.get();
  }

  /** A program that did not start (setpriv's 126/127, the runner's own failure) is the node's fault. */
  private static void nodeFault(CommandResult res) {
    if (res.exitStatus() == 126 || res.exitStatus() == 127) {
      throw new IllegalStateException("could not run " + res.command().display() + ": " + res.exitStatus() + ": "
          + firstLine(res.stderr()));
    }
  }

  private Command asUser(String... argv) {
    List<String> all = new ArrayList<>(asUser);
    all.addAll(List.of(argv));
    return Command.of(all).withTimeout(TIMEOUT);
  }

  private static RequestException refused(Ref ref, String why) {
    return new RequestException("image", why);
  }

  static String typeName(char type) {
    return switch (type) {
      case 'f' -> "a regular file";
      case 'd' -> "a folder";
      case 'l' -> "a symbolic link";
      case 'p' -> "a FIFO";
      case 'c' -> "a character device";
      case 'b' -> "a block device";
      case 's' -> "a socket";
      default -> "of an unknown type (" + type + ")";
    };
  }

  private static boolean has(JsonNode n, String field) {
    return n.hasNonNull(field);
  }

  private static String text(JsonNode n, String field) {
    return n.hasNonNull(field) ? n.get(field).asText() : "";
  }

  private static String firstLine(String s) {
    String l = s.strip().lines().findFirst().orElse("");
    return Shown.value(l);
  }

  private static long mib(long bytes) {
    return (bytes + (1 << 20) - 1) >> 20;
  }
}
