package org.virtualservices.core.plan;

import java.util.regex.Pattern;
import org.virtualservices.core.config.Image;
import org.virtualservices.core.log.Shown;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;

/**
 * The account the job logs in to its VMs as: the image's {@code loginUser}, else the job's own
 * user name, which the guest must be able to create and its seed's shell to read
 * (docs/appliance.md). A name it cannot take ({@code alice@ad.example.org}, a name with spaces)
 * is refused with the plan, before anything is made: the user's (or the site's catalog's) doing,
 * never a node's fault.
 */
public final class GuestLogin {

  /** What useradd and the seed's shell both take: a letter or '_' first, then letters, digits, '.', '_', '-'. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9._-]{0,31}");

  private GuestLogin() {
  }

  public static String of(JobContext job, String imageName, Image image) {
    if (image != null && image.loginUser() != null) {
      return image.loginUser();
    }
    String user = job.user();
    if (user == null || !NAME.matcher(user).matches()) {
      throw new RequestException("user", "the job's user name '" + Shown.value(user) + "' cannot be a login in the"
          + " guest (a letter or '_', then letters, digits, '.', '_', '-', at most 32); the site can give image '"
          + imageName + "' a loginUser");
    }
    return user;
  }
}
