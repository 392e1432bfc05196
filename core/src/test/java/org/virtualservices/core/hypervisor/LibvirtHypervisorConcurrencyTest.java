package org.virtualservices.core.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One {@link LibvirtHypervisor} used from many threads at once, against libvirt's test driver (the
 * real API, no hypervisor): what teardown relies on to destroy a node's domains in parallel. Each
 * thread must get its own result and its own error, never another thread's: a removal of a domain
 * that is gone says "already gone" (false) while, at the same moment, other threads remove real
 * domains and fail on bad XML.
 */
class LibvirtHypervisorConcurrencyTest {

  private static final int THREADS = 8;
  private static final int ROUNDS = 25;

  private static String xml(String name) {
    return "<domain type='test'><name>" + name + "</name><memory unit='MiB'>64</memory>"
        + "<os><type arch='x86_64'>hvm</type></os></domain>";
  }

  @Test
  void manyThreadsOnOneConnectionEachGetTheirOwnResultsAndErrors() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS * 2);
    try (LibvirtHypervisor hv = LibvirtHypervisor.open("test:///default")) {
      for (int round = 0; round < ROUNDS; round++) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
          String name = "vcpar" + round + "-" + i;
          names.add(name);
          hv.define(name, xml(name));
          hv.start(name);
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> removals = new ArrayList<>();
        List<Future<Boolean>> absent = new ArrayList<>();
        List<Future<String>> badDefines = new ArrayList<>();
        for (String name : names) {
          removals.add(pool.submit(after(go, () -> hv.remove(name))));
          absent.add(pool.submit(after(go, () -> hv.remove(name + "-never-defined"))));
          badDefines.add(pool.submit(after(go, () -> {
            try {
              hv.define(name + "-bad", "<domain type='test'><name>" + name + "-bad</name>");
              return "defined";
            } catch (HypervisorException e) {
              return e.getMessage();
            }
          })));
        }
        go.countDown();
        for (int i = 0; i < names.size(); i++) {
          assertTrue(removals.get(i).get(30, TimeUnit.SECONDS), "removed " + names.get(i));
          assertFalse(absent.get(i).get(30, TimeUnit.SECONDS), "a domain never defined is 'already gone'");
          String bad = badDefines.get(i).get(30, TimeUnit.SECONDS);
          assertTrue(bad.startsWith("define domain " + names.get(i) + "-bad on test:///default: "),
              "each thread's own error: " + bad);
        }
        for (String name : names) {
          assertEquals(DomainState.ABSENT, hv.state(name));
        }
      }
      assertTrue(hv.domains().stream().noneMatch(d -> d.name().startsWith("vcpar")), "nothing left");
    } finally {
      pool.shutdownNow();
    }
  }

  /** Holds every task at the latch so that they hit the connection together. */
  private static <T> Callable<T> after(CountDownLatch go, Callable<T> task) {
    return () -> {
      go.await();
      return task.call();
    };
  }
}
