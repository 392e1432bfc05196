<#assign vmCount = 0><#list nodes as n><#assign vmCount += n.vms?size></#list>
Virtual cluster of job ${job}
  image:      ${image}
  VMs:        ${vmCount} on ${nodes?size} node(s)
  network:    ${subnet} (VNI ${vni}), gateway ${gateway} on ${batchHost}
  enter:      ${enter}
  hostfile:   ${files.hostfile}

<#list nodes as n>
<#list n.vms as vm>
  ${vm.name?right_pad(14)} ${vm.ip?right_pad(16)} ${n.name?right_pad(16)} ${vm.vcpus} vCPU ${vm.memoryMiB} MiB
</#list>
</#list>

Prolog on ${batchHost} (seconds):
<#list timings as phase, seconds>
  ${phase?right_pad(14)} ${seconds?string["0.000"]}
</#list>
