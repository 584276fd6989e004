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

run "ovh_results" {
  variables {
    name    = "modtest-storage-results-ovh"
    zone    = "results"
    network = { storage_path = "gateway", egress_ips = ["198.51.100.21"] }
  }

  assert {
    condition     = health_warehouse_storage.this.allowed_source_ips == toset(["198.51.100.21"])
    error_message = "on OVHcloud the bucket's objects are reachable from the network's egress addresses only"
  }
  assert {
    condition     = output.compliance_exceptions == [] && output.policy_kind == "user-policy" && output.access_key_id != ""
    error_message = "an OVHcloud bucket needs no exception and has its own user and key"
  }
  assert {
    condition     = strcontains(jsonencode(output.policy), "198.51.100.21")
    error_message = "the user policy does not name the egress address"
  }
  assert {
    condition     = one(health_warehouse_storage.this.lifecycle_rules).noncurrent_version_expiration_days == 90
    error_message = "old versions expire after 90 days by default"
  }
}

# A bad bucket name: refused by the provider at plan time, which terraform test
# cannot expect; internal/modtest's TestModulesLeaveChecksToTheProvider plans it.
