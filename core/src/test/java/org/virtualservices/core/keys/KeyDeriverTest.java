package org.virtualservices.core.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.command.Command;
import org.virtualservices.core.command.CommandResult;
import org.virtualservices.core.command.ProcessCommandRunner;

class KeyDeriverTest {

  static final byte[] SECRET = new byte[32];

  static {
    Arrays.fill(SECRET, (byte) 7);
  }

  static final JobIdentity JOB42 = new JobIdentity("42", 1001, "1764745870");

  @Test
  void everyNodeDerivesTheSameKeysAndJobsAndVmsDiffer() {
    KeyDeriver a = new KeyDeriver(SECRET);
    KeyDeriver b = new KeyDeriver(SECRET.clone());
    assertEquals(a.jobKey(JOB42).publicKey(), b.jobKey(new JobIdentity("42", 1001, "1764745870")).publicKey());
    assertEquals(a.hostKey(JOB42, "vc42-0").publicKey(), b.hostKey(JOB42, "vc42-0").publicKey());
    assertNotEquals(a.jobKey(JOB42).publicKey(), a.jobKey(new JobIdentity("43", 1001, "1764745870")).publicKey());
    assertNotEquals(a.hostKey(JOB42, "vc42-0").publicKey(), a.hostKey(JOB42, "vc42-1").publicKey());
    byte[] other = SECRET.clone();
    other[0] = 8;
    assertNotEquals(a.jobKey(JOB42).publicKey(), new KeyDeriver(other).jobKey(JOB42).publicKey());
    assertTrue(a.jobKey(JOB42).publicKey().startsWith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"));
  }

  /** Job 42 of alice, then job 42 of bob after the ids wrapped: bob's VMs must not take alice's old key. */
  @Test
  void aReusedJobIdOfAnotherUserOrAnotherTimeGetsOtherKeys() {
    KeyDeriver k = new KeyDeriver(SECRET);
    JobIdentity alice = new JobIdentity("42", 1001, "1764745870");
    JobIdentity bob = new JobIdentity("42", 1002, "1764745870");
    JobIdentity aliceLater = new JobIdentity("42", 1001, "1796281870");
    for (JobIdentity other : List.of(bob, aliceLater)) {
      assertNotEquals(k.jobKey(alice).publicKey(), k.jobKey(other).publicKey(), other.toString());
      assertNotEquals(k.jobKey(alice).privateKey(), k.jobKey(other).privateKey(), other.toString());
      assertNotEquals(k.hostKey(alice, "vc42-0").publicKey(), k.hostKey(other, "vc42-0").publicKey(),
          other.toString());
    }
  }

  /**
   * The instance may come from the user's side: no choice of it may give the bytes of another
   * identity (a plain "id:uid:instance" string would let id 4 with instance "2:..." pass for id 42).
   */
  @Test
  void noChoiceOfFieldsReadsAsAnotherIdentity() {
    List<JobIdentity> crafted = List.of(new JobIdentity("42", 1001, ""), new JobIdentity("4", 1001, "2"),
        new JobIdentity("42", 1001, "\u0000"), new JobIdentity("42", 0, ""), new JobIdentity("", 1001, "42"));
    Set<String> infos = new HashSet<>();
    for (JobIdentity j : crafted) {
      assertTrue(infos.add(HexFormat.of().formatHex(KeyDeriver.info("user", j, ""))), j.toString());
      assertTrue(infos.add(HexFormat.of().formatHex(KeyDeriver.info("host", j, "vc42-0"))), j.toString());
    }
    assertNotEquals(HexFormat.of().formatHex(KeyDeriver.info("host", JOB42, "vc4")),
        HexFormat.of().formatHex(KeyDeriver.info("host", new JobIdentity("42", 1001, "1764745870vc"), "4")));
  }

  @Test
  void aJobWithoutUidHasNoIdentity() {
    assertThrows(IllegalArgumentException.class, () -> new JobIdentity("42", -1, ""));
  }

  @Test
  void opensshReadsThePrivateKeyAndFindsTheSamePublicKey(@TempDir Path tmp) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/ssh-keygen")), "needs openssh-client");
    SshKeyPair k = new KeyDeriver(SECRET).jobKey(JOB42);
    Path f = tmp.resolve("id");
    Files.writeString(f, k.privateKey());
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    CommandResult r = new ProcessCommandRunner().check(Command.of("/usr/bin/ssh-keygen", "-y", "-f", f.toString()));
    assertEquals(k.publicKey(), r.stdout().strip());
  }

  @Test
  void aShortOrSharedSecretIsRefused(@TempDir Path tmp) throws Exception {
    assertThrows(IllegalArgumentException.class, () -> new KeyDeriver(new byte[16]));
    Path f = tmp.resolve("secret");
    Files.write(f, SECRET);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> KeyDeriver.fromFile(f));
    assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
  }
}
