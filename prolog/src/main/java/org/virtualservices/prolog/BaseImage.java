package org.virtualservices.prolog;

import org.virtualservices.core.config.Image;

/**
 * What the job's overlays sit on: a catalog image, or a user's image as the check found it.
 *
 * @param image the disk, its format and how it boots
 * @param checkedBytes a user's image: the virtual size the check found, which each overlay gets so
 *     that a file swapped after the check cannot grow the disk, and root never opens the user's
 *     file to learn it; 0 for a catalog image (the overlay takes its base's size)
 */
record BaseImage(Image image, long checkedBytes) {

  boolean usersOwn() {
    return checkedBytes > 0;
  }
}
