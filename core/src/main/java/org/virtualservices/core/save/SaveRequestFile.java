package org.virtualservices.core.save;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;
import org.virtualservices.core.files.AsUser;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.RequestParser;

/**
 * The channel of {@code vcluster save NAME}, which a job's user runs inside the job (with no
 * privilege): one file, {@value #FILE}, in the report's copy in the job's working folder
 * ({@code vcluster-<job>/}), holding the name and a newline. The epilog reads it AS THE USER, never
 * as root: {@code dd} run by {@code setpriv} with the job's uid and gid, {@code iflag=nofollow}
 * (a link in its place is refused: ELOOP), {@code nonblock} (a FIFO gives no writer's data and
 * blocks nothing), at most {@value #MAX_BYTES} + 1 bytes read (a huge file costs one block). What
 * it read is then checked as {@code save=} is ({@link RequestParser#saveName}): a name of the
 * user's images, or the request is refused with one escaped line. Then the file is removed, as
 * the user, so that the copy's folder can go and a second epilog does not save twice.
 *
 * <p>Why that is safe: the file and its folder are the user's, so whatever the user puts there
 * (a link to another's file, garbage, a huge file, a FIFO) is read, if at all, with the user's
 * rights and bounded in size and time; what comes out is one name that names one folder of the
 * user's own repository, and the save itself runs as the user too ({@link DiskSave}).
 */
public final class SaveRequestFile {

  /** The request's file name in {@code vcluster-<job>/}. */
  public static final String FILE = "save";
  /** The most a request may hold. */
  public static final int MAX_BYTES = 256;
  /** What the messages call the request. */
  public static final String FIELD = "vcluster save";

  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private final CommandRunner runner;
  private final String setpriv;
  private final String dd;
  private final String rm;

  public SaveRequestFile(CommandRunner runner, String setpriv, String dd, String rm) {
    this.runner = runner;
    this.setpriv = setpriv;
    this.dd = dd;
    this.rm = rm;
  }

  /**
   * The name asked for in {@code dir}, read as {@code uid:gid}; empty when there is no request.
   *
   * @throws RequestException when there is one and it is not a name (a link, empty, too big, not a name)
   */
  public Optional<String> read(Path dir, int uid, int gid) {
    Path file = dir.resolve(FILE);
    CommandResult r = runner.run(Command.of(AsUser.argv(setpriv, uid, gid, List.of(dd, "if=" + file,
        "iflag=nofollow,nonblock,fullblock", "bs=" + (MAX_BYTES + 1), "count=1", "status=none"))).withTimeout(TIMEOUT));
    if (!r.ok()) {
      String why = r.stderr().strip();
      if (why.contains("No such file or directory")) {
        return Optional.empty();
      }
      if (why.contains("Too many levels of symbolic links")) {
        throw new RequestException(FIELD, "the request " + Shown.value(file.toString()) + " is a link: refused");
      }
      throw new RequestException(FIELD, "the request " + Shown.value(file.toString()) + " cannot be read as the"
          + " job's user: " + (r.exitStatus() < 0 ? "no answer in " + TIMEOUT.toSeconds() + " s" : Shown.line(why, 120)));
    }
    String text = r.stdout();
    if (text.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw new RequestException(FIELD, "the request " + Shown.value(file.toString()) + " holds more than "
          + MAX_BYTES + " bytes: refused");
    }
    String name = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    return Optional.of(RequestParser.saveName(FIELD, name));
  }

  /** Removes the request, as the user; what the user's side refuses is theirs (the copy's folder then stays). */
  public void remove(Path dir, int uid, int gid) {
    runner.run(Command.of(AsUser.argv(setpriv, uid, gid, List.of(rm, "-f", "--", dir.resolve(FILE).toString())))
        .withTimeout(TIMEOUT));
  }
}
