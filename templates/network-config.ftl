version: 2
ethernets:
  vcnet:
    match:
      macaddress: "${vm.mac}"
    set-name: eth0
    mtu: ${mtu}
    addresses:
      - "${vm.ip}/${prefixLength}"
