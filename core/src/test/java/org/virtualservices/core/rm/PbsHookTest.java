package org.virtualservices.core.rm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.virtualservices.core.request.HookInvocation;
import org.virtualservices.core.request.HookPhase;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.request.VcRequest;

class PbsHookTest {

  static final Accounts ACCOUNTS = new Accounts() {
    @Override
    public OptionalInt uid(String user) {
      return user.equals("alice") ? OptionalInt.of(1001) : OptionalInt.empty();
    }

    @Override
    public OptionalInt gid(String group) {
      return group.equals("hpc") ? OptionalInt.of(2000) : OptionalInt.empty();
    }

    @Override
    public OptionalInt primaryGid(String user) {
      return user.equals("alice") ? OptionalInt.of(2000) : OptionalInt.empty();
    }
  };

  /** Torque prologue arguments (Admin Guide 6.1, Appendix G.3.1). */
  static final List<String> PROLOGUE_ARGS = List.of("123.head", "alice", "hpc", "myjob",
      "nodes=3:ppn=2,walltime=01:00:00", "batch", "proj", "/var/spool/torque/mom_priv/jobs/123.head.SC",
      "n1,n2,n3");

  /** Torque epilogue arguments (Appendix G.3.2): $10 is the exit code. */
  static final List<String> EPILOGUE_ARGS = List.of("123.head", "alice", "hpc", "myjob", "4711",
      "nodes=3:ppn=2", "cput=00:00:01,mem=1kb", "batch", "proj", "3", "/var/spool/torque/mom_priv/jobs/123.head.SC");

  /** The MOM's node file: one line per slot, mother superior first. */
  static final List<String> NODE_FILE = List.of("n1", "n1", "n2", "n2", "n3", "n1");

  final Map<Path, List<String>> files = new HashMap<>();
  final Map<String, Map<String, String>> jobVariables = new HashMap<>();
  final List<String> asked = new ArrayList<>();

  PbsHook hook(String thisNode) {
    PbsVariableList vars = jobId -> {
      asked.add(jobId);
      return jobVariables.getOrDefault(jobId, Map.of());
    };
    PbsHook.NodeFileReader reader = file -> {
      List<String> lines = files.get(file);
      if (lines == null) {
        throw new NoSuchFileException(file.toString());
      }
      return lines;
    };
    return new PbsHook(ACCOUNTS, vars, reader, Path.of("/var/spool/torque"), thisNode);
  }

  void requestInVariableList() {
    jobVariables.put("123.head", Map.of("PBS_O_HOME", "/home/alice", "VC_IMAGE", "debian12", "VC_VCPUS", "2",
        "VC_MEM", "2G", "VC_VMS", "1", "VC_UNRELATED", "x"));
    files.put(Path.of("/var/spool/torque/aux/123.head"), NODE_FILE);
  }

  @Test
  void readsTheRequestFromTheVariableListAndNodesFromTheAuxFile() {
    requestInVariableList();
    HookInvocation call = hook("n1").read(HookPhase.PROLOG, PROLOGUE_ARGS, Map.of());
    assertEquals(Optional.of(new VcRequest("debian12", 2, 2048L, 1, PbsHook.CHANNEL)), call.request());
    assertEquals(new JobContext(ResourceManager.PBS, "123.head", "alice", 1001, 2000, List.of("n1", "n2", "n3"),
        "n1", null, List.of(3, 2, 1), null), call.job());
    assertTrue(call.job().isBatchHost());
    assertEquals(List.of("123.head"), asked);
  }

  @Test
  void anEpilogueWhoseVariableListCannotBeReadStillKnowsTheNodes() {
    files.put(Path.of("/var/spool/torque/aux/123.head"), NODE_FILE);
    PbsHook down = new PbsHook(ACCOUNTS, jobId -> {
      throw new IllegalStateException("qstat: cannot connect to server head");
    }, file -> files.get(file), Path.of("/var/spool/torque"), "n1");
    HookInvocation call = down.read(HookPhase.EPILOG, EPILOGUE_ARGS, Map.of());
    assertTrue(call.request().isEmpty());
    assertEquals(List.of("n1", "n2", "n3"), call.job().nodes());
    assertEquals(1001, call.job().uid());
    assertThrows(IllegalStateException.class, () -> down.read(HookPhase.PROLOG, PROLOGUE_ARGS, Map.of()),
        "a prologue that cannot read the request fails");
  }

  @Test
  void oldTorqueGivesOnlyThreeArguments() {
    requestInVariableList();
    HookInvocation call = hook("n2").read(HookPhase.PROLOG, List.of("123.head", "alice", "hpc"), Map.of());
    assertEquals("n2", call.job().thisNode());
  }

  @Test
  void epilogueReadsTheExitCodeFromArgumentTen() {
    requestInVariableList();
    HookInvocation call = hook("n1").read(HookPhase.EPILOG, EPILOGUE_ARGS, Map.of());
    assertEquals(3, call.job().exitCode());
  }

  @Test
  void pbsNodefileIsUsedWhenSet() {
    requestInVariableList();
    files.put(Path.of("/tmp/nodes.123"), List.of("a.example", "b.example", "", "b.example"));
    HookInvocation call = hook("a").read(HookPhase.PROLOG, PROLOGUE_ARGS, Map.of("PBS_NODEFILE", "/tmp/nodes.123"));
    assertEquals(List.of("a.example", "b.example"), call.job().nodes());
    assertEquals(List.of(1, 2), call.job().cpusPerNode());
    assertEquals("a.example", call.job().thisNode()); // short host name matched to the file's spelling
  }

  @Test
  void variablesInTheEnvironmentWinAndSaveTheQuery() {
    requestInVariableList();
    HookInvocation call = hook("n1").read(HookPhase.PROLOG, PROLOGUE_ARGS, Map.of("VC_IMAGE", "alma9"));
    assertEquals(new VcRequest("alma9", null, null, null, PbsHook.CHANNEL), call.request().orElseThrow());
    assertEquals(List.of(), asked);
  }

  @Test
  void plainJobNeedsNoNodeFileNoAccountsAndNeverFails() {
    HookInvocation call = hook("n1").read(HookPhase.EPILOG, List.of("7.head", "nobody-known", "nogroup", "j", "1",
        "r", "u", "q", "a", "oops"), Map.of());
    assertEquals(Optional.empty(), call.request());
    assertEquals(-1, call.job().uid());
    assertNull(call.job().exitCode());
    assertEquals(List.of("7.head"), asked);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "unknown user         | 123.head,bob,hpc      | n1 | $2",
      "unknown group        | 123.head,alice,staff  | n1 | $3",
      "missing group        | 123.head,alice        | n1 | $3",
      "empty user           | 123.head,,hpc         | n1 | $2",
      "host not in the job  | 123.head,alice,hpc    | n9 | hostname",
      "bad job id           | 123;rm,alice,hpc      | n1 | $1",
  })
  void badCallsWithARequestAreNamed(String what, String args, String host, String field) {
    requestInVariableList();
    List<String> argv = List.of(args.split(",", -1));
    RequestException e = assertThrows(RequestException.class,
        () -> hook(host).read(HookPhase.PROLOG, argv, Map.of()));
    assertEquals(field, e.field(), e.getMessage());
  }

  @Test
  void noArgumentsAtAllIsAnError() {
    assertEquals("$1", assertThrows(RequestException.class,
        () -> hook("n1").read(HookPhase.PROLOG, List.of(), Map.of())).field());
  }

  @Test
  void missingOrEmptyNodeFileIsNamed() {
    jobVariables.put("123.head", Map.of("VC_IMAGE", "debian12"));
    RequestException e = assertThrows(RequestException.class,
        () -> hook("n1").read(HookPhase.PROLOG, PROLOGUE_ARGS, Map.of()));
    assertEquals("node file", e.field());
    assertTrue(e.getMessage().contains("/var/spool/torque/aux/123.head"), e.getMessage());
    files.put(Path.of("/var/spool/torque/aux/123.head"), List.of("", " "));
    assertEquals("node file", assertThrows(RequestException.class,
        () -> hook("n1").read(HookPhase.PROLOG, PROLOGUE_ARGS, Map.of())).field());
  }

  @Test
  void badVariableNamesItsVariableAndKeepsTheJob() {
    jobVariables.put("123.head", Map.of("VC_IMAGE", "debian12", "VC_MEM", "2 GB", "PBS_O_WORKDIR", "/home/alice/run"));
    files.put(Path.of("/var/spool/torque/aux/123.head"), NODE_FILE);
    HookInvocation inv = hook("n1").read(HookPhase.PROLOG, PROLOGUE_ARGS, Map.of());
    assertEquals("VC_MEM", inv.refused().orElseThrow().field());
    assertTrue(inv.request().isEmpty());
    // what the prolog needs to tell the user: where they look, as whom
    assertEquals(Path.of("/home/alice/run"), inv.job().workDir());
    assertTrue(inv.job().isBatchHost());
  }

  @Test
  void badEpilogueExitCodeIsNamed() {
    requestInVariableList();
    List<String> args = new ArrayList<>(EPILOGUE_ARGS);
    args.set(9, "x");
    assertEquals("$10", assertThrows(RequestException.class,
        () -> hook("n1").read(HookPhase.EPILOG, args, Map.of())).field());
  }

  @Test
  void nodeFileReaderErrorsAreReported() {
    jobVariables.put("123.head", Map.of("VC_IMAGE", "debian12"));
    PbsHook failing = new PbsHook(ACCOUNTS, id -> jobVariables.get(id), file -> {
      throw new IOException("Permission denied");
    }, Path.of("/var/spool/torque"), "n1");
    RequestException e = assertThrows(RequestException.class,
        () -> failing.read(HookPhase.PROLOG, PROLOGUE_ARGS, Map.of()));
    assertTrue(e.getMessage().endsWith("Permission denied"), e.getMessage());
  }
}
