package org.virtualservices.core.disk;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.virtualservices.core.keys.SshKeyPair;
import org.virtualservices.core.names.Names;
import org.virtualservices.core.plan.Plan;
import org.virtualservices.core.plan.Share;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.render.Hostfile;
import org.virtualservices.core.render.Models;
import org.virtualservices.core.render.Templates;

/**
 * What one VM's seed holds: the NoCloud files that cloud-init images read ({@code meta-data},
 * {@code user-data}, {@code network-config}) and the same facts as plain files under
 * {@code vcluster/} for images without cloud-init (the contract is in docs/appliance.md).
 */
public final class GuestSeed {

  /** Values allowed in {@code vcluster/env}: guests source it with a plain shell. */
  private static final String SAFE = "[A-Za-z0-9._:/-]*";
  /** A folder's path in {@code vcluster/mounts}: what the guest's init checks it against. */
  private static final String MOUNT_PATH = "(/[A-Za-z0-9._+@-]+)+";

  private GuestSeed() {
  }

  /**
   * @param login the user the job logs in to the guest as
   * @param uid that user's uid in the guest (the job owner's)
   * @param knownHosts every VM's known_hosts line
   * @param hostfile the job's hostfile ({@link Hostfile#render}): the report's, to the byte
   */
  public static Map<String, String> files(Templates templates, Plan plan, VmPlan vm, String login, int uid, int gid,
      SshKeyPair jobKey, SshKeyPair hostKey, List<String> knownHosts, String hostfile) {
    return files(templates, plan, vm, login, uid, gid, jobKey, hostKey, knownHosts, hostfile, List.of());
  }

  /** The same, with the host folders the guest mounts ({@code vcluster/mounts}). */
  public static Map<String, String> files(Templates templates, Plan plan, VmPlan vm, String login, int uid, int gid,
      SshKeyPair jobKey, SshKeyPair hostKey, List<String> knownHosts, String hostfile, List<Share> shares) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("vm", Models.vm(vm));
    model.put("mtu", plan.guestMtu());
    model.put("prefixLength", plan.prefixLength());
    model.put("login", login);
    model.put("uid", uid);
    model.put("jobKey", Map.of("publicKey", jobKey.publicKey()));
    model.put("hostKey", Map.of("privateKey", hostKey.privateKey(), "publicKey", hostKey.publicKey()));
    List<String> hosts = hosts(plan);
    model.put("hosts", hosts);
    model.put("hostfile", Hostfile.lines(hostfile));

    Map<String, String> files = new LinkedHashMap<>();
    files.put("meta-data", templates.render("meta-data.ftl", model));
    files.put("user-data", templates.render("user-data.ftl", model));
    files.put("network-config", templates.render("network-config.ftl", model));
    files.put("vcluster/env", env(plan, vm, login, uid, gid));
    files.put("vcluster/hosts", String.join("\n", hosts) + "\n");
    files.put("vcluster/hostfile", hostfile);
    files.put("vcluster/authorized_keys", jobKey.publicKey() + " vcluster-job-" + plan.job() + "\n");
    files.put("vcluster/id_ed25519", jobKey.privateKey());
    files.put("vcluster/known_hosts", String.join("\n", knownHosts) + "\n");
    files.put("vcluster/ssh_host_ed25519_key", hostKey.privateKey());
    files.put("vcluster/ssh_host_ed25519_key.pub", hostKey.publicKey() + " root@" + vm.name() + "\n");
    if (!shares.isEmpty()) {
      files.put("vcluster/mounts", mounts(shares));
    }
    return files;
  }

  /** /etc/hosts lines for the job: the gateway, then every VM. */
  public static List<String> hosts(Plan plan) {
    List<String> hosts = new ArrayList<>();
    hosts.add("127.0.0.1 localhost");
    hosts.add(plan.gateway() + " " + Names.domainPrefix(plan.job()) + "gw");
    for (VmPlan v : plan.vms()) {
      hosts.add(v.ip() + " " + v.name());
    }
    return hosts;
  }

  /**
   * One line per folder, {@code TAG ro|rw PATH}, for the guest's init to mount at boot
   * (docs/appliance.md): every field of the safe set, so a plain shell reads it.
   */
  static String mounts(List<Share> shares) {
    StringBuilder sb = new StringBuilder();
    for (Share s : shares) {
      String target = s.target().toString();
      if (!s.tag().matches(SAFE) || !target.matches(MOUNT_PATH)) {
        throw new IllegalArgumentException("shared folder " + target + " cannot be given to a guest shell");
      }
      sb.append(s.tag()).append(' ').append(s.readOnly() ? "ro" : "rw").append(' ').append(target).append('\n');
    }
    return sb.toString();
  }

  static String env(Plan plan, VmPlan vm, String login, int uid, int gid) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("VC_JOB", plan.job());
    env.put("VC_HOSTNAME", vm.name());
    env.put("VC_MAC", vm.mac());
    env.put("VC_IP", vm.ip());
    env.put("VC_PREFIX", String.valueOf(plan.prefixLength()));
    env.put("VC_GATEWAY", plan.gateway());
    env.put("VC_MTU", String.valueOf(plan.guestMtu()));
    env.put("VC_SUBNET", plan.subnet());
    env.put("VC_USER", login);
    env.put("VC_UID", String.valueOf(uid));
    env.put("VC_GID", String.valueOf(gid));
    env.put("VC_DEFAULT_ROUTE", "no");
    StringBuilder sb = new StringBuilder();
    env.forEach((k, v) -> {
      if (!v.matches(SAFE)) {
        throw new IllegalArgumentException("seed value of " + k + " has characters a guest shell cannot take: " + v);
      }
      sb.append(k).append('=').append(v).append('\n');
    });
    return sb.toString();
  }
}
