package org.virtualservices.prolog;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.virtualservices.core.keys.JobIdentity;
import org.virtualservices.core.keys.KeyDeriver;
import org.virtualservices.core.keys.SshKeyPair;
import org.virtualservices.core.names.Names;
import org.virtualservices.core.plan.VmPlan;
import org.virtualservices.core.request.JobContext;

/**
 * The job's SSH keys as this node needs them: the user's key pair, each VM's host key, and the
 * known_hosts lines of all the job's VMs (every node derives the same ones, from the job's id, its
 * owner's uid and its instance: docs/hooks.md, "Keys without communication").
 */
record JobKeys(SshKeyPair job, Map<String, SshKeyPair> hosts, List<String> knownHosts) {

  static JobKeys derive(KeyDeriver keys, JobContext context, List<VmPlan> vms) {
    return derive(keys, context, vms, context.jobId());
  }

  /**
   * The keys of guests that were first booted by job {@code keysJob} (this job, or the one whose checkpoint
   * it restored, {@code restore=}): derived from that job's id and its VMs' names there (the same places in
   * the job), known by this job's names and addresses.
   */
  static JobKeys derive(KeyDeriver keys, JobContext context, List<VmPlan> vms, String keysJob) {
    JobIdentity id = new JobIdentity(keysJob, context.uid(), context.instance());
    Map<String, SshKeyPair> hosts = new LinkedHashMap<>();
    List<String> knownHosts = new ArrayList<>();
    for (VmPlan v : vms) {
      SshKeyPair hk = keys.hostKey(id, Names.domain(keysJob, v.index()));
      hosts.put(v.name(), hk);
      knownHosts.add(v.name() + "," + v.ip() + " " + hk.publicKey());
    }
    return new JobKeys(keys.jobKey(id), Map.copyOf(hosts), List.copyOf(knownHosts));
  }

  SshKeyPair host(String vm) {
    return hosts.get(vm);
  }
}
