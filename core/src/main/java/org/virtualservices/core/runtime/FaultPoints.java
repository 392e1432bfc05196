package org.virtualservices.core.runtime;

/**
 * Named points in the prolog (after each journal write and each resource made) where a test can
 * make it fail or die, to prove that the epilog leaves nothing whatever point it died at. Off in
 * production: {@link #NONE}.
 */
@FunctionalInterface
public interface FaultPoints {

  FaultPoints NONE = point -> { };

  /** Called when the prolog reaches {@code point}, e.g. {@code fabric} or {@code start:vc42-0}. */
  void reached(String point);
}
