package org.virtualservices.core.keys;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.Set;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.util.OpenSSHPrivateKeyUtil;
import org.bouncycastle.crypto.util.OpenSSHPublicKeyUtil;

/**
 * Keys without communication: every node derives the same job key and the same VM host keys from
 * the site secret (root-only, the same file on every node, as munge's key is) and the job's
 * {@link JobIdentity} (id, owner's uid, instance), with HKDF-SHA256 into an Ed25519 seed. The batch host can so write the job's private key and a
 * complete known_hosts without asking any other node. BouncyCastle gives HKDF and Ed25519 and the
 * OpenSSH encodings; the JDK has Ed25519 but cannot make a key pair from a given seed.
 */
public final class KeyDeriver {

  /** v2: the identity is id, uid and instance; v1 derived from the id alone, which repeats. */
  private static final byte[] SALT = "virtual-services/vcluster/v2".getBytes(StandardCharsets.UTF_8);
  public static final int MIN_SECRET_BYTES = 32;

  private final byte[] secret;

  public KeyDeriver(byte[] secret) {
    if (secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException("the site secret must hold at least " + MIN_SECRET_BYTES
          + " bytes, it holds " + secret.length);
    }
    this.secret = secret.clone();
  }

  /**
   * Reads the site secret, refusing a file that other users could read: whoever has it can log in
   * to every VM of every job.
   */
  public static KeyDeriver fromFile(Path file) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
        throw new IllegalStateException("secret file " + file + " is readable by group or others; chmod 600 it");
      }
      return new KeyDeriver(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException("read secret file " + file + ": " + e.getMessage(), e);
    }
  }

  /** The key the job's user logs in to the job's VMs with. */
  public SshKeyPair jobKey(JobIdentity job) {
    return derive(info("user", job, ""));
  }

  /** The SSH host key of one VM of the job. */
  public SshKeyPair hostKey(JobIdentity job, String vmName) {
    return derive(info("host", job, vmName));
  }

  /**
   * HKDF's info: the purpose, then each field with its length in front, so that no two different
   * identities give the same bytes whatever their fields hold (the instance may come from the
   * user's side: an id "4" with instance "2x" must not read as id "42" with instance "x").
   */
  static byte[] info(String purpose, JobIdentity job, String vmName) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    field(out, purpose.getBytes(StandardCharsets.UTF_8));
    field(out, job.jobId().getBytes(StandardCharsets.UTF_8));
    field(out, ByteBuffer.allocate(4).putInt(job.uid()).array());
    field(out, job.instance().getBytes(StandardCharsets.UTF_8));
    field(out, vmName.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private static void field(ByteArrayOutputStream out, byte[] bytes) {
    out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
    out.writeBytes(bytes);
  }

  private SshKeyPair derive(byte[] info) {
    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
    hkdf.init(new HKDFParameters(secret, SALT, info));
    byte[] seed = new byte[Ed25519PrivateKeyParameters.KEY_SIZE];
    hkdf.generateBytes(seed, 0, seed.length);
    Ed25519PrivateKeyParameters priv = new Ed25519PrivateKeyParameters(seed, 0);
    try {
      return encode(priv);
    } catch (IOException e) {
      throw new UncheckedIOException("encode an Ed25519 key: " + e.getMessage(), e);
    }
  }

  private static SshKeyPair encode(Ed25519PrivateKeyParameters priv) throws IOException {
    String pub = "ssh-ed25519 " + Base64.getEncoder().encodeToString(
        OpenSSHPublicKeyUtil.encodePublicKey(priv.generatePublicKey()));
    String b64 = Base64.getMimeEncoder(70, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(OpenSSHPrivateKeyUtil.encodePrivateKey(priv));
    String pem = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + b64 + "\n-----END OPENSSH PRIVATE KEY-----\n";
    return new SshKeyPair(pem, pub);
  }
}
