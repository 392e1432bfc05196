package org.virtualservices.prolog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.virtualservices.core.checkpoint.Restorable;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.hypervisor.Hypervisor;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.plan.StatePaths;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.runtime.NodeServices;

/**
 * A VM started from its checkpoint instead of booted (docs/hooks.md, "Checkpoints"): restored by
 * libvirt from its saved state into this run's definition (its overlay, seed and console here, the
 * job's new bridge; the same MAC and UUID), paused until its memory limit is set, then running;
 * then its clock set through the guest agent when the image has one, since the guest's clock
 * stood still while it was saved.
 */
final class Restored {

  private Restored() {
  }

  static void start(Hypervisor hv, NodeServices s, JobLog log, Restorable r, VmPlan v, Path nodeDir) {
    SiteConfig cfg = s.config();
    String xml;
    try {
      xml = Files.readString(StatePaths.domainXml(nodeDir, v.name()));
    } catch (IOException e) {
      throw new UncheckedIOException("read " + v.name() + "'s definition: " + e.getMessage(), e);
    }
    hv.restore(v.name(), r.state(v), Optional.of(xml), cfg.domain().memoryHardLimit()
        ? cfg.domain().hardLimitMiB(v.memoryMiB()) : 0);
    if (hv.setGuestTime(v.name(), s.clock().instant().getEpochSecond())) {
      log.info("{0} restored from its checkpoint, its clock set by the guest agent", v.name());
    } else {
      log.info("{0} restored from its checkpoint; no guest agent set its clock (docs/users.md, \"Checkpoint at"
          + " requeue\")", v.name());
    }
  }
}
