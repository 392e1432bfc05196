package org.virtualservices.core.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The connection opened in the background, against libvirt's test driver (the real API). */
class OpeningHypervisorTest {

  private static String xml(String name) {
    return "<domain type='test'><name>" + name + "</name><memory unit='MiB'>64</memory>"
        + "<os><type arch='x86_64'>hvm</type></os></domain>";
  }

  @Test
  void returnsBeforeTheConnectionIsOpenAndItsCallsWaitForIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<LibvirtHypervisor> opened = new AtomicReference<>();
    OpeningHypervisor hv = heldBack(release, opened);
    // the hook goes on with its work while the connection is held back
    assertEquals("test:///default", hv.uri());
    assertEquals(null, opened.get());
    Thread caller = new Thread(() -> hv.define("opening-1", xml("opening-1")));
    caller.start();
    caller.join(300);
    assertTrue(caller.isAlive(), "a call waits for the connection");
    release.countDown();
    caller.join(10_000);
    assertFalse(caller.isAlive());
    hv.start("opening-1");
    assertEquals(DomainState.RUNNING, hv.state("opening-1"));
    assertTrue(hv.remove("opening-1"));
    assertSame(opened.get(), hv.connection());
    hv.close();
    assertThrows(RuntimeException.class, () -> opened.get().domains(), "close closed the real connection");
  }

  @Test
  void aConnectionThatCouldNotBeOpenedFailsEveryCallWithItsOwnErrorAndCloseIsQuiet() {
    AtomicInteger attempts = new AtomicInteger();
    OpeningHypervisor hv = OpeningHypervisor.open("qemu+unix:///system?socket=/nonexistent/libvirt-sock", uri -> {
      attempts.incrementAndGet();
      return LibvirtHypervisor.open(uri);
    });
    HypervisorException first = assertThrows(HypervisorException.class, () -> hv.define("x", xml("x")));
    HypervisorException second = assertThrows(HypervisorException.class, hv::domains);
    assertSame(first, second, "the opening's own error, not a new one per call");
    assertTrue(first.getMessage().contains("/nonexistent/libvirt-sock"), first.getMessage());
    assertEquals(1, attempts.get(), "opened once");
    hv.close();
  }

  @Test
  void closeWaitsForAConnectionStillOpeningAndClosesIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<LibvirtHypervisor> opened = new AtomicReference<>();
    OpeningHypervisor hv = heldBack(release, opened);
    Thread closer = new Thread(hv::close);
    closer.start();
    closer.join(300);
    assertTrue(closer.isAlive(), "close waits rather than leaving a connection behind");
    release.countDown();
    closer.join(10_000);
    assertFalse(closer.isAlive());
    assertThrows(RuntimeException.class, () -> opened.get().domains(), "the late connection was closed");
  }

  /** The test driver's connection, opened once {@code release} is counted down, and kept in {@code opened}. */
  private static OpeningHypervisor heldBack(CountDownLatch release, AtomicReference<LibvirtHypervisor> opened) {
    return OpeningHypervisor.open("test:///default", uri -> {
      await(release);
      LibvirtHypervisor real = LibvirtHypervisor.open(uri);
      opened.set(real);
      return real;
    });
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(10, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
