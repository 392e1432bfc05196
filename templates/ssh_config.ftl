# ssh configuration for the virtual cluster of job ${job}: ssh -F ${sshConfig} ${firstVm}
Host ${hostPattern}
    User ${login}
    IdentityFile ${identityFile}
    IdentitiesOnly yes
    UserKnownHostsFile ${knownHosts}
    StrictHostKeyChecking yes
    LogLevel ERROR
<#list vms as vm>

Host ${vm.name}
    HostName ${vm.ip}
</#list>
