# The warehouse's only administrative door: a hardened SSH bastion in the
# network's bastion tier. The same HCL applies on OUTSCALE and OVHcloud.
resource "health_warehouse_network" "warehouse" {
  name        = "cohort-2026"
  cidr        = "10.20.0.0/16"
  admin_cidrs = ["203.0.113.7/32"] # the data office's VPN exit

  # Egress is denied by default: the bastion reaches its package mirror only.
  egress_allow = [{
    name      = "package-mirror"
    cidr      = "198.51.100.10/32"
    from_port = 443
    tiers     = ["bastion"]
    hosts     = ["mirror.data-office.example"]
  }]
}

resource "health_warehouse_bastion" "admin" {
  network_id    = health_warehouse_network.warehouse.id
  network_rules = health_warehouse_network.warehouse.rules # the bastion's firewall applies them
  name          = "cohort-2026-bastion"

  # Where apt takes the packages from: the plan checks that the network lets
  # the bastion tier reach it.
  package_mirror = {
    primary  = "https://mirror.data-office.example/debian"
    security = "https://mirror.data-office.example/debian-security"
  }

  # Each administrator logs in with their own key. Keys made with
  # `ssh-keygen -t ed25519-sk -O verify-required` (FIDO2) make mfa default to
  # "fido2"; other keys to "totp".
  admins = [
    { name = "alice", ssh_public_key = file("keys/alice.pub") },
    { name = "bob", ssh_public_key = file("keys/bob.pub") },
  ]

  idle_timeout    = "20m"
  allowed_targets = ["compute", "kms"] # no SSH to the data tier

  # Ship the audit trail to a locked bucket with a write-only key.
  audit_bucket = {
    bucket            = "cohort-2026-audit"
    prefix            = "bastions/"
    access_key_id     = var.audit_access_key_id
    secret_access_key = var.audit_secret_access_key # write-only: never in the plan nor the state
  }

  tags = {
    project = "cohort-2026"
  }
}

variable "audit_access_key_id" {
  type = string
}

variable "audit_secret_access_key" {
  type      = string
  sensitive = true
}

# What administrators need: pin the host key, then connect.
output "bastion_known_hosts" {
  value = health_warehouse_bastion.admin.known_hosts
}

output "bastion_ssh_config" {
  value = health_warehouse_bastion.admin.ssh_config
}
