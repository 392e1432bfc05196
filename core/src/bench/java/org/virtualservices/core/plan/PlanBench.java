package org.virtualservices.core.plan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.config.SiteConfigLoader;
import org.virtualservices.core.fabric.FabricSpec;
import org.virtualservices.core.fabric.JobNetwork;
import org.virtualservices.core.keys.KeyDeriver;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.ResourceManager;
import org.virtualservices.core.request.VcRequest;

/**
 * What every node of a large job computes alone, without talking to the others (docs/hooks.md,
 * "The plan"): the plan, this node's share of the network (its peers and their VMs' MACs), and
 * the host keys of every VM of the job (for known_hosts). Run with {@code mvn -Pbench}
 * (docs/bench.md); the default build does not compile it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx512m"})
public class PlanBench {

  @Param({"16", "64", "256", "1024"})
  public int nodes;

  private SiteConfig site;
  private JobContext job;
  private VcRequest request;
  private Plan plan;
  private KeyDeriver keys;

  @Setup
  public void setUp() {
    site = SiteConfigLoader.parse(String.join("\n",
        "images: {deb: {disk: /img/deb.qcow2}}",
        // a /21 holds the 1,024 VMs of the largest job
        "network: {subnetPool: 10.96.0.0/12, subnetPrefix: 21}"), "bench");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      names.add(String.format("node%04d", i));
    }
    job = new JobContext(ResourceManager.SLURM, "424242", "alice", 1000, 1000, names, names.get(nodes / 2),
        Path.of("/home/alice"), names.stream().map(n -> 4).toList(), null);
    request = new VcRequest("deb", 1, null, 1, "--comment");
    plan = Planner.plan(job, request, site);
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) 7);
    keys = new KeyDeriver(secret);
  }

  /** The whole plan of the job: names, addresses, MACs, taps of every VM on every node. */
  @Benchmark
  public Plan plan() {
    return Planner.plan(job, request, site);
  }

  /** This node's network: its peers (every other node) and their VMs' MACs. */
  @Benchmark
  public FabricSpec fabricSpec() {
    return JobNetwork.spec(plan, job.thisNode(), site.network(), 1000, node -> {
      int i = Integer.parseInt(node.substring("node".length()));
      return "10.78." + (i / 250) + "." + (i % 250 + 1);
    });
  }

  /** Every VM's host key of the job (known_hosts), derived from the site secret. */
  @Benchmark
  public int hostKeys() {
    int n = 0;
    for (VmPlan v : plan.vms()) {
      n += keys.hostKey(new org.virtualservices.core.keys.JobIdentity(job.jobId(), job.uid(), job.instance()), v.name()).publicKey().length();
    }
    return n;
  }
}
