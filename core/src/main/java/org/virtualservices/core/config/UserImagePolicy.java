package org.virtualservices.core.config;

import java.util.List;

/**
 * Users' own images (docs/hooks.md, "Users' own images"): whether a job may boot {@code user:NAME},
 * where each user's repository is, and what an image in it may be. The layout inside a repository
 * is {@link org.virtualservices.core.images.UserImages}'s.
 */
public record UserImagePolicy(
    @Doc(value = "let users boot images of their own (user:NAME[@REV]); each is checked as the user on every node"
        + " before QEMU sees it", defaultValue = "false") boolean enabled,
    @Doc(value = "each user's repository: an absolute path where {user} is the user's name and {uid} the numeric uid",
        defaultValue = "/home/{user}/.vcluster/images") String repository,
    @Doc(value = "the largest virtual size of a user's image in MiB (limits.maxDiskMiBPerVm applies too)",
        defaultValue = "20480") long maxVirtualMiB,
    @Doc(value = "the formats a user's image may have, by its content: raw, qcow2 or both (no other is allowed)",
        defaultValue = "[raw, qcow2]") List<String> formats,
    @Doc(value = "catalog image whose kernel, initrd, command line, guest configuration and login user users' images"
        + " boot with (absent: each boots from its own disk and reads a nocloud seed)") String bootLike,
    @Doc(value = "GNU find: run as the user, it lists an image's folder and tells what each entry is without"
        + " following a link", defaultValue = "/usr/bin/find") String find) {

  public UserImagePolicy {
    formats = formats == null ? List.of("raw", "qcow2") : List.copyOf(formats);
  }
}
