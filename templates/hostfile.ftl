<#list vms as vm>
${vm.name} slots=${vm.vcpus}
</#list>
