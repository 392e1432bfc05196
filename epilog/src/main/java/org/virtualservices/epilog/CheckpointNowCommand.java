package org.virtualservices.epilog;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.virtualservices.core.checkpoint.ManualCheckpoint;
import org.virtualservices.core.config.ConfigException;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.SiteConfigLoader;
import org.virtualservices.core.log.JobLog;
import org.virtualservices.core.plan.StatePaths;
import org.virtualservices.core.runtime.NodeServices;
import org.virtualservices.core.runtime.Wiring;

/**
 * {@code vcluster-epilog --checkpoint-now VALUE --job ID --uid UID}: the root helper of
 * {@code vcluster checkpoint} on one node ({@link ManualCheckpoint}), started by the SPANK plugin
 * alone (spank/src/vcluster_spank.c, {@code slurm_spank_task_init_privileged}) with exactly these
 * arguments and a clean environment: the site file is the default one. Its log lines go to the
 * job's log on the node only; stdout, which the plugin shows the user, gets one result line.
 */
final class CheckpointNowCommand {

  static final String OPTION = "--checkpoint-now";

  private final PrintStream out;
  private final BiFunction<SiteConfig, JobLog, NodeServices> wiring;
  private final Clock clock;

  CheckpointNowCommand(PrintStream out, BiFunction<SiteConfig, JobLog, NodeServices> wiring, Clock clock) {
    this.out = out;
    this.wiring = wiring;
    this.clock = clock;
  }

  static CheckpointNowCommand production(PrintStream out) {
    return new CheckpointNowCommand(out, Wiring::production, Clock.systemUTC());
  }

  /** @return 0 when the checkpoint was taken (and the VMs run on, unless stopped), 1 otherwise, 2 for bad arguments */
  int run(List<String> args, Map<String, String> env) {
    if (args.size() != 6 || !args.get(0).equals(OPTION) || !args.get(2).equals("--job") || !args.get(4).equals("--uid")
        || !args.get(5).matches("[0-9]{1,10}") || Long.parseLong(args.get(5)) > Integer.MAX_VALUE) {
      out.println("vcluster checkpoint: refused: the helper is run by the SPANK plugin alone (" + OPTION
          + " VALUE --job ID --uid UID)");
      return 2;
    }
    String node = null;
    JobLog log = new JobLog("vcluster-checkpoint", "checkpoint", new PrintStream(OutputStream.nullOutputStream()), clock,
        false);
    try {
      SiteConfig config = SiteConfigLoader.load(SiteConfigLoader.locate(java.util.Optional.empty(), env));
      node = node(StatePaths.of(config), args.get(3));
      ManualCheckpoint.Result r = new ManualCheckpoint(wiring.apply(config, log), log)
          .run(args.get(3), Integer.parseInt(args.get(5)), args.get(1), node);
      out.println(r.line());
      return r.ok() ? 0 : 1;
    } catch (ConfigException e) {
      out.println((node == null ? "" : node + ": ") + "no checkpoint: the site configuration cannot be read");
      return 1;
    } catch (IOException | RuntimeException e) {
      log.error("vcluster checkpoint: {0}", String.valueOf(e.getMessage()));
      out.println((node == null ? "" : node + ": ") + "no checkpoint: " + e.getMessage());
      return 1;
    }
  }

  /**
   * This node's name in the job: the short host name, as the sweep takes it; where the job's state
   * folder has no folder of that name, its only node folder (root's tree: no user names it).
   */
  static String node(StatePaths paths, String jobId) throws IOException {
    String host = java.net.InetAddress.getLocalHost().getHostName();
    String shortName = host.contains(".") ? host.substring(0, host.indexOf('.')) : host;
    Path job;
    try {
      job = paths.job(jobId);
    } catch (IllegalArgumentException e) {
      return shortName;
    }
    if (Files.isDirectory(job.resolve(shortName), LinkOption.NOFOLLOW_LINKS) || !Files.isDirectory(job,
        LinkOption.NOFOLLOW_LINKS)) {
      return shortName;
    }
    try (Stream<Path> list = Files.list(job)) {
      List<Path> nodes = list.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
      return nodes.size() == 1 ? nodes.get(0).getFileName().toString() : shortName;
    }
  }
}
