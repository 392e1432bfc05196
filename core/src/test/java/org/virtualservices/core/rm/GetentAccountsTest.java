package org.virtualservices.core.rm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandFailedException;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.ProcessCommandRunner;

class GetentAccountsTest {

  @Test
  void parsesGetentLinesAsArgumentLists() {
    List<Command> ran = new ArrayList<>();
    GetentAccounts accounts = new GetentAccounts(c -> {
      ran.add(c);
      String db = c.argv().get(1);
      return switch (c.argv().get(2)) {
        case "alice" -> new CommandResult(c, 0, db.equals("passwd")
            ? "alice:x:1001:1500:Alice,,,:/home/alice:/bin/bash\n" : "alice:x:1001:\n", "");
        case "hpc" -> new CommandResult(c, 0, "hpc:*:2000:alice,bob\n", "");
        default -> new CommandResult(c, 2, "", "");
      };
    }, "/usr/bin/getent");
    assertEquals(OptionalInt.of(1001), accounts.uid("alice"));
    assertEquals(OptionalInt.of(2000), accounts.gid("hpc"));
    assertEquals(OptionalInt.of(1500), accounts.primaryGid("alice"), "the passwd entry's gid, not the uid");
    assertEquals(OptionalInt.empty(), accounts.primaryGid("bob"));
    assertEquals(OptionalInt.empty(), accounts.uid("bob"));
    assertEquals(OptionalInt.empty(), accounts.uid("-x"));
    assertEquals(List.of("/usr/bin/getent", "passwd", "alice"), ran.get(0).argv());
  }

  @Test
  void otherFailuresAreNotMistakenForUnknownNames() {
    GetentAccounts accounts = new GetentAccounts(c -> new CommandResult(c, 1, "", "bad"), "/usr/bin/getent");
    assertThrows(CommandFailedException.class, () -> accounts.uid("alice"));
  }

  /** The real getent on this machine: root is 0, a made-up name is unknown. */
  @Test
  void realGetent() {
    assumeTrue(Files.isExecutable(Path.of(GetentAccounts.DEFAULT_GETENT)));
    GetentAccounts accounts = new GetentAccounts(new ProcessCommandRunner(), GetentAccounts.DEFAULT_GETENT);
    assertEquals(OptionalInt.of(0), accounts.uid("root"));
    assertEquals(OptionalInt.of(0), accounts.gid("root"));
    assertEquals(OptionalInt.empty(), accounts.uid("no-such-user-vs-test"));
  }
}
