package org.virtualservices.core.save;

import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.request.RequestException;

/**
 * Whether this site lets a job save a VM's disk (docs/hooks.md, "Saving a VM's disk"): checked
 * where the rest of a request is ({@code vcluster validate}, {@code vcluster submit}, the SPANK
 * plugin through the validator, the prolog's admission), so a save the site cannot do is refused
 * before the job runs, and again for {@code vcluster save} in the job.
 */
public final class SavePolicy {

  private SavePolicy() {
  }

  /**
   * @param field the name the user typed ({@code save}, {@code vc-save}, {@code vcluster save})
   * @param name the image to save into; null: no save asked, nothing to check
   * @throws RequestException when the site cannot save it
   */
  public static void check(String field, String name, SiteConfig site) {
    if (name == null) {
      return;
    }
    if (site.userImages() == null || !site.userImages().enabled()) {
      throw new RequestException(field, "this site keeps no users' images (userImages.enabled is false): the disk"
          + " cannot be saved as '" + Shown.value(name) + "'");
    }
    if (site.domain() != null && site.domain().qemuUser() != null) {
      // the overlay is then QEMU's account's, which the user's qemu-img cannot open (DiskSave)
      throw new RequestException(field, "this site runs QEMU as '" + Shown.value(site.domain().qemuUser())
          + "' (domain.qemuUser), not as the job's user: a VM's disk cannot be saved");
    }
    if (!site.userImages().formats().contains("qcow2")) {
      throw new RequestException(field, "this site's users' images may not be qcow2 (userImages.formats), which is"
          + " what a save writes");
    }
  }
}
