package org.virtualservices.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.config.ConfigException;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.SiteConfigLoader;
import org.virtualservices.core.config.UserImagePolicy;
import org.virtualservices.core.disk.ImageSize;
import org.virtualservices.core.disk.UserImageCheck;
import org.virtualservices.core.images.UserImages;
import org.virtualservices.core.images.UserImages.Format;
import org.virtualservices.core.images.UserImages.Revision;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.request.RequestException;

/**
 * {@code vcluster image import|list|delete}: the user's own images, in the repository the site
 * gives each user (docs/users.md, "Your own images"). It runs as the user, with no privilege:
 * what it reads and writes, the user could anyway. ({@code vcluster images} lists the site's
 * catalog; this command, the user's own.)
 *
 * <ul>
 *   <li>{@code import FILE NAME [--format raw|qcow2]}: qemu-img converts FILE (any format it reads)
 *       into the next revision of NAME, after checking its virtual size against the site's limit;
 *       the revision is written as a dot-file and renamed when complete, and checked as the prolog
 *       will check it;
 *   <li>{@code list}: every image, each revision with its format, virtual size and date;
 *   <li>{@code delete NAME[@REV]}: one revision, or every revision of NAME.
 * </ul>
 */
final class ImageCommand {

  static final String NAME = "vcluster image";
  static final String USAGE = "usage: " + NAME + " import FILE NAME [--format raw|qcow2] | list | delete NAME[@REV]"
      + " [--config FILE] (your own images; 'vcluster images' lists the site's)";
  private static final Duration CONVERT_TIMEOUT = Duration.ofHours(2);
  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
      .withZone(ZoneId.systemDefault());

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;
  private final CommandRunner runner;
  private final String user;
  private final long uid;

  ImageCommand(PrintStream out, PrintStream err, Map<String, String> env, CommandRunner runner, String user,
      long uid) {
    this.out = out;
    this.err = err;
    this.env = env;
    this.runner = runner;
    this.user = user;
    this.uid = uid;
  }

  /** The user who runs the command: the process's own account. */
  static ImageCommand real(PrintStream out, PrintStream err, Map<String, String> env) {
    long uid;
    try {
      uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    } catch (IOException | UnsupportedOperationException e) {
      uid = -1;
    }
    return new ImageCommand(out, err, env, new org.virtualservices.core.command.ProcessCommandRunner(),
        System.getProperty("user.name"), uid);
  }

  int run(List<String> args) {
    List<String> rest = new ArrayList<>();
    String config = null;
    String format = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if ((a.equals("--config") || a.equals("--format")) && i + 1 < args.size()) {
        if (a.equals("--config")) {
          config = args.get(++i);
        } else {
          format = args.get(++i);
        }
      } else if (a.startsWith("--config=")) {
        config = a.substring("--config=".length());
      } else if (a.startsWith("--format=")) {
        format = a.substring("--format=".length());
      } else if (a.equals("-h") || a.equals("--help")) {
        out.println(USAGE);
        return 0;
      } else if (a.startsWith("-")) {
        err.println(NAME + ": unknown option " + Shown.value(a) + "; " + USAGE);
        return 2;
      } else {
        rest.add(a);
      }
    }
    if (rest.isEmpty()) {
      err.println(USAGE);
      return 2;
    }
    SiteConfig site;
    try {
      site = SiteConfigLoader.load(SiteConfigLoader.locate(Optional.ofNullable(config), env));
    } catch (ConfigException e) {
      err.println(NAME + ": " + ValidateCommand.oneLine(e));
      return 1;
    }
    UserImagePolicy policy = site.userImages();
    if (!policy.enabled()) {
      err.println(NAME + ": this site does not let users keep images of their own (userImages.enabled is off);"
          + " 'vcluster images' lists the site's");
      return 1;
    }
    UserImages repo;
    try {
      repo = UserImages.forUser(policy.repository(), user, uid);
    } catch (IllegalArgumentException e) {
      err.println(NAME + ": " + e.getMessage());
      return 1;
    }
    List<String> operands = rest.subList(1, rest.size());
    try {
      return switch (rest.get(0)) {
        case "import" -> operands.size() == 2 ? importImage(site, repo, Path.of(operands.get(0)), operands.get(1),
            format) : usage();
        case "list" -> operands.isEmpty() ? list(repo, site.tools().qemuImg()) : usage();
        case "delete" -> operands.size() == 1 ? delete(repo, operands.get(0)) : usage();
        default -> usage();
      };
    } catch (IllegalArgumentException | RequestException e) {
      err.println(NAME + ": " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println(NAME + ": " + e);
      return 1;
    }
  }

  private int usage() {
    err.println(USAGE);
    return 2;
  }

  private int importImage(SiteConfig site, UserImages repo, Path file, String name, String formatName)
      throws IOException {
    UserImagePolicy policy = site.userImages();
    UserImages.checkName(name);
    String fmt = formatName != null ? formatName : policy.formats().contains("qcow2") ? "qcow2" : policy.formats().get(0);
    Format format = Format.of(fmt).filter(f -> policy.formats().contains(f.extension())).orElseThrow(
        () -> new IllegalArgumentException("format " + Shown.value(fmt) + " is not allowed here (allowed: "
            + String.join(", ", policy.formats()) + ")"));
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(Shown.value(file.toString()) + " is not a file you can read");
    }
    long maxMiB = Math.min(policy.maxVirtualMiB(), site.limits().maxDiskMiBPerVm());
    CommandResult info = runner.run(Command.of(site.tools().qemuImg(), "info", "--output=json", "-U",
        file.toAbsolutePath().toString()).withTimeout(Duration.ofSeconds(60)));
    if (!info.ok()) {
      throw new IllegalArgumentException(Shown.value(file.toString()) + " is not an image qemu-img can read: "
          + Shown.value(info.stderr().strip().lines().findFirst().orElse("")));
    }
    JsonNode json = new ObjectMapper().readTree(info.stdout());
    long bytes = json.path("virtual-size").asLong(-1);
    String from = json.path("format").asText("?");
    if (bytes < 0 || bytes > maxMiB << 20) {
      throw new IllegalArgumentException(Shown.value(file.toString()) + " has a virtual size of " + mib(bytes)
          + " MiB, more than the site's limit of " + maxMiB + " MiB");
    }
    Files.createDirectories(repo.folder(name), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    // claim the next number with the partial file itself (O_EXCL): two imports never share one
    int rev = 0;
    Path partial = null;
    for (int tries = 0; partial == null && tries < 10; tries++) {
      rev = repo.nextRevision(name);
      try {
        partial = Files.createFile(repo.partialPath(name, rev, format), PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------")));
      } catch (FileAlreadyExistsException e) {
        partial = null;
      }
    }
    if (partial == null) {
      throw new IOException("could not claim a revision number of " + name + " (other writers?)");
    }
    boolean published = false;
    try {
      runner.check(Command.of(site.tools().qemuImg(), "convert", "-q", "-f", from, "-O", format.extension(),
          file.toAbsolutePath().toString(), partial.toString()).withTimeout(CONVERT_TIMEOUT));
      repo.publish(name, rev, format);
      published = true;
      // the revision as the prolog will see it: a standalone raw or qcow2 within the limit
      UserImageCheck.Checked c = new UserImageCheck(runner, List.of(), site.userImages().find(),
          site.tools().qemuImg(), policy.formats(), maxMiB << 20, maxMiB + " MiB")
          .check(repo, new UserImages.Ref(name, java.util.OptionalInt.of(rev)));
      out.println("imported " + file + " (" + from + ") as " + UserImages.PREFIX + name + "@" + rev + " ("
          + format.extension() + ", " + mib(c.virtualBytes()) + " MiB virtual): boot it with --vc-image="
          + UserImages.PREFIX + name);
      return 0;
    } catch (org.virtualservices.core.command.CommandFailedException e) {
      throw new IOException("qemu-img could not convert " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      if (published) {
        Files.deleteIfExists(repo.path(name, rev, format));
      }
      throw e;
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  private int list(UserImages repo, String qemuImg) throws IOException {
    List<String> names = repo.names();
    if (names.isEmpty()) {
      out.println("no images of your own in " + repo.repository() + " ('" + NAME + " import FILE NAME' adds one)");
      return 0;
    }
    out.println(String.format("%-24s %5s  %-6s %10s  %s", "NAME", "REV", "FORMAT", "VIRTUAL", "DATE"));
    for (String name : names) {
      for (Revision r : repo.revisions(name)) {
        String size;
        String date;
        if (Files.isRegularFile(r.path(), LinkOption.NOFOLLOW_LINKS)) {
          size = sizeOf(r, qemuImg);
          date = DATE.format(Files.getLastModifiedTime(r.path(), LinkOption.NOFOLLOW_LINKS).toInstant());
        } else {
          size = "-";
          date = "not a regular file: the prolog refuses it";
        }
        out.println(String.format("%-24s %5d  %-6s %10s  %s", name, r.number(), r.format().extension(), size, date));
      }
    }
    return 0;
  }

  private String sizeOf(Revision r, String qemuImg) {
    try {
      return mib(ImageSize.virtualBytes(r.path(), r.format().extension(), runner, qemuImg)) + " MiB";
    } catch (RuntimeException e) {
      return "unreadable";
    }
  }

  private int delete(UserImages repo, String what) throws IOException {
    UserImages.Ref ref = UserImages.parseRef(what.startsWith(UserImages.PREFIX) ? what : UserImages.PREFIX + what);
    List<Revision> all = repo.revisions(ref.name());
    List<Revision> gone = ref.revision().isPresent()
        ? all.stream().filter(r -> r.number() == ref.revision().getAsInt()).toList() : all;
    if (gone.isEmpty()) {
      throw new IllegalArgumentException(ref.revision().isPresent() ? "user image '" + ref.name()
          + "' has no revision " + ref.revision().getAsInt() : "no user image '" + ref.name() + "'");
    }
    for (Revision r : gone) {
      Files.delete(r.path());
      out.println("deleted " + UserImages.PREFIX + r.name() + "@" + r.number());
    }
    if (repo.entries(ref.name()).isEmpty()) {
      Files.delete(repo.folder(ref.name()));
    }
    return 0;
  }

  private static long mib(long bytes) {
    return (bytes + (1 << 20) - 1) >> 20;
  }
}
