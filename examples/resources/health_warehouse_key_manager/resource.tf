# The warehouse's key manager, first stage. On OUTSCALE: three OpenBao
# servers that you hold, in the network's kms tier, sealed until your key
# holders initialise them. On OVHcloud: your OVHcloud KMS (OKMS), read only.
# The same HCL on both clouds.
resource "health_warehouse_network" "warehouse" {
  name        = "cohort-2026"
  cidr        = "10.20.0.0/16"
  admin_cidrs = ["203.0.113.7/32"] # the data office's VPN exit

  # Egress is denied by default: the servers reach the data office's mirror
  # of Debian and of OpenBao's release, and nothing else.
  egress_allow = [{
    name      = "mirror"
    cidr      = "198.51.100.10/32"
    from_port = 443
    tiers     = ["kms"]
    hosts     = ["mirror.data-office.example"]
  }]
}

resource "health_warehouse_key_manager" "kms" {
  network_id    = health_warehouse_network.warehouse.id
  network_rules = health_warehouse_network.warehouse.rules # the servers' firewall applies them
  name          = "cohort-2026-kms"
  servers       = 3 # Raft: three servers survive the loss of one
  size          = "small"

  # OUTSCALE: where the servers install their software from at first boot.
  package_mirror = {
    primary  = "https://mirror.data-office.example/debian"
    security = "https://mirror.data-office.example/debian-security"
  }
  openbao_mirror = "https://mirror.data-office.example/openbao/v2.7.2"

  tags = {
    project = "cohort-2026"
  }

  # Destroying or replacing an OpenBao cluster destroys every key it holds,
  # and with them every piece of data they encrypted.
  lifecycle {
    prevent_destroy = true
  }
}

# What the key holders need: the runbook, and the CA to trust.
output "kms_init_instructions" {
  value = health_warehouse_key_manager.kms.init_instructions
}

output "kms_address" {
  value = health_warehouse_key_manager.kms.address
}

output "kms_ca_cert" {
  value = health_warehouse_key_manager.kms.ca_cert_pem
}
