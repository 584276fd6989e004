# Run by `make test` against the local emulator, which the test harness
# starts and points the provider at through the environment. One file per
# cloud: each file has its own state, so neither cloud reads the other's objects.
# The warehouse module's tests apply keys; these plan them.

provider "health" {
  cloud          = "outscale"
  api_rate_limit = 500 # the emulator has no rate limit; real accounts do (default 5/s)
}

run "network" {
  module {
    source = "../network"
  }
  variables {
    name        = "modtest-kms-osc"
    cidr        = "10.50.0.0/16"
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

run "outscale_keys" {
  command = plan

  variables {
    name          = "mt-kms-osc"
    network_id    = run.network.id
    network_rules = run.network.rules
    servers       = 1
    keys = {
      raw   = {}
      seals = { algorithm = "rsa-3072" }
    }
  }

  assert {
    condition     = health_warehouse_key_manager.this.name == "mt-kms-osc-kms" && health_warehouse_key_manager.this.servers == 1
    error_message = "the key manager is named after the warehouse, with the servers asked for"
  }
  assert {
    condition     = health_warehouse_key_manager.this.backend == "openbao"
    error_message = "on OUTSCALE the keys live in your own OpenBao, known at plan time"
  }
  assert {
    condition     = health_warehouse_kms_key.this["raw"].name == "mt-kms-osc-raw" && health_warehouse_kms_key.this["raw"].usage == "wrap-unwrap" && health_warehouse_kms_key.this["seals"].usage == "sign-verify"
    error_message = "AES keys wrap the objects' keys, RSA keys sign"
  }
  assert {
    condition     = alltrue([for k in health_warehouse_kms_key.this : k.deletion_protection && k.rotation_period == "90d" && k.compliance_exceptions == null])
    error_message = "keys are protected against deletion and rotated every 90 days, with no exception"
  }
}

run "outscale_retiring" {
  command = plan

  variables {
    name                 = "mt-kms-osc"
    network_id           = run.network.id
    network_rules        = run.network.rules
    keys                 = { raw = {} }
    deletion_protection  = false
    retire_justification = "project closed, decided by the data protection officer on 2026-11-30"
  }

  assert {
    condition     = !health_warehouse_kms_key.this["raw"].deletion_protection && output.compliance_exceptions == [{ control = "HW-KEY-02", justification = "project closed, decided by the data protection officer on 2026-11-30" }]
    error_message = "lifting the protection states HW-KEY-02 with the justification given"
  }
}

# An even number of servers: refused by the provider at plan time, which terraform test
# cannot expect; internal/modtest's TestModulesLeaveChecksToTheProvider plans it.
