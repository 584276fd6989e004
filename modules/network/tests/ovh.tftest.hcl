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
  admin_cidrs = ["203.0.113.7/32"]
}

run "ovh_defaults" {
  variables {
    name = "modtest-network-ovh"
    cidr = "10.21.0.0/16"
  }

  assert {
    condition     = startswith(output.id, "pn-") && length(output.subnets) == 4
    error_message = "expected a private network with four subnets, got ${output.id}"
  }
  assert {
    condition     = output.rules_enforcement == "security-groups" && length(output.egress_ips) == 1
    error_message = "OVHcloud enforces the rules with Neutron security groups and leaves through its gateway's address"
  }
  assert {
    condition     = length([for r in output.rules : r if r.destination == "service:cloud-api"]) == 0
    error_message = "OVHcloud has no private path to its API: no rule names it"
  }
}
