package org.virtualservices.core.testing;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class NoSkipInCiTest {

  private static final ExtensionContext CONTEXT = (ExtensionContext) Proxy.newProxyInstance(
      NoSkipInCiTest.class.getClassLoader(), new Class<?>[] {ExtensionContext.class},
      (proxy, method, args) -> method.getName().equals("getDisplayName") ? "SshdTest" : null);

  @Test
  void aSkipInBeforeAllFailsInCiWithItsReason() {
    AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> new NoSkipInCi(Map.of("CI", "true"))
        .handleBeforeAllMethodExecutionException(CONTEXT, new TestAbortedException("needs sshd")));
    assertTrue(e.getMessage().contains("SshdTest: needs sshd"), e.getMessage());
  }

  @Test
  void aSkipInATestFailsInCi() {
    assertThrows(AssertionFailedError.class, () -> new NoSkipInCi(Map.of("CI", "true"))
        .handleTestExecutionException(CONTEXT, new TestAbortedException("needs nft")));
  }

  @Test
  void aSkipStaysASkipOutsideCi() {
    TestAbortedException skip = new TestAbortedException("needs sshd");
    assertSame(skip, assertThrows(TestAbortedException.class,
        () -> new NoSkipInCi(Map.of("CI", "false")).handleBeforeEachMethodExecutionException(CONTEXT, skip)));
  }

  @Test
  void otherFailuresPassThroughUnchanged() {
    IllegalStateException e = new IllegalStateException("boom");
    assertInstanceOf(IllegalStateException.class, new NoSkipInCi(Map.of("CI", "true")).failIfSkipped(CONTEXT, e));
    assertSame(e, new NoSkipInCi(Map.of("CI", "true")).failIfSkipped(CONTEXT, e));
  }
}
