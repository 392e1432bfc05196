package org.virtualservices.core.save;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.config.Save;
import org.virtualservices.core.config.Tools;
import org.virtualservices.core.faults.FaultPoints;
import org.virtualservices.core.files.AsUser;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.images.UserImages;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.ready.Sleeper;

/**
 * Keeps a VM's disk as a new revision of one of the user's images (docs/hooks.md, "Saving a VM's
 * disk"): the guest is asked to power off (the power button) and given a bounded time; then its
 * overlay is flattened into a standalone qcow2 ({@code qemu-img convert}), written under the
 * revision's partial name and published under the next free revision number by a hard link, which
 * never replaces a file.
 *
 * <p>Who does what. Root opens only the overlay, a file in its own state folder (no user can put
 * a link there), and hands it to {@code qemu-img} as its standard input; {@code qemu-img} runs AS
 * THE USER and opens {@code /proc/self/fd/0} (the overlay is the user's: QEMU's account) and the
 * layers below it with the user's rights, and writes into the user's repository with the user's
 * rights. Every step in the repository (make the folder, list it, claim a name, publish, remove)
 * is a process of the user's: root never opens, writes or deletes there.
 *
 * <p>A failed save (a guest that does not stop, a full disk, a timeout, a refused folder) leaves
 * the earlier revisions as they were and no partial file behind, and is a {@link Result} that says
 * why: it never throws for what the user's side does.
 */
public final class DiskSave {

  /** How often the guest is looked at while it powers off. */
  static final Duration POLL = Duration.ofMillis(500);
  /** How many times a revision number is taken again when another writer took it meanwhile. */
  static final int MAX_TRIES = 8;
  /** Folders and listings are quick: a bound on each of those commands. */
  static final Duration SHORT = Duration.ofSeconds(60);

  /**
   * What is saved, where, for whom.
   *
   * @param vm the domain whose disk is saved (the head VM)
   * @param overlay its overlay, in root's state folder
   * @param repository the user's repository
   * @param name the image the revision is added to
   */
  public record Job(int uid, int gid, String vm, Path overlay, UserImages repository, String name) {
  }

  /**
   * How a save ended.
   *
   * @param revision the new revision's number, or 0 when none was made
   * @param message where it went, or why there is none (one line, values escaped)
   */
  public record Result(String name, int revision, boolean saved, String message) {
    static Result failed(String name, String why) {
      return new Result(name, 0, false, Shown.line(why, 400));
    }
  }

  private final Hypervisor hypervisor;
  private final CommandRunner runner;
  private final String setpriv;
  private final String qemuImg;
  private final String rm;
  private final String find;
  private final Save conf;
  private final Clock clock;
  private final Sleeper sleeper;
  private final FaultPoints faults;

  /**
   * @param faults test-only point {@code save:publish}, reached when the revision is written and
   *     not yet published: a failure there must leave nothing behind
   */
  /** @param find GNU find (userImages.find), run as the user */
  public DiskSave(Hypervisor hypervisor, CommandRunner runner, Tools tools, String find, Save conf, Clock clock,
      Sleeper sleeper, FaultPoints faults) {
    this.hypervisor = hypervisor;
    this.runner = runner;
    this.setpriv = tools.setpriv();
    this.qemuImg = tools.qemuImg();
    this.rm = tools.rm();
    this.find = find;
    this.conf = conf;
    this.clock = clock;
    this.sleeper = sleeper;
    this.faults = faults;
  }

  public Result save(Job job) {
    String stopped = powerOff(job.vm());
    if (stopped != null) {
      return Result.failed(job.name(), stopped);
    }
    String overlay = checkOverlay(job);
    if (overlay != null) {
      return Result.failed(job.name(), overlay);
    }
    Path folder = job.repository().folder(job.name());
    try {
      List<String> entries = prepare(job, folder);
      int rev = claim(job, folder, UserImages.nextRevisionIn(entries));
      Path partial = folder.resolve(UserImages.partialName(rev, UserImages.Format.QCOW2));
      try {
        convert(job, partial);
        faults.reached("save:publish");
        int published = publish(job, folder, partial, rev);
        return new Result(job.name(), published, true, Shown.line("saved " + job.vm() + "'s disk as "
            + UserImages.PREFIX + job.name() + "@" + published + " (" + folder.resolve(UserImages.fileName(published,
            UserImages.Format.QCOW2)) + ")", 400));
      } catch (RuntimeException e) {
        return Result.failed(job.name(), e.getMessage() + removePartial(job, partial));
      }
    } catch (RuntimeException e) {
      return Result.failed(job.name(), e.getMessage());
    }
  }

  /**
   * Powers the guest off with the power button, bounded by {@code save.shutdownTimeoutSeconds}.
   *
   * @return null when the domain is off, else why its disk is not saved
   */
  String powerOff(String vm) {
    try {
      if (!hypervisor.active(vm)) {
        // the guest powered itself off (a poweroff in the job): its disk is as consistent as it gets
        return hypervisor.state(vm) == org.virtualservices.core.hypervisor.DomainState.ABSENT
            ? "no domain " + vm + " on this node: nothing to save" : null;
      }
      hypervisor.shutdown(vm);
      Instant deadline = clock.instant().plusSeconds(conf.shutdownTimeoutSeconds());
      while (hypervisor.active(vm)) {
        if (!clock.instant().isBefore(deadline)) {
          if (!conf.uncleanDisk()) {
            return "the guest of " + vm + " did not power off within " + conf.shutdownTimeoutSeconds()
                + " s of the power button: its disk may be inconsistent, not saved (site key save.uncleanDisk)";
          }
          // the site's choice: stopped hard, saved as it is
          hypervisor.remove(vm);
          return null;
        }
        sleeper.sleep(POLL);
      }
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while " + vm + " powered off";
    } catch (RuntimeException e) {
      return "power off " + vm + ": " + e.getMessage();
    }
  }

  /** The overlay as the prolog made it: a regular file (not a link) of the user's. Root looks only. */
  private static String checkOverlay(Job job) {
    try {
      if (!Files.isRegularFile(job.overlay(), LinkOption.NOFOLLOW_LINKS)) {
        return "the disk of " + job.vm() + " (" + job.overlay() + ") is not a regular file";
      }
      int owner = (Integer) Files.getAttribute(job.overlay(), "unix:uid", LinkOption.NOFOLLOW_LINKS);
      if (owner != job.uid()) {
        // QEMU ran as the site's account (domain.qemuUser): the user's process could not open it
        return "the disk of " + job.vm() + " belongs to uid " + owner + ", not to the job's user";
      }
      return null;
    } catch (IOException e) {
      return "the disk of " + job.vm() + ": " + e.getMessage();
    }
  }

  /**
   * As the user: makes the repository and the image's folder if need be, checks that each is a
   * real folder of the user's (not a link: a link could lead the user's process into a folder
   * another user opened to them), and lists the image's folder.
   */
  private List<String> prepare(Job job, Path folder) {
    Path repo = job.repository().repository();
    // the hook's umask (077): folders the user makes here are 0700
    asUser(job, SHORT, "make the image repository " + repo, conf.mkdir(), "-p", "--", repo.toString());
    ownFolder(job, repo, "the image repository ");
    asUser(job, SHORT, "make the image folder " + folder, conf.mkdir(), "-p", "--", folder.toString());
    ownFolder(job, folder, "the image folder ");
    return entries(job, folder);
  }

  /** As the user, without following a link (find -P: the start point's own included; %y is 'l' for a link). */
  private void ownFolder(Job job, Path dir, String what) {
    String line = asUser(job, SHORT, "look at " + dir, find, "-P", dir.toString(), "-maxdepth", "0",
        "-printf", "%y %U\\n").stdout().strip();
    if (!line.equals("d " + job.uid())) {
      throw new IllegalStateException(what + Shown.value(dir.toString()) + " is not a folder of the job's user ("
          + (line.startsWith("l ") ? "a link" : Shown.value(line)) + "): not saved there");
    }
  }

  /** The entry names of the image's folder, listed as the user, without following links. */
  private List<String> entries(Job job, Path folder) {
    String out = asUser(job, SHORT, "list " + folder, find, "-P", folder.toString(), "-mindepth", "1",
        "-maxdepth", "1", "-printf", "%f\\0").stdout();
    List<String> names = new ArrayList<>();
    for (String n : out.split("\0")) {
      if (!n.isEmpty()) {
        names.add(n);
      }
    }
    return names;
  }

  /**
   * Claims the revision's partial name: made empty by the user with O_EXCL ({@code dd conv=excl}),
   * under the hook's umask (077); a name another writer took meanwhile is passed over.
   *
   * @return the revision whose partial name is now this save's
   */
  private int claim(Job job, Path folder, int first) {
    int rev = first;
    for (int i = 0; i < MAX_TRIES; i++) {
      Path partial = folder.resolve(UserImages.partialName(rev, UserImages.Format.QCOW2));
      CommandResult r = runner.run(Command.of(AsUser.argv(setpriv, job.uid(), job.gid(), List.of(conf.dd(),
          "if=/dev/null", "of=" + partial, "conv=excl", "status=none"))).withTimeout(SHORT));
      if (r.ok()) {
        return rev;
      }
      if (!r.stderr().contains("File exists")) {
        throw new IllegalStateException("could not make " + Shown.value(partial.toString()) + " as uid " + job.uid()
            + ": " + firstLine(r));
      }
      rev++;
    }
    throw new IllegalStateException("no free revision of " + job.name() + " after " + MAX_TRIES + " tries");
  }

  /** Flattens the overlay into the partial file: qemu-img as the user, the overlay as its fd 0. */
  private void convert(Job job, Path partial) {
    Duration limit = Duration.ofSeconds(conf.convertTimeoutSeconds());
    CommandResult r = runner.run(Command.of(AsUser.argv(setpriv, job.uid(), job.gid(), List.of(qemuImg, "convert",
        "-q", "-f", "qcow2", "-O", "qcow2", "/proc/self/fd/0", partial.toString()))).withStdinFile(job.overlay())
        .withTimeout(limit));
    if (r.exitStatus() == CommandRunner.TIMED_OUT) {
      throw new IllegalStateException("qemu-img did not write the revision within " + limit.toSeconds()
          + " s (site key save.convertTimeoutSeconds): stopped");
    }
    if (!r.ok()) {
      throw new IllegalStateException("qemu-img could not write " + Shown.value(partial.toString()) + ": "
          + firstLine(r));
    }
  }

  /**
   * Publishes the partial file under a revision number no other file of the folder has (either
   * format, or another writer's partial), by a hard link that fails rather than replace; then
   * removes the partial name.
   */
  private int publish(Job job, Path folder, Path partial, int claimed) {
    int rev = claimed;
    for (int i = 0; i < MAX_TRIES; i++) {
      List<String> entries = entries(job, folder);
      if (takenByAnother(entries, rev)) {
        rev = UserImages.nextRevisionIn(entries);
        continue;
      }
      Path target = folder.resolve(UserImages.fileName(rev, UserImages.Format.QCOW2));
      CommandResult r = runner.run(Command.of(AsUser.argv(setpriv, job.uid(), job.gid(), List.of(conf.ln(), "-T",
          "--", partial.toString(), target.toString()))).withTimeout(SHORT));
      if (r.ok()) {
        String left = removePartial(job, partial);
        if (!left.isEmpty()) {
          throw new IllegalStateException("published " + target + " but" + left);
        }
        return rev;
      }
      if (!r.stderr().contains("File exists")) {
        throw new IllegalStateException("could not publish " + Shown.value(target.toString()) + ": " + firstLine(r));
      }
    }
    throw new IllegalStateException("no free revision of " + job.name() + " to publish after " + MAX_TRIES + " tries");
  }

  /** Whether a file other than this save's partial (of either format) has revision number {@code rev}. */
  private static boolean takenByAnother(List<String> entries, int rev) {
    String ours = UserImages.partialName(rev, UserImages.Format.QCOW2);
    for (UserImages.Format f : UserImages.Format.values()) {
      if (entries.contains(UserImages.fileName(rev, f))
          || (!UserImages.partialName(rev, f).equals(ours) && entries.contains(UserImages.partialName(rev, f)))) {
        return true;
      }
    }
    return false;
  }

  /** Removes the partial file as the user; returns "" when it is gone, else what is left, for the message. */
  private String removePartial(Job job, Path partial) {
    CommandResult r = runner.run(Command.of(AsUser.argv(setpriv, job.uid(), job.gid(), List.of(rm, "-f",
        "--", partial.toString()))).withTimeout(SHORT));
    return r.ok() ? "" : "; " + Shown.value(partial.toString()) + " is left (" + firstLine(r) + ")";
  }

  private CommandResult asUser(Job job, Duration limit, String what, String... argv) {
    CommandResult r = runner.run(Command.of(AsUser.argv(setpriv, job.uid(), job.gid(), List.of(argv)))
        .withTimeout(limit));
    if (!r.ok()) {
      throw new IllegalStateException("could not " + Shown.value(what) + " as uid " + job.uid() + ": " + firstLine(r));
    }
    return r;
  }

  private static String firstLine(CommandResult r) {
    if (r.exitStatus() == CommandRunner.TIMED_OUT) {
      return "no answer within " + r.command().timeout().toSeconds() + " s";
    }
    String t = (r.stderr().strip() + "\n" + r.stdout().strip()).strip();
    int nl = t.indexOf('\n');
    return Shown.line((nl < 0 ? t : t.substring(0, nl)) + " (exit " + r.exitStatus() + ")", 300);
  }
}
