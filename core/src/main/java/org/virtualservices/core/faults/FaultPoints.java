package org.virtualservices.core.faults;

/**
 * Named points in the prolog (after each journal write and each resource made) where a test can
 * make it fail or die, to prove that the epilog leaves nothing whatever point it died at. Off in
 * production: {@link #NONE}. A package of its own, used by the prolog, teardown and the wiring,
 * so that teardown does not depend on the wiring package; it stays in the product because the
 * wiring turns it on from the site configuration's test-only {@code testing} keys.
 */
@FunctionalInterface
public interface FaultPoints {

  FaultPoints NONE = point -> { };

  /** Called when the prolog reaches {@code point}, e.g. {@code fabric} or {@code start:vc42-0}. */
  void reached(String point);

  /** The site configuration's test-only setting: none unless {@code testing.faultPoint} is set. */
  static FaultPoints from(org.virtualservices.core.config.Testing testing) {
    if (testing == null || testing.faultPoint() == null) {
      return NONE;
    }
    return point -> {
      if (point.equals(testing.faultPoint())) {
        if (testing.faultAction() == org.virtualservices.core.config.Testing.FaultAction.die) {
          // as kill -9: no finally block, no shutdown hook, no rollback
          Runtime.getRuntime().halt(137);
        }
        throw new IllegalStateException("fault injected at " + point + " (testing.faultPoint)");
      }
    };
  }
}
