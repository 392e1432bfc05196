package org.virtualservices.prolog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.virtualservices.core.fabric.NetworkClashException;
import org.virtualservices.core.report.ReportRefusedException;
import org.virtualservices.core.report.UserCopy;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.ResourceManager;

/** The prolog's one classification of a failure: what the log, the user and the resource manager get. */
class FailureTest {

  static final JobContext JOB = new JobContext(ResourceManager.SLURM, "7", "alice", 1000, 1000, List.of("n1", "n2"),
      "n2", null, List.of(1, 1), null, "i", List.of());
  static final Optional<UserCopy.Target> COPY = Optional.of(new UserCopy.Target(1000, 1000, Path.of("/home/a/vcluster-7")));

  @Test
  void theNodesOwnFailureNamesTheStepKeepsEvidenceAndDrains() {
    Failure f = Failure.of(new IOException("qemu-img: no space"), JOB, "disk of vc7-0", COPY);
    assertEquals("prolog failed on node n2 at step 'disk of vc7-0': qemu-img: no space", f.message());
    assertEquals(Outcome.NODE_FAULT, f.outcome());
    assertTrue(f.keepEvidence());
    assertEquals(COPY, f.copy());
  }

  @Test
  void theUsersDoingTellsThemAndDrainsNothing() {
    Failure f = Failure.of(new IllegalStateException("wrapped", new RequestException("image", "no such image")), JOB,
        "disks", COPY);
    assertTrue(f.message().startsWith("no virtual cluster: "), f.message());
    assertEquals(Outcome.USER_ERROR, f.outcome());
    assertFalse(f.keepEvidence());
  }

  @Test
  void aRefusedCopyIsTheUsersAndTheErrorIsNotCopiedWhereTheCopyFailed() {
    Failure f = Failure.of(new ReportRefusedException("not writable"), JOB, "ready", COPY);
    assertEquals("no virtual cluster: not writable", f.message());
    assertEquals(Outcome.USER_ERROR, f.outcome());
    assertEquals(Optional.empty(), f.copy());
  }

  @Test
  void otherNodesAndClashesAreNotThisNodesFault() {
    Failure peers = Failure.of(new BootWait.PeersNotReadyException("vc7-2 on n3 late"), JOB, "ready", COPY);
    assertEquals("no virtual cluster: vc7-2 on n3 late", peers.message());
    assertEquals(Outcome.PEER_FAULT, peers.outcome());
    assertFalse(peers.keepEvidence());
    Failure clash = Failure.of(new NetworkClashException("VNI 12 is job 6's"), JOB, "fabric", COPY);
    assertEquals("no virtual cluster: refused on node n2: VNI 12 is job 6's", clash.message());
    assertEquals(Outcome.PEER_FAULT, clash.outcome());
    assertFalse(clash.keepEvidence());
    Failure sisters = Failure.of(new Prolog.OtherNodesFailedException(Outcome.NODE_FAULT, "n3 failed"), JOB,
        "sister nodes", COPY);
    assertEquals(Outcome.NODE_FAULT, sisters.outcome());
    assertEquals("no virtual cluster: n3 failed", sisters.message());
    assertFalse(sisters.keepEvidence());
  }
}
