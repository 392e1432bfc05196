package org.virtualservices.core.keys;

/**
 * An Ed25519 key pair in OpenSSH's formats.
 *
 * @param privateKey the private key file's text ({@code -----BEGIN OPENSSH PRIVATE KEY-----})
 * @param publicKey the public key line without comment ({@code ssh-ed25519 AAAA...})
 */
public record SshKeyPair(String privateKey, String publicKey) {

  @Override
  public String toString() {
    return "SshKeyPair[" + publicKey + "]";
  }
}
