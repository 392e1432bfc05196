package org.virtualservices.core.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportWriterJsonTest {

  @Test
  void theReportIsTheJsonThatDataBindingWrites() throws Exception {
    // scripts (and `vcluster status`) read vcluster-<job>.json: the same text as before
    Map<String, Object> vm = new LinkedHashMap<>();
    vm.put("name", "vc42-0");
    vm.put("ip", "10.111.42.2");
    vm.put("vcpus", 2);
    vm.put("memoryMiB", 4_294_967_296L);
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("job", "42");
    report.put("user", "ann \"quoted\" \u00e9\n");
    report.put("nodes", List.of(Map.of("name", "n1", "vms", List.of(vm)), Map.of("name", "n2", "vms", List.of())));
    report.put("gateway", null);
    report.put("ready", true);
    report.put("timings", Map.of("config", 0.069, "start", 0.3));
    report.put("empty", Map.of());
    report.put("mixed", Arrays.asList(1, "two", null, 3.5));
    String bound = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
    assertEquals(bound, ReportWriter.indented(report));
  }
}
