package org.virtualservices.core.ready;

import java.time.Duration;

/** Waiting, injected so that tests never really sleep. */
@FunctionalInterface
public interface Sleeper {

  Sleeper REAL = d -> Thread.sleep(d.toMillis());

  void sleep(Duration d) throws InterruptedException;
}
