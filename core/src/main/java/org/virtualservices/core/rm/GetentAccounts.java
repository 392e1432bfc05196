package org.virtualservices.core.rm;

import java.time.Duration;
import java.util.OptionalInt;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.CommandRunner;

/**
 * {@link Accounts} through {@code getent passwd|group NAME}, so that LDAP, SSSD and NIS users resolve
 * as they do for the resource manager itself (plain /etc/passwd parsing would miss them). The
 * program is given by absolute path because hooks run with no PATH.
 */
public final class GetentAccounts implements Accounts {

  /** Where Debian installs getent. */
  public static final String DEFAULT_GETENT = "/usr/bin/getent";

  // getent(1): exit 2 means "key not found in database"
  private static final int NOT_FOUND = 2;

  private final CommandRunner runner;
  private final String getent;

  public GetentAccounts(CommandRunner runner, String getent) {
    this.runner = runner;
    this.getent = getent;
  }

  @Override
  public OptionalInt uid(String user) {
    return lookup("passwd", user);
  }

  @Override
  public OptionalInt gid(String group) {
    return lookup("group", group);
  }

  @Override
  public OptionalInt primaryGid(String user) {
    return lookup("passwd", user, 3);
  }

  private OptionalInt lookup(String database, String name) {
    return lookup(database, name, 2);
  }

  private OptionalInt lookup(String database, String name, int field) {
    if (name == null || name.isEmpty() || name.startsWith("-")) {
      return OptionalInt.empty(); // never let a name be read as an option
    }
    CommandResult r = runner.run(Command.of(getent, database, name).withTimeout(Duration.ofSeconds(30)));
    if (r.exitStatus() == NOT_FOUND) {
      return OptionalInt.empty();
    }
    r.orThrow();
    return parseId(r.stdout(), name, field);
  }

  /** The third field of the first {@code name:x:id:...} line whose first field is {@code name}. */
  static OptionalInt parseId(String getentOutput, String name) {
    return parseId(getentOutput, name, 2);
  }

  /** Field {@code field} (0-based: 2 the uid or gid, 3 a passwd entry's gid) of {@code name}'s line. */
  static OptionalInt parseId(String getentOutput, String name, int field) {
    for (String line : getentOutput.split("\n")) {
      String[] f = line.split(":", -1);
      if (f.length > field && f[0].equals(name) && f[field].matches("[0-9]{1,10}")) {
        long id = Long.parseLong(f[field]);
        if (id <= Integer.MAX_VALUE) {
          return OptionalInt.of((int) id);
        }
      }
    }
    return OptionalInt.empty();
  }
}
