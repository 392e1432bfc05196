package org.virtualservices.core.plan;

import java.nio.file.Path;
import org.virtualservices.core.config.Image;
import org.virtualservices.core.config.SiteConfig;

/**
 * How a user's image boots: as the catalog image {@code userImages.bootLike} (its kernel, initrd,
 * command line, guest configuration and login user) or, without one, from its own disk with a
 * nocloud seed and the job's own user name. Only the disk is the user's.
 */
public final class UserImageBoot {

  private UserImageBoot() {
  }

  /**
   * The catalog-like entry of a user's image.
   *
   * @param disk the checked revision, or null before it is known (the plan needs the boot settings only)
   * @param format its checked format ({@code raw} or {@code qcow2}), or null with {@code disk}
   */
  public static Image image(SiteConfig site, Path disk, String format, String description) {
    String like = site.userImages().bootLike();
    Image b = like == null ? null : site.images().get(like);
    if (b == null) {
      return new Image(disk, format, null, null, "console=ttyS0", Image.GuestConfig.nocloud, null, description);
    }
    return new Image(disk, format, b.kernel(), b.initrd(), b.cmdline(), b.guestConfig(), b.loginUser(), description);
  }
}
