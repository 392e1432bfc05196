package org.virtualservices.core.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.virtualservices.core.request.HookInvocation;
import org.virtualservices.core.request.HookPhase;
import org.virtualservices.core.request.ResourceManager;

class HookCliTest {

  @TempDir
  Path tmp;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  HookCli parse(String... args) {
    return HookCli.parse("vcluster-prolog", true, List.of(args), new PrintStream(err, true, StandardCharsets.UTF_8))
        .orElse(null);
  }

  int checkConfig(String... args) {
    HookCli cli = parse(args);
    return cli.configCommands(Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).orElseThrow();
  }

  String errors() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void checkConfigWithPbsNamesTheMissingFanOutFiles() throws IOException {
    Path config = tmp.resolve("site.yaml");
    Files.writeString(config, String.join("\n", "pbs:", "  sshIdentity: " + tmp.resolve("nokey"),
        "  sshKnownHosts: " + tmp.resolve("nohosts"), "  sisterTimeoutSeconds: 100", "boot:",
        "  timeoutSeconds: 120", ""));
    assertEquals(2, checkConfig("--config", config.toString(), "--check-config", "--pbs"));
    assertTrue(errors().contains("pbs.sshIdentity: " + tmp.resolve("nokey") + " (the mother superior's key for the"
        + " sister nodes) is missing or unreadable"), errors());
    assertTrue(errors().contains("pbs.sshKnownHosts: " + tmp.resolve("nohosts")), errors());
    assertTrue(errors().contains("pbs.sisterTimeoutSeconds: 100 leaves a sister no time beyond boot.timeoutSeconds"
        + " 120"), errors());
  }

  @Test
  void checkConfigWithoutPbsDoesNotAskForTheFanOutFiles() throws IOException {
    Path config = tmp.resolve("site.yaml");
    Files.writeString(config, "pbs:\n  sshIdentity: " + tmp.resolve("nokey") + "\n");
    checkConfig("--config", config.toString(), "--check-config");
    assertFalse(errors().contains("pbs."), errors());
  }

  @Test
  void badFanOutKeysAreRefusedWhenTheConfigurationIsRead() throws IOException {
    Path config = tmp.resolve("site.yaml");
    Files.writeString(config, String.join("\n", "pbs:", "  sshPort: 0", "  maxParallel: 0",
        "  sisterProlog: vcluster-prolog", "  sshIdentity: id_ed25519", "  sshUser: 'root;'",
        "  sshAddresses: {n1: 'a b'}", ""));
    assertEquals(2, checkConfig("--config", config.toString(), "--check-config"));
    for (String key : List.of("pbs.sshPort", "pbs.maxParallel", "pbs.sisterProlog", "pbs.sshIdentity",
        "pbs.sshUser", "pbs.sshAddresses.n1")) {
      assertTrue(errors().contains(key + ":"), key + " in " + errors());
    }
  }

  @Test
  void aSisterCallIsPbsAndReadsTheJobFromItsArguments() {
    HookCli cli = parse("--pbs-sister", "--node", "n2", "--nodes", "n1,n2", "--slots", "4,4", "--uid", "1001",
        "--gid", "2000", "--vc-image", "tiny", "--vc-vms", "2", "9.head", "alice");
    assertEquals(ResourceManager.PBS, cli.resourceManager());
    assertTrue(cli.isSister());
    assertFalse(cli.isMotherSuperior());
    HookInvocation inv = cli.sisterCall().invocation(HookPhase.PROLOG);
    assertEquals("n2", inv.job().thisNode());
    assertEquals(List.of(4, 4), inv.job().cpusPerNode());
    assertEquals(2, inv.request().orElseThrow().vmsPerNode());
  }

  @Test
  void pbsAndSisterModeExcludeEachOther() {
    assertNull(parse("--pbs", "--pbs-sister", "1", "u"));
    assertTrue(errors().contains("exclude each other"), errors());
  }
}
