# Run by `make test` against the local emulator, which the test harness
# starts and points the provider at through the environment. One file per
# cloud: each file has its own state, so neither cloud reads the other's objects.

provider "health" {
  cloud          = "outscale"
  api_rate_limit = 500 # the emulator has no rate limit; real accounts do (default 5/s)
}

variables {
  admin_cidrs = ["203.0.113.7/32"]
}

run "outscale_defaults" {
  variables {
    name = "modtest-network-osc"
  }

  assert {
    condition     = output.subnet_cidrs.bastion == "10.20.0.0/18" && output.subnet_cidrs.kms == "10.20.192.0/18"
    error_message = "the tiers are not the quarters of the default block: ${jsonencode(output.subnet_cidrs)}"
  }
  assert {
    condition     = length(output.subnets) == 4 && startswith(output.id, "vpc-")
    error_message = "expected a Net with four subnets, got ${output.id} with ${length(output.subnets)}"
  }
  assert {
    condition     = output.rules_enforcement == "security-groups" && output.storage_path == "net-access-point"
    error_message = "OUTSCALE enforces the rules with security groups and reaches OOS through a Net access point"
  }
  assert {
    condition     = [for r in output.rules : r.source if r.tier == "bastion" && r.direction == "inbound"] == ["203.0.113.7/32"]
    error_message = "only the administrators may reach the bastion"
  }
  assert {
    condition     = length([for r in output.rules : r if r.tier == "kms" && r.direction == "outbound"]) == 0
    error_message = "egress is denied by default: the kms tier sends nothing out"
  }
  assert {
    condition     = contains([for r in output.rules : r.destination if r.tier == "data" && r.direction == "outbound"], "service:object-storage")
    error_message = "the data tier reaches object storage"
  }
  assert {
    condition = [for r in output.rules : r.destination if r.destination == "service:cloud-api"] == ["service:cloud-api"] && alltrue([
      for r in output.rules : r.tier == "bastion" && r.direction == "outbound" && r.from_port == 443 if r.destination == "service:cloud-api"
    ])
    error_message = "the bastion tier alone reaches the OUTSCALE API (its API logs), on HTTPS through the Net access point"
  }
}

run "outscale_egress_allow" {
  variables {
    name = "modtest-network-osc"
    egress_allow = [{
      name      = "mirror"
      cidr      = "198.51.100.0/24"
      from_port = 443
      tiers     = ["kms"]
      hosts     = ["mirror.example.org"]
    }]
  }

  assert {
    condition     = [for r in output.rules : r.destination if r.tier == "kms" && r.direction == "outbound"] == ["198.51.100.0/24"]
    error_message = "egress_allow opens one outbound rule from each of its tiers"
  }
}

run "refuses_ssh_from_anywhere" {
  command = plan
  variables {
    name        = "modtest-network-open"
    admin_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [var.admin_cidrs]
}
