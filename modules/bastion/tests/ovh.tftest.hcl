# Run by `make test` against the local emulator, which the test harness
# starts and points the provider at through the environment. One file per
# cloud: each file has its own state, so neither cloud reads the other's objects.

provider "health" {
  cloud              = "ovh"
  api_rate_limit     = 500   # the emulator has no rate limit; real accounts do (default 20/s)
  compliance_profile = "hds" # OVHcloud Public Cloud regions are HDS-certified, not SecNumCloud-qualified
  ovh {
    region = "EU-WEST-PAR"
  }
}

variables {
  admins = [
    { name = "alice", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICyOE4rVfqh+6/a5GS9lamDhkTLUj4i/ODVBZULqgC+E alice@data-office.example" },
    { name = "bob", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIvuKKTnv0t9KjCCXO0FdEh0mlo5jzfIojs3PkoxCHWu bob@data-office.example" },
  ]
}

# The bastion goes in a network: made first, with the network module.
run "network_ovh" {
  module {
    source = "../network"
  }
  variables {
    name        = "modtest-bastion-ovh"
    cidr        = "10.31.0.0/16"
    admin_cidrs = ["203.0.113.7/32"]
    egress_allow = [{
      name      = "debian"
      cidr      = "198.51.100.0/24"
      from_port = 80
      tiers     = ["bastion", "kms"]
      hosts     = ["deb.debian.org"]
      }, {
      name      = "github"
      cidr      = "192.0.2.0/24"
      from_port = 443
      tiers     = ["bastion", "kms"]
      hosts     = ["github.com"]
    }]
  }
}

run "ovh_bastion_without_shipping" {

  variables {
    name            = "modtest-bastion-ovh"
    network_id      = run.network_ovh.id
    network_rules   = run.network_ovh.rules
    allowed_targets = ["compute"]
    # Unused without audit_bucket. Set because `terraform test` before 1.17
    # refuses an ephemeral variable left null at apply (hashicorp/terraform#38974).
    audit_secret_access_key = "unused"
  }

  assert {
    condition     = output.public_ip != "" && strcontains(output.known_hosts, output.public_ip)
    error_message = "the bastion must have a floating IP pinned in known_hosts"
  }
  assert {
    condition     = output.audit_shipping == null && !strcontains(output.ssh_config, "Host data")
    error_message = "no shipping without audit_bucket, and no hop to tiers that are not allowed: ${output.ssh_config}"
  }
}

# Two administrators with one login: refused by the provider at plan time, which terraform test
# cannot expect; internal/modtest's TestModulesLeaveChecksToTheProvider plans it.

run "refuses_a_bucket_without_its_secret" {
  command = plan

  variables {
    name          = "modtest-bastion-nosecret"
    network_id    = run.network_ovh.id
    network_rules = run.network_ovh.rules
    audit_bucket  = { bucket = "modtest-bastion-audit", access_key_id = "AK" }
  }

  expect_failures = [health_warehouse_bastion.this]
}
