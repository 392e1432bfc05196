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
    String out = captured("scontrol-mem.txt");
    String forged = out.replaceFirst("JobName=\\S+", name.replace("\\n", "\n").replace("$", "\\$"));
    Exception e = assertThrows(Exception.class, () -> SlurmJobRecord.parse(jobId(out), forged));
    assertTrue(e instanceof RequestException, e.toString());
    assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
  }

  @Test
  void anotherJobsRecordOrNoneIsTheControllersFault() throws IOException {
    String out = captured("scontrol-mem.txt");
    assertThrows(IllegalStateException.class, () -> SlurmJobRecord.parse("999999", out));
    assertThrows(IllegalStateException.class, () -> SlurmJobRecord.parse("7", ""));
    assertThrows(IllegalStateException.class,
        () -> SlurmJobRecord.parse(jobId(out), out.replaceFirst("UserId=\\S+", "UserId=nobody")));
  }

  @ParameterizedTest
  @CsvSource({"0,0", "512M,512", "512,512", "2G,2048", "1.50G,1536", "1T,1048576", "2048K,2"})
  void sizesAsScontrolPrintsThem(String printed, long mib) {
    assertEquals(mib, SlurmJobRecord.mebibytes(printed));
  }
}
