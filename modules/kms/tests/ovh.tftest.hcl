# Run by `make test` against the local emulator, which the test harness
# starts and points the provider at through the environment. One file per
# cloud: each file has its own state, so neither cloud reads the other's objects.
# The warehouse module's tests apply keys; these plan them.

provider "health" {
  cloud              = "ovh"
  api_rate_limit     = 500   # the emulator has no rate limit; real accounts do (default 20/s)
  compliance_profile = "hds" # OVHcloud Public Cloud regions are HDS-certified, not SecNumCloud-qualified
  ovh {
    region = "EU-WEST-PAR"
  }
}

run "network" {
  module {
    source = "../network"
  }
  variables {
    name        = "modtest-kms-ovh"
    cidr        = "10.51.0.0/16"
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

run "ovh_keys" {
  command = plan

  variables {
    name          = "mt-kms-ovh"
    network_id    = run.network.id
    network_rules = run.network.rules
    keys          = { pseudo = { rotation_period = "30d" } }
  }

  assert {
    condition     = health_warehouse_key_manager.this.backend == "ovh-okms" && health_warehouse_kms_key.this["pseudo"].rotation_period == "30d"
    error_message = "on OVHcloud the key manager is OKMS; the rotation period is the one asked for"
  }
}

# An unknown algorithm: refused by the provider at plan time, which terraform test
# cannot expect; internal/modtest's TestModulesLeaveChecksToTheProvider plans it.
