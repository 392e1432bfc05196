package org.virtualservices.core.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplatesTest {

  static final Map<String, Object> HOSTS = Map.of("vms", List.of(
      Map.of("name", "vc7-1", "vcpus", 2),
      Map.of("name", "vc7-2", "vcpus", 2)));

  @Test
  void aSiteFolderOverridesTheShippedTemplateAndTheOthersStayShipped(@TempDir Path site) throws IOException {
    Files.writeString(site.resolve("hostfile.ftl"), "<#list vms as h>site ${h.name}\n</#list>");
    Templates t = new Templates(List.of(site, site.resolve("absent")));
    t.prepare(List.of("hostfile.ftl", "ssh_config.ftl"));

    assertEquals("site vc7-1\nsite vc7-2\n", t.render("hostfile.ftl", HOSTS));
    String shipped = Templates.shipped().render("hostfile.ftl", HOSTS);
    assertTrue(shipped.contains("vc7-1") && !shipped.contains("site"), shipped);
  }

  @Test
  void renderingAfterPrepareGivesWhatRenderingAloneGives() {
    Templates prepared = Templates.shipped();
    prepared.prepare(List.of("hostfile.ftl"));
    assertEquals(Templates.shipped().render("hostfile.ftl", HOSTS), prepared.render("hostfile.ftl", HOSTS));
  }

  @Test
  void aMissingTemplateIsReportedByItsRenderNotLostInPrepare() {
    Templates t = Templates.shipped();
    t.prepare(List.of("no-such.ftl", "hostfile.ftl"));
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> t.render("no-such.ftl", Map.of()));
    assertTrue(e.getMessage().contains("no-such.ftl"), e.getMessage());
    assertTrue(t.render("hostfile.ftl", HOSTS).contains("vc7-2"));
  }

  @Test
  void aTemplateErrorNamesTheTemplate(@TempDir Path site) throws IOException {
    Files.writeString(site.resolve("hostfile.ftl"), "${missing.field}");
    Templates t = new Templates(List.of(site));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.render("hostfile.ftl", Map.of()));
    assertTrue(e.getMessage().contains("hostfile.ftl"), e.getMessage());
  }

  @Test
  void threadsRenderingAtOnceWhileItIsSetUpAllGetTheSameResult() throws Exception {
    String expected = Templates.shipped().render("hostfile.ftl", HOSTS);
    for (int round = 0; round < 20; round++) {
      Templates t = Templates.shipped();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        t.prepare(List.of("hostfile.ftl"));
        List<Future<String>> renders = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          renders.add(pool.submit(() -> t.render("hostfile.ftl", HOSTS)));
        }
        for (Future<String> r : renders) {
          assertEquals(expected, r.get());
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
