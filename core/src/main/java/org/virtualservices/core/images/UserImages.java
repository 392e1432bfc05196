package org.virtualservices.core.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The layout of a user's image repository (docs/users.md, "Your own images"), the one place that
 * knows it:
 *
 * <pre>
 *   &lt;repository&gt;/&lt;NAME&gt;/&lt;REV&gt;.&lt;format&gt;                 a revision: REV = 1, 2, 3...; format raw or qcow2
 *   &lt;repository&gt;/&lt;NAME&gt;/.&lt;REV&gt;.&lt;format&gt;.partial       a revision being written, renamed when complete
 * </pre>
 *
 * The latest revision is the highest. A writer takes {@link #nextRevision}, writes the partial
 * file, and publishes it with {@link #publish}, which never replaces an existing revision. Anything
 * else in a folder (other dot-files, other names) is not a revision and is ignored.
 *
 * <p>A user names an image {@code user:NAME} (its latest revision) or {@code user:NAME@REV}.
 *
 * <p>A revision is a standalone file: the prolog refuses one with a backing file (or a qcow2
 * external data file) of any kind, so a writer of a new revision flattens it ({@code qemu-img
 * convert}), never leaves it on top of an earlier one (docs/hooks.md, "Users' own images").
 *
 * <p>The methods that touch files ({@link #revisions(String)}, {@link #names()}, {@link #publish})
 * are for code that runs AS THE USER (the launcher); root code uses the pure ones
 * ({@link #revisionsIn}, {@link #fileName}) on a listing that a process of the user's made.
 */
public final class UserImages {

  /** What a user image reference starts with; anything else names the site's catalog. */
  public static final String PREFIX = "user:";
  /** The longest image name. */
  public static final int MAX_NAME = 64;
  /** The highest revision number (9 digits: an int never overflows). */
  public static final int MAX_REVISION = 999_999_999;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0," + (MAX_NAME - 1) + "}");
  private static final Pattern REV = Pattern.compile("[1-9][0-9]{0,8}");
  private static final Pattern REVISION_FILE = Pattern.compile("([1-9][0-9]{0,8})\\.(raw|qcow2)");
  private static final Pattern PARTIAL_FILE = Pattern.compile("\\.([1-9][0-9]{0,8})\\.(raw|qcow2)\\.partial");
  private static final Pattern TEMPLATE_KEY = Pattern.compile("\\{([a-z]+)\\}");

  /** The two formats a user image may have; the file's extension is the lower-case name. */
  public enum Format {
    RAW, QCOW2;

    public String extension() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The format named as qemu-img and libvirt name it ({@code raw}, {@code qcow2}), or empty. */
    public static Optional<Format> of(String name) {
      for (Format f : values()) {
        if (f.extension().equals(name)) {
          return Optional.of(f);
        }
      }
      return Optional.empty();
    }
  }

  /** {@code user:NAME} (revision empty: the latest) or {@code user:NAME@REV}. */
  public record Ref(String name, OptionalInt revision) {
    public Ref {
      checkName(name);
      if (revision.isPresent() && (revision.getAsInt() < 1 || revision.getAsInt() > MAX_REVISION)) {
        throw new IllegalArgumentException("image revision out of range: " + revision.getAsInt());
      }
    }

    @Override
    public String toString() {
      return PREFIX + name + (revision.isPresent() ? "@" + revision.getAsInt() : "");
    }
  }

  /** One revision of an image, and where it is. */
  public record Revision(String name, int number, Format format, Path path) {
  }

  private final Path repository;

  public UserImages(Path repository) {
    if (!repository.isAbsolute()) {
      throw new IllegalArgumentException("image repository must be an absolute path: " + repository);
    }
    this.repository = repository.normalize();
  }

  /**
   * The repository of a user from the site's template: {@code {user}} becomes the user's name and
   * {@code {uid}} the numeric uid; the result must be absolute.
   */
  public static UserImages forUser(String template, String user, long uid) {
    if (user.isEmpty() || user.contains("/") || user.equals(".") || user.equals("..")) {
      throw new IllegalArgumentException("user name unfit for a path: '" + user + "'");
    }
    Matcher m = TEMPLATE_KEY.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = switch (m.group(1)) {
        case "user" -> user;
        case "uid" -> Long.toString(uid);
        default -> throw new IllegalArgumentException("unknown key {" + m.group(1) + "} in the image repository '"
            + template + "' (known: {user}, {uid})");
      };
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return new UserImages(Path.of(out.toString()));
  }

  public Path repository() {
    return repository;
  }

  /** Whether an image reference names a user image ({@code user:...}) rather than the catalog. */
  public static boolean isUserRef(String image) {
    return image != null && image.startsWith(PREFIX);
  }

  /** {@code user:NAME} or {@code user:NAME@REV}; the message of the exception says what is wrong. */
  public static Ref parseRef(String image) {
    if (!isUserRef(image)) {
      throw new IllegalArgumentException("not a user image (user:NAME[@REV]): '" + image + "'");
    }
    String rest = image.substring(PREFIX.length());
    int at = rest.indexOf('@');
    if (at < 0) {
      return new Ref(rest, OptionalInt.empty());
    }
    String rev = rest.substring(at + 1);
    if (!REV.matcher(rev).matches()) {
      throw new IllegalArgumentException("image revision must be a number from 1 to " + MAX_REVISION + ": '"
          + rev + "'");
    }
    return new Ref(rest.substring(0, at), OptionalInt.of(Integer.parseInt(rev)));
  }

  /**
   * Whether a name is a valid image name: as a catalog name (letters, digits, {@code . _ -},
   * starting with a letter or digit, no {@code ..}, at most {@value #MAX_NAME} characters).
   */
  public static boolean validName(String name) {
    return name != null && NAME.matcher(name).matches() && !name.contains("..");
  }

  public static void checkName(String name) {
    if (!validName(name)) {
      throw new IllegalArgumentException("image name must be 1 to " + MAX_NAME
          + " letters, digits, '.', '_' or '-', starting with a letter or digit, no '..': '"
          + org.virtualservices.core.log.Shown.value(name) + "'");
    }
  }

  /** The folder of an image's revisions. */
  public Path folder(String name) {
    checkName(name);
    return repository.resolve(name);
  }

  /** {@code REV.format}: the file name of a revision. */
  public static String fileName(int revision, Format format) {
    checkRevision(revision);
    return revision + "." + format.extension();
  }

  /** {@code .REV.format.partial}: the file name of a revision being written. */
  public static String partialName(int revision, Format format) {
    checkRevision(revision);
    return "." + revision + "." + format.extension() + ".partial";
  }

  public Path path(String name, int revision, Format format) {
    return folder(name).resolve(fileName(revision, format));
  }

  public Path partialPath(String name, int revision, Format format) {
    return folder(name).resolve(partialName(revision, format));
  }

  /**
   * The revisions among the entries of an image's folder (file names only), lowest first. Two
   * files of one revision (3.raw and 3.qcow2) are both listed; {@link #pick} refuses such a pair.
   */
  public List<Revision> revisionsIn(String name, Iterable<String> fileNames) {
    List<Revision> out = new ArrayList<>();
    for (String f : fileNames) {
      Matcher m = REVISION_FILE.matcher(f);
      if (m.matches()) {
        int n = Integer.parseInt(m.group(1));
        Format format = Format.of(m.group(2)).orElseThrow();
        out.add(new Revision(name, n, format, path(name, n, format)));
      }
    }
    out.sort(Comparator.comparingInt(Revision::number).thenComparing(Revision::format));
    return out;
  }

  /**
   * The next revision number among the entries of an image's folder: one above the highest
   * revision or partial revision, so a writer never reuses a number another writer has begun.
   */
  public static int nextRevisionIn(Iterable<String> fileNames) {
    int highest = 0;
    for (String f : fileNames) {
      Matcher m = REVISION_FILE.matcher(f);
      Matcher p = PARTIAL_FILE.matcher(f);
      if (m.matches()) {
        highest = Math.max(highest, Integer.parseInt(m.group(1)));
      } else if (p.matches()) {
        highest = Math.max(highest, Integer.parseInt(p.group(1)));
      }
    }
    if (highest >= MAX_REVISION) {
      throw new IllegalArgumentException("no revision number left after " + highest);
    }
    return highest + 1;
  }

  /**
   * The revision a reference selects among an image's revisions: the one named, or the highest.
   * The exception's message says why none fits (no such image, no such revision, two formats).
   */
  public static Revision pick(Ref ref, List<Revision> revisions) {
    if (revisions.isEmpty()) {
      throw new IllegalArgumentException("no user image '" + ref.name() + "' (no revision in its folder)");
    }
    int wanted = ref.revision().orElse(revisions.get(revisions.size() - 1).number());
    List<Revision> found = revisions.stream().filter(r -> r.number() == wanted).toList();
    if (found.isEmpty()) {
      throw new IllegalArgumentException("user image '" + ref.name() + "' has no revision " + wanted
          + " (it has " + revisions.stream().map(r -> Integer.toString(r.number())).distinct().toList() + ")");
    }
    if (found.size() > 1) {
      throw new IllegalArgumentException("revision " + wanted + " of user image '" + ref.name()
          + "' exists in two formats (" + fileName(wanted, found.get(0).format()) + ", "
          + fileName(wanted, found.get(1).format()) + "): delete one");
    }
    return found.get(0);
  }

  // ---- for code that runs as the user ----

  /** The entry names of an image's folder (none if it does not exist). */
  public List<String> entries(String name) throws IOException {
    Path dir = folder(name);
    if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  public List<Revision> revisions(String name) throws IOException {
    return revisionsIn(name, entries(name));
  }

  public int nextRevision(String name) throws IOException {
    return nextRevisionIn(entries(name));
  }

  /** The revision a reference selects, read from the repository. */
  public Revision resolve(Ref ref) throws IOException {
    return pick(ref, revisions(ref.name()));
  }

  /** The image names in the repository (folders with a valid name), sorted. */
  public List<String> names() throws IOException {
    if (!Files.isDirectory(repository)) {
      return List.of();
    }
    TreeSet<String> out = new TreeSet<>();
    try (Stream<Path> s = Files.list(repository)) {
      s.filter(p -> Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .map(p -> p.getFileName().toString()).filter(UserImages::validName).forEach(out::add);
    }
    return List.copyOf(out);
  }

  /**
   * Publishes a written partial revision under its final name without ever replacing a file: a
   * hard link to the final name (which fails if it exists: Java has no renameat2 RENAME_NOREPLACE,
   * and {@code Files.move} would replace), then the partial name removed.
   *
   * @throws java.nio.file.FileAlreadyExistsException if the revision exists already
   */
  public Path publish(String name, int revision, Format format) throws IOException {
    Path partial = partialPath(name, revision, format);
    Path target = path(name, revision, format);
    for (Format other : Format.values()) {
      if (other != format && Files.exists(path(name, revision, other), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw new java.nio.file.FileAlreadyExistsException(path(name, revision, other).toString());
      }
    }
    Files.createLink(target, partial);
    Files.delete(partial);
    return target;
  }

  private static void checkRevision(int revision) {
    if (revision < 1 || revision > MAX_REVISION) {
      throw new IllegalArgumentException("image revision out of range: " + revision);
    }
  }
}
