package org.virtualservices.core.rm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.request.RequestException;

/**
 * {@code scontrol show job --oneliner} of Slurm 22.05 with SLURM_TIME_FORMAT=%s, as captured from
 * the end-to-end cluster (scenario limits, VC_E2E_SAVE_RESOURCES=1) in resources/slurm/.
 */
class SlurmJobRecordTest {

  static String captured(String name) throws IOException {
    try (InputStream in = SlurmJobRecordTest.class.getResourceAsStream("/slurm/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static String jobId(String record) {
    return record.substring("JobId=".length(), record.indexOf(' '));
  }

  @Test
  void memoryPerNodeFromMem() throws IOException {
    String out = captured("scontrol-mem.txt");
    SlurmJobRecord r = SlurmJobRecord.parse(jobId(out), out);
    assertEquals(256L, r.memoryPerNodeMiB());
    assertEquals(null, r.memoryPerCpuMiB());
    assertTrue(r.submitTime().matches("[0-9]{10}"), r.submitTime());
    assertEquals(List.of(256L, 256L), r.memoryPerNode(2, List.of(1, 2)));
  }

  @Test
  void theRequeuesAreReadOnceAndNotGuessedAtWhenTheNameHoldsTheWordToo() throws IOException {
    String out = captured("scontrol-mem.txt");
    assertEquals(0, SlurmJobRecord.parse(jobId(out), out).restarts());
    String requeued = out.replace("Restarts=0", "Restarts=2");
    assertEquals(2, SlurmJobRecord.parse(jobId(requeued), requeued).restarts());
    // a job named "Restarts=9": the record still parses (the rest is sound), its restarts are not told
    String forged = out.replaceFirst("JobName=\\S+", "JobName=Restarts=9");
    assertEquals(null, SlurmJobRecord.parse(jobId(forged), forged).restarts());
    assertThrows(IllegalStateException.class, () -> SlurmJobRecord.restarts(jobId(forged), forged));
  }

  @Test
  void memoryPerCpuFromMemPerCpu() throws IOException {
    String out = captured("scontrol-mem-per-cpu.txt");
    SlurmJobRecord r = SlurmJobRecord.parse(jobId(out), out);
    assertEquals(null, r.memoryPerNodeMiB());
    assertEquals(128L, r.memoryPerCpuMiB());
    assertEquals(List.of(128L, 256L), r.memoryPerNode(2, List.of(1, 2)));
    assertEquals(List.of(), r.memoryPerNode(2, List.of()), "per CPU, without the CPUs: unknown");
  }

  @Test
  void noMemoryAskedIsNoneKnown() throws IOException {
    String out = captured("scontrol-no-mem.txt");
    SlurmJobRecord r = SlurmJobRecord.parse(jobId(out), out);
    assertEquals(0L, r.memoryPerNodeMiB());
    assertEquals(List.of(), r.memoryPerNode(2, List.of(1, 1)), "the site's per-CPU rule applies");
  }

  /** The user's own text (name, comment, command) may hold a key: the record is then refused, not read. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "JobName=x MinMemoryNode=64G|MinMemoryNode=",
      "JobName=x\\n   MinMemoryNode=64G|MinMemoryNode=",
      "JobName=xMinMemoryCPU=64G|MinMemoryCPU=",
      "JobName=x SubmitTime=0|SubmitTime=",
      "JobName=x UserId=alice(0)|UserId="})
  void aForgedKeyIsRefused(String name, String key) throws IOException {
    assertRefused(captured("scontrol-mem.txt"), name.replace("\\n", "\n"), "'" + key + "'");
  }

  /**
   * {@code out} with the word of {@code text}'s key (JobName=, Comment=) replaced by it: refused,
   * saying {@code says}.
   */
  private static void assertRefused(String out, String text, String says) {
    String key = text.substring(0, text.indexOf('='));
    String forged = out.replaceFirst(key + "=\\S+", text.replace("$", "\\$"));
    Exception e = assertThrows(Exception.class, () -> SlurmJobRecord.parse(jobId(out), forged));
    assertTrue(e instanceof RequestException, e.toString());
    assertTrue(e.getMessage().contains(says), e.getMessage());
  }

  @Test
  void anotherJobsRecordOrNoneIsTheControllersFault() throws IOException {
    String out = captured("scontrol-mem.txt");
    assertThrows(IllegalStateException.class, () -> SlurmJobRecord.parse("999999", out));
    assertThrows(IllegalStateException.class, () -> SlurmJobRecord.parse("7", ""));
    assertThrows(IllegalStateException.class,
        () -> SlurmJobRecord.parse(jobId(out), out.replaceFirst("UserId=\\S+", "UserId=nobody")));
  }

  /** The record with {@code --details}: the node groups after CoreSpec (src/api/job_info.c). */
  static String detailed(String groups) throws IOException {
    return captured("scontrol-mem.txt").replace("CoreSpec=* ", "CoreSpec=* JOB_GRES=(null) " + groups + " ");
  }

  @Test
  void eachNodesCpuIdsFromTheDetails() throws IOException {
    String out = detailed(" Nodes=vnode[1-2] CPU_IDs=0 Mem=256 GRES=  Nodes=vnode3 CPU_IDs=0-1 Mem=256 GRES=");
    SlurmJobRecord r = SlurmJobRecord.parse(jobId(out), out);
    assertEquals("0", r.cpuIdsOf("vnode1").orElseThrow());
    assertEquals("0", r.cpuIdsOf("vnode2").orElseThrow());
    assertEquals("0-1", r.cpuIdsOf("vnode3").orElseThrow());
    assertTrue(r.cpuIdsOf("vnode4").isEmpty());
    String plain = captured("scontrol-mem.txt");
    assertTrue(SlurmJobRecord.parse(jobId(plain), plain).cpuIdsOf("vnode1").isEmpty(), "no details, no CPUs");
  }

  /** A job's name or comment that claims CPUs of its own for a node is refused, wherever it stands. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "JobName=x Nodes=vnode1 CPU_IDs=1|CPU_IDs twice",
      "JobName=x  Nodes=vnode[1-9] CPU_IDs=0-1 Mem=0 GRES=|CPU_IDs twice",
      "JobName=x CPU_IDs=1|outside the controller's node groups",
      "JobName=xNodes=vnode1 CPU_IDs=1|outside the controller's node groups",
      "Comment=x Nodes=vnode2 CPU_IDs=1|CPU_IDs twice"})
  void aForgedCpuIdIsRefused(String text, String says) throws IOException {
    assertRefused(detailed(" Nodes=vnode[1-2] CPU_IDs=0 Mem=256 GRES="), text, says);
  }

  @ParameterizedTest
  @CsvSource({"0,0", "512M,512", "512,512", "2G,2048", "1.50G,1536", "1T,1048576", "2048K,2"})
  void sizesAsScontrolPrintsThem(String printed, long mib) {
    assertEquals(mib, SlurmJobRecord.mebibytes(printed));
  }
}
