#cloud-config
# For images with cloud-init. Images without it read the same facts from vcluster/ on this seed.
hostname: ${vm.name}
manage_etc_hosts: false
ssh_deletekeys: true
ssh_keys:
  ed25519_private: |
<#list hostKey.privateKey?split("\n") as line><#if line?has_content>    ${line}
</#if></#list>
  ed25519_public: "${hostKey.publicKey}"
users:
  - name: "${login}"
    uid: ${uid}
    shell: /bin/bash
    ssh_authorized_keys:
      - "${jobKey.publicKey}"
write_files:
  - path: /etc/hosts
    permissions: "0644"
    content: |
<#list hosts as h>      ${h}
</#list>
  - path: /etc/vcluster/hostfile
    permissions: "0644"
    content: |
<#list hostfile as h>      ${h}
</#list>
