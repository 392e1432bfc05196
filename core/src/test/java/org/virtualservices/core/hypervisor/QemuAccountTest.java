package org.virtualservices.core.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.rm.Accounts;

/** Whom QEMU runs as: the job's user by default, a site's fixed user when set, never root. */
class QemuAccountTest {

  /** A name service of three users: uid and primary gid. */
  static final Map<String, int[]> USERS = Map.of("alice", new int[] {1001, 1500}, "qemu", new int[] {64055, 108},
      "toor", new int[] {0, 0}, "wheel", new int[] {500, 0});

  static final Accounts ACCOUNTS = new Accounts() {
    @Override
    public OptionalInt uid(String user) {
      return USERS.containsKey(user) ? OptionalInt.of(USERS.get(user)[0]) : OptionalInt.empty();
    }

    @Override
    public OptionalInt gid(String group) {
      return OptionalInt.empty();
    }

    @Override
    public OptionalInt primaryGid(String user) {
      return USERS.containsKey(user) ? OptionalInt.of(USERS.get(user)[1]) : OptionalInt.empty();
    }
  };

  static JobContext job(String user, int uid, int gid) {
    return new JobContext(ResourceManager.SLURM, "42", user, uid, gid, List.of("n1"), "n1", Path.of("/home/x"),
        List.of(1), null);
  }

  @Test
  void byDefaultTheJobsOwnUidAndGid() {
    QemuAccount a = QemuAccount.of(null, job("alice", 1001, 1500), ACCOUNTS);
    assertEquals(new QemuAccount(1001, 1500, "alice"), a);
    assertEquals("+1001:+1500", a.label());
  }

  @Test
  void aJobOfRootIsTheUsersMistakeNotARootQemu() {
    RequestException e = assertThrows(RequestException.class, () -> QemuAccount.of(null, job("root", 0, 0), ACCOUNTS));
    assertTrue(e.getMessage().contains("QEMU does not run as root"), e.getMessage());
  }

  @Test
  void theSitesFixedUserWhateverTheJob() {
    assertEquals(new QemuAccount(64055, 108, "qemu"), QemuAccount.of("qemu", job("alice", 1001, 1500), ACCOUNTS));
    assertEquals("+64055:+108", QemuAccount.of("qemu", job("root", 0, 0), ACCOUNTS).label());
  }

  @Test
  void aFixedUserThatIsRootOrInRootsGroupOrUnknownIsTheNodesFault() {
    for (String user : new String[] {"toor", "wheel", "nobody-here"}) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> QemuAccount.of(user, job("alice", 1001, 1500), ACCOUNTS), user);
      assertTrue(e.getMessage().startsWith("domain.qemuUser: '" + user + "'"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> new QemuAccount(0, 5, "root"));
  }
}
