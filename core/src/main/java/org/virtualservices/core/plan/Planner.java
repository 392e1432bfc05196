package org.virtualservices.core.plan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.virtualservices.core.config.Image;
import org.virtualservices.core.config.Limits;
import org.virtualservices.core.config.SiteConfig;
import org.virtualservices.core.images.UserImages;
import org.virtualservices.core.names.Names;
import org.virtualservices.core.net.Cidr;
import org.virtualservices.core.request.JobContext;
import org.virtualservices.core.request.RequestException;
import org.virtualservices.core.request.VcRequest;

/**
 * The plan of a job's virtual cluster: a pure function of the job id, the ordered node list, the
 * request and the site configuration, so that every node computes the same plan with no
 * communication.
 *
 * <p>Addressing rule (docs/fabric.md, "No two jobs share a network"). Let {@code n} be the job's
 * number (the leading digits of its id), R the size of the VNI range and S how many subnets of
 * {@code subnetPrefix} the pool holds. The VNI is {@code vniMin + spread(n, R)} and the subnet is
 * the {@code spread(n, S)}-th of the pool, where {@code spread(n, m) = (n * P) mod m} with P a
 * prime larger than any m: a bijection of the residues, so any m consecutive job numbers get m
 * different values (no two jobs clash unless their numbers differ by a multiple of m), while
 * neighbouring numbers land far apart, not on neighbouring subnets. Subnets matter only between
 * jobs that share a batch host (each job has its own layer 2 network); the VNI matters on every
 * node. Each node checks before it makes anything, and refuses a job whose network would clash
 * ({@link org.virtualservices.core.fabric.NetworkClashException}).
 * Within a job, VM {@code i} gets the subnet's address {@code i + 2} (.1 is the gateway) and the
 * MAC {@code 02:VV:VV:VV:II:II} (locally administered; V the VNI, I the index), so a job holds at
 * most {@code subnetSize - 3} VMs and at most 65,536.
 */
public final class Planner {

  private Planner() {
  }

  public static Plan plan(JobContext job, VcRequest request, SiteConfig site) {
    if (job.nodes().isEmpty()) {
      throw new RequestException("node list", "the job has no nodes");
    }
    Sizing sizing = checkRequest(request, site);
    GuestLogin.of(job, sizing.imageName(), sizing.image());
    List<String> nodeNames = job.nodes().stream().map(n -> "node " + n).toList();
    if (site.limits().allocationRule() == Limits.AllocationRule.cpus && job.cpusPerNode().size() != job.nodes().size()) {
      // never skipped in silence: a job whose CPUs are unknown is refused (docs/hooks.md, "Limits")
      throw new RequestException("CPUs per node", "the resource manager did not say how many CPUs the job has on"
          + " each node, and the site's rule (limits.allocationRule: cpus) needs it");
    }
    checkAllocation(sizing, site.limits(), nodeNames, job.cpusPerNode());
    checkMemory(sizing, site.limits(), nodeNames, job.memoryMiBPerNode(), job.cpusPerNode());
    checkJobSize(sizing, job.nodes().size(), site);
    int vcpus = sizing.vcpus();
    long mem = sizing.memoryMiB();
    int perNode = sizing.vmsPerNode();

    long number = jobNumber(job.jobId());
    var net = site.network();
    int vni = vni(job.jobId(), net);
    Cidr pool = Cidr.parse(net.subnetPool());
    Cidr subnet = pool.subnet(net.subnetPrefix(), spread(number, pool.subnetCount(net.subnetPrefix())));

    List<NodePlan> nodes = new ArrayList<>();
    int index = 0;
    StatePaths paths = StatePaths.of(site);
    for (String node : job.nodes()) {
      Path dir = paths.node(job.jobId(), node);
      List<VmPlan> vms = new ArrayList<>();
      for (int local = 0; local < perNode; local++, index++) {
        String name = Names.domain(job.jobId(), index);
        vms.add(new VmPlan(name, index, local, node, subnet.address(index + 2L), mac(vni, index),
            Names.tap(vni, local), vcpus, mem, StatePaths.overlay(dir, name), StatePaths.seed(dir, name),
            StatePaths.console(dir, name)));
      }
      nodes.add(new NodePlan(node, vms));
    }
    return new Plan(job.jobId(), request.image(), vni, subnet.toString(), subnet.address(1),
        subnet.prefixLength(), net.guestMtu(), job.nodes().get(0), Names.bridge(vni), Names.vxlan(vni), nodes);
  }

  /** The job's VNI: from its id alone, so the sweep can tell which networks belong to live jobs. */
  public static int vni(String jobId, org.virtualservices.core.config.Network net) {
    return (int) (net.vniMin() + spread(jobNumber(jobId), (long) net.vniMax() - net.vniMin() + 1));
  }

  /**
   * A prime above every range it is used with (VNIs: 2^24; subnets of a pool: at most 2^32), so it
   * divides none of them: the first prime after 2^40 times the golden ratio's fraction, whose
   * multiples spread evenly (Knuth's multiplicative hashing).
   */
  static final java.math.BigInteger SPREAD = java.math.BigInteger.valueOf(679_535_557_021L);

  /**
   * {@code (n * SPREAD) mod m}: as SPREAD is a prime that does not divide m, a bijection of the
   * residues mod m, so m consecutive numbers never share a value, and neighbours land far apart.
   */
  static long spread(long n, long m) {
    return java.math.BigInteger.valueOf(n).multiply(SPREAD).mod(java.math.BigInteger.valueOf(m)).longValueExact();
  }

  /** The leading digits of a job id: Slurm's ids are numbers, PBS's read {@code 123.server}. */
  public static long jobNumber(String jobId) {
    if (jobId == null || !jobId.matches("\\d{1,18}([.\\[].*)?")) {
      throw new RequestException("job id", "'" + jobId + "' does not start with a number of at most 18 digits");
    }
    int end = 0;
    while (end < jobId.length() && Character.isDigit(jobId.charAt(end))) {
      end++;
    }
    return Long.parseLong(jobId.substring(0, end));
  }

  static String mac(int vni, int index) {
    return String.format("02:%02x:%02x:%02x:%02x:%02x", (vni >>> 16) & 255, (vni >>> 8) & 255, vni & 255,
        (index >>> 8) & 255, index & 255);
  }

  /**
   * What a request comes to once the site's defaults fill its gaps: the image from the catalog and
   * the size of each VM.
   */
  public record Sizing(String imageName, Image image, int vcpus, long memoryMiB, int vmsPerNode) {
  }

  /**
   * The site's policy on the request alone: the image is in the catalog, and each VM (defaults
   * filled in) and the VMs per node are within the site's limits. The prolog checks it through
   * {@link #plan}; {@code vcluster validate} checks it at submission, so both say the same.
   */
  public static Sizing checkRequest(VcRequest request, SiteConfig site) {
    if (request.image() == null) {
      throw new RequestException("image", "not given, and a virtual cluster needs one (known: " + catalog(site) + ")");
    }
    Image image = UserImages.isUserRef(request.image()) ? userImage(request.image(), site)
        : site.images().get(request.image());
    if (image == null) {
      throw new RequestException("image", "'" + request.image() + "' is not in the site's catalog (known: "
          + catalog(site) + ")");
    }
    org.virtualservices.core.save.SavePolicy.check("save", request.save(), site);
    int vcpus = request.vcpus() != null ? request.vcpus() : site.defaults().vcpus();
    long mem = request.memoryMiB() != null ? request.memoryMiB() : site.defaults().memoryMiB();
    int perNode = request.vmsPerNode() != null ? request.vmsPerNode() : site.defaults().vmsPerNode();
    Limits l = site.limits();
    if (vcpus < 1 || vcpus > l.maxVcpusPerVm()) {
      throw new RequestException("vcpus", vcpus + " is outside the site's limit of 1 to " + l.maxVcpusPerVm());
    }
    if (mem < l.minMemoryMiBPerVm() || mem > l.maxMemoryMiBPerVm()) {
      throw new RequestException("mem", mem + "M is outside the site's limit of " + l.minMemoryMiBPerVm()
          + "M to " + l.maxMemoryMiBPerVm() + "M per VM");
    }
    if (perNode < 1 || perNode > l.maxVmsPerNode()) {
      throw new RequestException("vms", perNode + " VMs per node is outside the site's limit of 1 to "
          + l.maxVmsPerNode());
    }
    return new Sizing(request.image(), image, vcpus, mem, perNode);
  }

  /**
   * The allocation rule: with {@code allocationRule: cpus} a node's VMs use at most the CPUs the job
   * has there (times the overcommit factor).
   *
   * @param nodes names of the nodes, for messages (e.g. {@code ["each node"]} when unknown)
   * @param cpusPerNode the job's CPUs on each node, in the same order; missing entries are not checked
   *     here ({@code vcluster validate} knows none before submission), {@link #plan} refuses them
   */
  public static void checkAllocation(Sizing sizing, Limits l, List<String> nodes, List<Integer> cpusPerNode) {
    if (l.allocationRule() != Limits.AllocationRule.cpus) {
      return;
    }
    int perNode = sizing.vmsPerNode();
    int vcpus = sizing.vcpus();
    for (int i = 0; i < nodes.size() && i < cpusPerNode.size(); i++) {
      int cpus = cpusPerNode.get(i);
      double allowed = Math.floor(cpus * l.cpuOvercommit());
      if ((long) perNode * vcpus > allowed) {
        throw new RequestException("vcpus", perNode + " VM(s) x " + vcpus + " vCPUs = " + (perNode * vcpus)
            + " vCPUs on " + nodes.get(i) + ", where the job has " + cpus + " CPU(s)"
            + (l.cpuOvercommit() == 1.0 ? "" : " (x" + l.cpuOvercommit() + " overcommit)"));
      }
    }
  }

  /**
   * The memory rule: with {@code memoryRule: allocation} a node's VMs (VMs x memory) fit in what the
   * resource manager gave the job there ({@code --mem}, {@code --mem-per-cpu}); a job that asked
   * for no memory gets {@code memoryPerCpuMiB} per CPU it has on the node.
   *
   * @param memoryPerNode the job's memory on each node in MiB, in the order of {@code nodes}; empty
   *     when the job asked none or the resource manager did not say
   * @param cpusPerNode the job's CPUs on each node, for the per-CPU rule
   */
  public static void checkMemory(Sizing sizing, Limits l, List<String> nodes, List<Long> memoryPerNode,
      List<Integer> cpusPerNode) {
    if (l.memoryRule() != Limits.MemoryRule.allocation) {
      return;
    }
    long asked = sizing.vmsPerNode() * sizing.memoryMiB();
    for (int i = 0; i < nodes.size(); i++) {
      long allowed;
      String what;
      if (i < memoryPerNode.size()) {
        allowed = memoryPerNode.get(i);
        what = "the job has " + allowed + "M there (its --mem or --mem-per-cpu)";
      } else if (i < cpusPerNode.size()) {
        allowed = l.memoryPerCpuMiB() * cpusPerNode.get(i);
        what = "the job asked no memory, and the site allows " + l.memoryPerCpuMiB() + "M per CPU (limits"
            + ".memoryPerCpuMiB) x " + cpusPerNode.get(i) + " CPU(s) = " + allowed + "M; ask more with --mem";
      } else {
        throw new RequestException("mem", "neither the job's memory nor its CPUs on " + nodes.get(i) + " are known,"
            + " and the site's rule (limits.memoryRule: allocation) needs one of them");
      }
      if (asked > allowed) {
        throw new RequestException("mem", sizing.vmsPerNode() + " VM(s) x " + sizing.memoryMiB() + "M = " + asked
            + "M on " + nodes.get(i) + ", where " + what);
      }
    }
  }

  /** The job's VMs fit its subnet: at most the subnet's size less 3 (network, gateway, broadcast). */
  public static void checkJobSize(Sizing sizing, int nodeCount, SiteConfig site) {
    var net = site.network();
    long room = Math.min(Cidr.parse(net.subnetPool()).subnet(net.subnetPrefix(), 0).size() - 3, 65_536);
    long total = (long) sizing.vmsPerNode() * nodeCount;
    if (total > room) {
      throw new RequestException("vms", total + " VMs in one job (" + sizing.vmsPerNode() + " on each of "
          + nodeCount + " nodes) is more than the site's /" + net.subnetPrefix() + " subnets hold (" + room + ")");
    }
  }

  /**
   * A user's own image, where the site allows them: its boot settings (the disk is found and checked
   * on each node, as the user, by the prolog).
   */
  private static Image userImage(String ref, SiteConfig site) {
    if (!site.userImages().enabled()) {
      throw new RequestException("image", "'" + ref + "': this site does not let users boot images of their own"
          + " (userImages.enabled is off; catalog: " + catalog(site) + ")");
    }
    return UserImageBoot.image(site, null, null, "");
  }

  private static String catalog(SiteConfig site) {
    return String.join(", ", site.images().keySet().stream().sorted().toList());
  }
}
