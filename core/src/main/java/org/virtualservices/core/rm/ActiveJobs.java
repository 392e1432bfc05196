package org.virtualservices.core.rm;

import java.util.Set;

/**
 * The jobs the resource manager still knows (pending, running, completing): the sweep removes
 * only what belongs to none of them. Never asked from a hook, only by the admin's sweep.
 */
@FunctionalInterface
public interface ActiveJobs {

  /**
   * @throws IllegalStateException when the resource manager cannot be asked: the sweep then does
   *     nothing, since it cannot tell a running job from a gone one
   */
  Set<String> ids();
}
