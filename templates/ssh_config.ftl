# ssh configuration for the virtual cluster of job ${job}: ${enter}
Host ${hostPattern}
    User ${login}
    IdentityFile ${files.identity}
    IdentitiesOnly yes
    UserKnownHostsFile ${files.knownHosts}
    StrictHostKeyChecking yes
    LogLevel ERROR
<#list nodes as n>
<#list n.vms as vm>

Host ${vm.name}
    HostName ${vm.ip}
</#list>
</#list>
