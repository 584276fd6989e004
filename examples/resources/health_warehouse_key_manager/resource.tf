# The warehouse's key manager, first stage. On OUTSCALE: three OpenBao
# servers that you hold, in the network's kms tier, sealed until your key
# holders initialise them. On OVHcloud: your OVHcloud KMS (OKMS), read only.
# The same HCL on both clouds.
resource "health_warehouse_network" "warehouse" {
  name        = "cohort-2026"
  cidr        = "10.20.0.0/16"
  admin_cidrs = ["203.0.113.7/32"] # the data office's VPN exit
  nat_egress  = true               # the servers fetch OpenBao's release at first boot
}

resource "health_warehouse_key_manager" "kms" {
  network_id    = health_warehouse_network.warehouse.id
  network_rules = health_warehouse_network.warehouse.rules # the servers' firewall applies them
  name          = "cohort-2026-kms"
  servers       = 3 # Raft: three servers survive the loss of one
  size          = "small"

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
