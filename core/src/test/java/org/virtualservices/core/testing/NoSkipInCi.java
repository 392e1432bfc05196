package org.virtualservices.core.testing;

import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * In CI ({@code CI=true}), a test that skips itself fails instead, with its reason. The tests of
 * real components (sshd, network namespaces, nftables, getent, ssh-keygen) skip on a developer's
 * machine that lacks them; CI installs everything they need (tests/lib/deps.sh), so a skip there
 * means a missing install step, and a run that passes without them would prove nothing. An
 * assumption in a {@code @BeforeAll} skips a whole class without a "skipped" count, so this is
 * checked where the assumption is thrown, not by counting afterwards.
 *
 * <p>Registered for every test class through JUnit's extension auto-detection
 * ({@code META-INF/services}, enabled in the parent pom's surefire configuration).
 */
public final class NoSkipInCi implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {

  private final boolean ci;

  public NoSkipInCi() {
    this(System.getenv());
  }

  NoSkipInCi(Map<String, String> env) {
    this.ci = "true".equalsIgnoreCase(env.getOrDefault("CI", ""));
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable t) throws Throwable {
    throw failIfSkipped(context, t);
  }

  @Override
  public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
    throw failIfSkipped(context, t);
  }

  @Override
  public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
    throw failIfSkipped(context, t);
  }

  /** The failure to report instead of {@code t} when it is a skip in CI; else {@code t} itself. */
  Throwable failIfSkipped(ExtensionContext context, Throwable t) {
    if (!ci || !(t instanceof TestAbortedException)) {
      return t;
    }
    return new AssertionFailedError("skipped in CI, where every real-component test must run: "
        + context.getDisplayName() + ": " + t.getMessage() + " (install what it needs in tests/lib/deps.sh)", t);
  }
}
