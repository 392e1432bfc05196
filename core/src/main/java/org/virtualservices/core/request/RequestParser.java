package org.virtualservices.core.request;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.virtualservices.core.images.UserImages;
import org.virtualservices.core.log.Shown;

/**
 * Syntax of a virtual-cluster request, shared by every channel it arrives through: the SPANK
 * options ({@code --vc-mem}), the job comment ({@code mem=}), the PBS variable list
 * ({@code VC_MEM}) and the user's command. Only syntax and sanity bounds are checked here; the
 * site's policy (catalog, limits) is checked later against the site configuration.
 *
 * <p>Every error is a {@link RequestException} whose field is the name the user typed
 * ({@code vc-mem}, {@code mem}, {@code VC_MEM}) and whose message shows the bad value.
 */
public final class RequestParser {

  /** The things a request can say. */
  public enum Key {
    IMAGE("image"), VCPUS("vcpus"), MEM("mem"), VMS("vms"), MOUNTS("mounts"), CHECKPOINT("checkpoint"), SAVE("save"),
    RESTORE("restore");

    private final String word;

    Key(String word) {
      this.word = word;
    }

    /**
     * The key as written in a job comment: {@code image}, {@code vcpus}, {@code mem}, {@code vms}, {@code mounts},
     * {@code save}, {@code restore}.
     */
    public String word() {
      return word;
    }

    /**
     * The option's name on the user's commands, after {@code --vc-} (SPANK) or {@code --} (vcluster
     * submit): {@code mount} for {@code mounts}, given once per job with every folder in it; the word
     * for the others.
     */
    public String option() {
      return this == MOUNTS ? "mount" : word;
    }

    /** The key for a comment word, if there is one. */
    public static Optional<Key> ofWord(String word) {
      for (Key k : values()) {
        if (k.word.equals(word)) {
          return Optional.of(k);
        }
      }
      return Optional.empty();
    }
  }

  /** A value as found, with the name it was found under (for messages). */
  public record Field(Key key, String name, String value) {
  }

  /** Sanity bound on vCPUs per VM; the site's own limit is usually far lower. */
  public static final int MAX_VCPUS = 1024;
  /** Sanity bound on VMs per node. */
  public static final int MAX_VMS_PER_NODE = 256;
  /** Sanity bound on memory per VM: 16 TiB. */
  public static final long MAX_MEMORY_MIB = 16L * 1024 * 1024;

  /** Sanity bound on the folders a job adds. */
  public static final int MAX_MOUNTS = 8;
  /** Sanity bound on the length of a folder's path. */
  public static final int MAX_MOUNT_PATH = 200;

  /** The prefix that marks the request part of a job comment. */
  public static final String COMMENT_PREFIX = "vc:";

  private static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern JOB_ID = Pattern.compile("[1-9][0-9]{0,9}");
  private static final Pattern COUNT = Pattern.compile("[0-9]{1,9}");
  // number, optional unit K/M/G/T, optional B or iB; all units binary, as Slurm's --mem reads them
  private static final Pattern MEM = Pattern.compile("([0-9]{1,19})(?:([KMGT])(I?B)?)?");
  // a folder's path as the guest's init reads it from the seed (docs/appliance.md): no spaces, no
  // shell characters, no ':' (the separator) nor ',' (the comment's)
  private static final Pattern MOUNT_PATH = Pattern.compile("(/[A-Za-z0-9._+@-]+)+");
  private static final Pattern COMMENT_SPLIT = Pattern.compile("[\\s;]+");

  private RequestParser() {
  }

  /**
   * Builds a request from fields in the order found. Duplicated keys and empty values are errors.
   *
   * @param channel where the fields came from, kept in {@link VcRequest#channel()}
   */
  public static VcRequest parse(List<Field> fields, String channel) {
    Map<Key, Field> seen = new LinkedHashMap<>();
    for (Field f : fields) {
      Field before = seen.putIfAbsent(f.key(), f);
      if (before != null) {
        throw new RequestException(f.name(), "given twice ('" + shown(before.value()) + "' and '" + shown(f.value()) + "')");
      }
    }
    String image = null;
    Integer vcpus = null;
    Long mem = null;
    Integer vms = null;
    MountRequest mounts = null;
    boolean checkpoint = false;
    String save = null;
    String restore = null;
    for (Field f : seen.values()) {
      switch (f.key()) {
        case IMAGE -> image = image(f.name(), f.value());
        case VCPUS -> vcpus = vcpus(f.name(), f.value());
        case MEM -> mem = memoryMiB(f.name(), f.value());
        case VMS -> vms = vmsPerNode(f.name(), f.value());
        case MOUNTS -> mounts = mounts(f.name(), f.value());
        case CHECKPOINT -> checkpoint = checkpoint(f.name(), f.value());
        case SAVE -> save = saveName(f.name(), f.value());
        case RESTORE -> restore = restoreJob(f.name(), f.value());
        default -> throw new IllegalStateException("unhandled key " + f.key());
      }
    }
    return new VcRequest(image, vcpus, mem, vms, channel, mounts, save, checkpoint, restore);
  }

  /**
   * Finds and parses the request in a job comment. The request is the one part of the comment,
   * split at whitespace and semicolons, that starts with {@code vc:}, so a site or user may keep
   * other notes in the comment ({@code "project X; vc:image=debian12,vcpus=2"}). Parts that do not
   * start with {@code vc:} are not ours and are ignored; a comment with no such part is no request.
   * Inside the request, items are {@code key=value} separated by commas.
   *
   * @param field the name used in errors for the comment as a whole, e.g. {@code comment}
   */
  public static Optional<VcRequest> fromComment(String field, String comment, String channel) {
    if (comment == null) {
      return Optional.empty();
    }
    String found = null;
    for (String part : COMMENT_SPLIT.split(comment.strip())) {
      if (part.startsWith(COMMENT_PREFIX)) {
        if (found != null) {
          throw new RequestException(field, "more than one '" + COMMENT_PREFIX + "' request in '" + shown(comment) + "'");
        }
        found = part;
      }
    }
    if (found == null) {
      return Optional.empty();
    }
    final String request = found;
    String body = request.substring(COMMENT_PREFIX.length());
    if (body.isEmpty()) {
      throw new RequestException(field, "'" + shown(request) + "' says nothing (expected e.g. vc:image=NAME,vcpus=N,mem=SIZE,vms=K)");
    }
    List<Field> fields = new ArrayList<>();
    for (String item : body.split(",", -1)) {
      int eq = item.indexOf('=');
      if (item.isEmpty()) {
        throw new RequestException(field, "empty item in '" + shown(found) + "'");
      }
      if (eq < 0) {
        throw new RequestException(field, "'" + shown(item) + "' in '" + shown(found) + "' is not key=value");
      }
      String word = item.substring(0, eq);
      String value = item.substring(eq + 1);
      Key key = Key.ofWord(word).orElseThrow(() -> new RequestException(word.isEmpty() ? field : shown(word),
          "unknown key '" + shown(word) + "' in '" + shown(request) + "' (known: image, vcpus, mem, vms, mounts, checkpoint, save, restore)"));
      fields.add(new Field(key, word, value));
    }
    return Optional.of(parse(fields, channel));
  }

  /**
   * A catalog name: letters, digits, dot, underscore, dash; no slash, no "..", at most 64 characters;
   * or a user's own image, {@code user:NAME} or {@code user:NAME@REV} (NAME as a catalog name, REV
   * a revision from 1: {@link UserImages}). Whether the site allows users' images is decided later.
   */
  public static String image(String field, String value) {
    String v = nonEmpty(field, value);
    if (UserImages.isUserRef(v)) {
      try {
        return UserImages.parseRef(v).toString();
      } catch (IllegalArgumentException e) {
        throw new RequestException(field, "invalid user image '" + shown(v) + "' (user:NAME or user:NAME@REV: NAME"
            + " as a catalog name, REV a revision number from 1)");
      }
    }
    if (!IMAGE.matcher(v).matches() || v.contains("..")) {
      throw new RequestException(field, "invalid image name '" + shown(v) + "' (a catalog name: letters, digits,"
          + " '.', '_', '-', starting with a letter or digit, at most 64 characters, no '..'; or user:NAME[@REV])");
    }
    return v;
  }

  /**
   * When the VMs are checkpointed: {@code on-timeout} (when Slurm requeues the job, its time limit
   * near or preempted; docs/users.md, "Checkpoint at requeue") or {@code off}.
   */
  public static boolean checkpoint(String field, String value) {
    String v = nonEmpty(field, value);
    return switch (v) {
      case "on-timeout" -> true;
      case "off" -> false;
      default -> throw new RequestException(field, "invalid checkpoint '" + shown(v) + "' (expected on-timeout or off)");
    };
  }

  /**
   * The name of the user's image that the head VM's disk is saved into at the job's end, as a new
   * revision (docs/users.md, "Saving a VM's disk"): a name as in the catalog (letters, digits,
   * {@code . _ -}, at most 64 characters, no {@code ..}), without {@code user:} or a revision. It
   * names one folder of the user's repository and nothing else.
   */
  public static String saveName(String field, String value) {
    String v = nonEmpty(field, value);
    if (!IMAGE.matcher(v).matches() || v.contains("..")) {
      throw new RequestException(field, "invalid name to save as '" + shown(v) + "' (a name of your images: letters,"
          + " digits, '.', '_', '-', starting with a letter or digit, at most 64 characters, no '..')");
    }
    return v;
  }

  /**
   * The job whose checkpoint a new job restores (docs/users.md, "Restoring a checkpoint in a new job"): a Slurm
   * job id, digits only, no leading zero, at most 10 digits, as the hooks read {@code SLURM_JOB_ID}. Nothing
   * else passes: the id names a folder of root's checkpoint tree and must never be a path.
   */
  public static String restoreJob(String field, String value) {
    String v = nonEmpty(field, value);
    if (!JOB_ID.matcher(v).matches()) {
      throw new RequestException(field, "invalid job to restore '" + shown(v) + "' (a job id: digits only, no"
          + " leading zero, at most 10)");
    }
    return v;
  }

  /** vCPUs per VM: 1 to {@value #MAX_VCPUS}. */
  public static int vcpus(String field, String value) {
    return count(field, value, MAX_VCPUS, "vCPUs");
  }

  /** VMs per node: 1 to {@value #MAX_VMS_PER_NODE}. */
  public static int vmsPerNode(String field, String value) {
    return count(field, value, MAX_VMS_PER_NODE, "VMs per node");
  }

  /**
   * Memory per VM in MiB. A bare number is MiB, as with Slurm's {@code --mem}; units K, M, G, T
   * (any case, optionally followed by B or iB) are powers of 1024. The result must be a whole,
   * positive number of MiB no greater than {@value #MAX_MEMORY_MIB}.
   */
  public static long memoryMiB(String field, String value) {
    String v = nonEmpty(field, value);
    // ASCII only before upper-casing: "ı".toUpperCase() is "I", which C's toupper (the SPANK
    // plugin's check of the same syntax) would never say
    Matcher m = MEM.matcher(v.toUpperCase(Locale.ROOT));
    if (!v.chars().allMatch(c -> c < 0x80) || !m.matches()) {
      throw new RequestException(field, "invalid size '" + shown(v) + "' (expected e.g. 1024, 512M, 2G, 2GiB;"
          + " units K, M, G, T)");
    }
    BigInteger kib = new BigInteger(m.group(1));
    String unit = m.group(2) == null ? "M" : m.group(2);
    kib = kib.shiftLeft(switch (unit) {
      case "K" -> 0;
      case "M" -> 10;
      case "G" -> 20;
      default -> 30;
    });
    if (kib.signum() == 0) {
      throw new RequestException(field, "size '" + v + "' is zero");
    }
    if (kib.mod(BigInteger.valueOf(1024)).signum() != 0) {
      throw new RequestException(field, "size '" + v + "' is not a whole number of MiB");
    }
    BigInteger mib = kib.shiftRight(10);
    if (mib.compareTo(BigInteger.valueOf(MAX_MEMORY_MIB)) > 0) {
      throw new RequestException(field, "size '" + v + "' is more than the " + (MAX_MEMORY_MIB >> 20) + " TiB allowed");
    }
    return mib.longValueExact();
  }

  /**
   * Host folders: {@code none} (no folder at all, not even the working folder), or absolute paths
   * separated by {@code ':'}, each optionally followed by {@code =ro} (read-only), at most
   * {@value #MAX_MOUNTS}. A path is plain: letters, digits, {@code . _ + @ -} between slashes, no
   * {@code .} or {@code ..} part, no trailing slash, at most {@value #MAX_MOUNT_PATH} characters.
   * Whether the site allows it is decided later, against its configuration.
   */
  public static MountRequest mounts(String field, String value) {
    String v = nonEmpty(field, value);
    if (v.equals("none")) {
      return MountRequest.NONE;
    }
    List<MountRequest.Extra> extra = new ArrayList<>();
    for (String item : v.split(":", -1)) {
      if (item.isEmpty()) {
        throw new RequestException(field, "empty folder in '" + shown(v) + "' (expected none, or PATH[=ro][:PATH...])");
      }
      boolean ro = item.endsWith("=ro");
      String path = ro ? item.substring(0, item.length() - 3) : item;
      if (path.length() > MAX_MOUNT_PATH || !MOUNT_PATH.matcher(path).matches()) {
        throw new RequestException(field, "invalid folder '" + shown(item) + "' (an absolute path of letters, digits,"
            + " '.', '_', '+', '@', '-' between slashes, at most " + MAX_MOUNT_PATH + " characters, optionally"
            + " followed by =ro; or none)");
      }
      for (String part : path.substring(1).split("/")) {
        if (part.equals(".") || part.equals("..")) {
          throw new RequestException(field, "folder '" + shown(path) + "' has a '" + part + "' part");
        }
      }
      for (MountRequest.Extra e : extra) {
        if (e.path().toString().equals(path)) {
          throw new RequestException(field, "folder '" + shown(path) + "' given twice");
        }
      }
      extra.add(new MountRequest.Extra(java.nio.file.Path.of(path), ro));
    }
    if (extra.size() > MAX_MOUNTS) {
      throw new RequestException(field, extra.size() + " folders, more than the " + MAX_MOUNTS + " allowed");
    }
    return new MountRequest(false, extra);
  }

  private static int count(String field, String value, int max, String what) {
    String v = nonEmpty(field, value);
    if (!COUNT.matcher(v).matches()) {
      throw new RequestException(field, "invalid number of " + what + " '" + shown(v) + "' (expected a whole number"
          + " from 1 to " + max + ")");
    }
    int n = Integer.parseInt(v);
    if (n < 1 || n > max) {
      throw new RequestException(field, "number of " + what + " '" + v + "' is outside 1.." + max);
    }
    return n;
  }

  private static String nonEmpty(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw new RequestException(field, "empty value");
    }
    if (!value.equals(value.strip())) {
      throw new RequestException(field, "value '" + shown(value) + "' has leading or trailing spaces");
    }
    return value;
  }

  /** The value as shown in one-line messages: control characters escaped, long values cut with their size. */
  static String shown(String v) {
    return Shown.value(v);
  }
}
