instance-id: ${vm.name}
local-hostname: ${vm.name}
