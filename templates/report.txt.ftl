Virtual cluster of job ${job}
  image:      ${image}
  VMs:        ${vmCount} on ${nodeCount} node(s)
  network:    ${subnet} (VNI ${vni}), gateway ${gateway} on ${batchHost}
  enter:      ssh -F ${sshConfig} ${firstVm}
  hostfile:   ${hostfile}

<#list vms as vm>
  ${vm.name?right_pad(14)} ${vm.ip?right_pad(16)} ${vm.node?right_pad(16)} ${vm.vcpus} vCPU ${vm.memoryMiB} MiB
</#list>

Prolog on ${batchHost} (seconds):
<#list timings as t>
  ${t.phase?right_pad(14)} ${t.seconds}
</#list>
