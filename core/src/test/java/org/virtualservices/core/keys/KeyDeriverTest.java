package org.virtualservices.core.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
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

  @Test
  void everyNodeDerivesTheSameKeysAndJobsAndVmsDiffer() {
    KeyDeriver a = new KeyDeriver(SECRET);
    KeyDeriver b = new KeyDeriver(SECRET.clone());
    assertEquals(a.jobKey("42").publicKey(), b.jobKey("42").publicKey());
    assertEquals(a.hostKey("42", "vc42-0").publicKey(), b.hostKey("42", "vc42-0").publicKey());
    assertNotEquals(a.jobKey("42").publicKey(), a.jobKey("43").publicKey());
    assertNotEquals(a.hostKey("42", "vc42-0").publicKey(), a.hostKey("42", "vc42-1").publicKey());
    byte[] other = SECRET.clone();
    other[0] = 8;
    assertNotEquals(a.jobKey("42").publicKey(), new KeyDeriver(other).jobKey("42").publicKey());
    assertTrue(a.jobKey("42").publicKey().startsWith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5"));
  }

  @Test
  void opensshReadsThePrivateKeyAndFindsTheSamePublicKey(@TempDir Path tmp) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/ssh-keygen")), "needs openssh-client");
    SshKeyPair k = new KeyDeriver(SECRET).jobKey("42");
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
