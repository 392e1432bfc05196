package org.virtualservices.core.request;

import java.nio.file.Path;
import java.util.List;

/**
 * What a job asks of the host folders shared into its VMs ({@code mounts=}, {@code --vc-mount},
 * {@code vcluster submit --mount}; docs/users.md, "Host folders in the VMs"): nothing at all
 * ({@code none}: not even the working folder), or more folders, each at the same path inside.
 *
 * @param none the job wants no host folder in its VMs
 * @param extra folders to add, each within a root the site allows (checked against the site's
 *     configuration later, as the rest of the request)
 */
public record MountRequest(boolean none, List<Extra> extra) {

  /** No folder at all. */
  public static final MountRequest NONE = new MountRequest(true, List.of());

  public MountRequest {
    extra = List.copyOf(extra);
  }

  /** As the user writes it, and {@link RequestParser#mounts} reads it back: {@code none}, or {@code PATH[=ro][:PATH...]}. */
  public String text() {
    if (none) {
      return "none";
    }
    return String.join(":", extra.stream().map(e -> e.path() + (e.readOnly() ? "=ro" : "")).toList());
  }

  /** A folder the user adds: its absolute path, the same on the host and in the VMs. */
  public record Extra(Path path, boolean readOnly) {
  }
}
