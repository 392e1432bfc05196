package org.virtualservices.core.keys;

import java.util.Objects;

/**
 * What tells one job from every other that ever ran at the site, as every node of the job sees it
 * without asking another: its id, its owner's uid, and its instance, a value the resource manager
 * gives every node alike that differs between two jobs with the same id (Slurm: the job's submit
 * time as the controller records it; docs/hooks.md "Keys without communication").
 *
 * <p>The id alone repeats: Slurm's ids wrap at {@code MaxJobId} and restart after a controller's
 * state is lost, PBS's likewise. The uid makes a repeated id of another user derive other keys;
 * the instance makes a repeated id of the same uid (a new owner of a recycled uid, say) do so too.
 *
 * @param jobId the job id as the resource manager spells it
 * @param uid the job owner's uid
 * @param instance the job's instance; empty when the resource manager gives none (then only the id
 *     and the uid tell jobs apart)
 */
public record JobIdentity(String jobId, int uid, String instance) {

  public JobIdentity {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(instance, "instance");
    if (uid < 0) {
      throw new IllegalArgumentException("job " + jobId + ": no uid (" + uid + "), and its keys depend on it");
    }
  }
}
