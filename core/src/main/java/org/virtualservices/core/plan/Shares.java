package org.virtualservices.core.plan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.virtualservices.core.config.Mounts;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.request.MountRequest;
import org.virtualservices.core.request.RequestException;

/**
 * Which host folders a job's VMs get (docs/users.md, "Host folders in the VMs"): the working
 * folder at the same path, the site's folders, and the user's own within the site's roots; none
 * with {@code mounts=none}. Decided from the request and the site's configuration alone, so every
 * node decides alike; what a folder lets the guest do is the job's user's rights, enforced by the
 * virtiofsd that serves it as that user, whatever the roots say.
 */
public final class Shares {

  /** A path the guest's init can take from the seed (docs/appliance.md, "The guest seed contract"). */
  private static final Pattern PLAIN = Pattern.compile("(/[A-Za-z0-9._+@-]+)+");

  private Shares() {
  }

  /**
   * @param workDir the job's working folder, or null when the resource manager gave none
   * @throws RequestException a folder the site does not allow, or a working folder whose path the
   *     guest cannot be given
   */
  public static List<Share> of(Mounts cfg, MountRequest asked, Path workDir) {
    List<MountRequest.Extra> extra = asked == null ? List.of() : asked.extra();
    if (!cfg.enabled()) {
      if (!extra.isEmpty()) {
        throw new RequestException("mounts", "this site shares no host folders into the VMs");
      }
      return List.of();
    }
    if (asked != null && asked.none()) {
      return List.of();
    }
    List<Share> shares = new ArrayList<>();
    if (cfg.workDir() && workDir != null) {
      if (!PLAIN.matcher(workDir.toString()).matches()) {
        throw new RequestException("working folder", Shown.value(workDir.toString()) + " cannot be mounted in the"
            + " VMs: its path has characters other than letters, digits and . _ + @ - (ask mounts=none, or work in"
            + " a folder with a plain name)");
      }
      add(shares, workDir, workDir, false);
    }
    for (Mounts.SiteMount m : cfg.site()) {
      add(shares, m.source(), m.target() == null ? m.source() : m.target(), m.readOnly());
    }
    for (MountRequest.Extra e : extra) {
      Path p = e.path();
      if (cfg.userRoots().isEmpty()) {
        throw new RequestException("mounts", "this site lets users add no folders (" + Shown.value(p.toString())
            + " asked)");
      }
      if (cfg.userRoots().stream().noneMatch(r -> p.startsWith(r.normalize()))) {
        throw new RequestException("mounts", "folder " + Shown.value(p.toString()) + " is not within a root the site"
            + " allows (" + String.join(", ", cfg.userRoots().stream().map(Path::toString).toList()) + ")");
      }
      if (shares.stream().anyMatch(s -> s.target().equals(p))) {
        throw new RequestException("mounts", "folder " + Shown.value(p.toString()) + " is mounted already");
      }
      add(shares, p, p, e.readOnly());
    }
    return List.copyOf(shares);
  }

  private static void add(List<Share> shares, Path source, Path target, boolean readOnly) {
    shares.add(new Share("vcfs" + shares.size(), source, target, readOnly));
  }
}
