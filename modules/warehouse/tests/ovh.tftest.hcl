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
  name        = "mt-wh-ovh"
  cidr        = "10.41.0.0/16"
  admin_cidrs = ["203.0.113.7/32"]
  admins = [
    { name = "alice", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICyOE4rVfqh+6/a5GS9lamDhkTLUj4i/ODVBZULqgC+E alice@data-office.example" },
  ]
  retention_days = 200
  # One workspace: alice is an administrator already (the same key, another
  # comment), bob becomes one.
  workspaces = {
    diab = {
      members = [
        { name = "alice", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICyOE4rVfqh+6/a5GS9lamDhkTLUj4i/ODVBZULqgC+E alice@workstation" },
        { name = "bob", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIvuKKTnv0t9KjCCXO0FdEh0mlo5jzfIojs3PkoxCHWu bob@data-office.example" },
      ]
      datasets = [{ prefix = "diabetes/" }]
    }
  }
  # Unused on OVHcloud (the audit bucket's own key is read for each run). Set
  # because `terraform test` before 1.17 refuses an ephemeral variable left
  # null at apply (hashicorp/terraform#38974).
  audit_secret_access_key = "unused"
  # Set in every run: terraform test requires an ephemeral input variable
  # set at plan to be set at apply too, and its default does not count.
  workspace_gateway_secrets = {}
}

run "ovh_warehouse" {
  assert {
    condition     = output.bastion.logins == ["alice", "bob"]
    error_message = "every workspace member is an administrator of the bastion, once: ${jsonencode(output.bastion.logins)}"
  }
  assert {
    condition     = output.workspaces.diab.name == "mt-wh-ovh-diab" && output.workspaces.diab.buckets.working.name == "mt-wh-ovh-diab-working" && output.workspaces.diab.buckets.working.encryption == "customer-key"
    error_message = "the workspace has its own working bucket under its own key: ${jsonencode(output.workspaces.diab.buckets)}"
  }
  assert {
    condition     = module.workspace["diab"].buckets.working.access_logs.bucket == "mt-wh-ovh-audit" && output.workspaces.diab.key.name == "mt-wh-ovh-ws-diab"
    error_message = "the workspace's buckets log to the audit bucket, and its key is named after the warehouse"
  }
  assert {
    condition     = strcontains(jsonencode(module.workspace["diab"].identity_policy), "mt-wh-ovh-pseudonymised") && strcontains(jsonencode(module.workspace["diab"].identity_policy), "diabetes/")
    error_message = "a dataset is a prefix of the warehouse's pseudonymised bucket"
  }
  assert {
    condition     = length([for f in jsondecode(output.compliance_report_json).findings : f if f.resource_type == "health_warehouse_workspace" && f.status == "pass"]) >= 3
    error_message = "the report covers the workspace (HW-WS-01 to 03)"
  }
  assert {
    condition     = strcontains(output.workspaces.diab.connect.text, output.workspaces.diab.machines[0].private_ip) && strcontains(output.workspaces.diab.connect.text, "mt-wh-ovh-bastion")
    error_message = "a member is told how to reach the machine through the bastion: ${output.workspaces.diab.connect.text}"
  }
  assert {
    condition     = anytrue([for n in output.notes : strcontains(n, "compute tier")])
    error_message = "without egress for the compute tier, the operator is told the machines cannot install their tools"
  }
  assert {
    condition     = alltrue([for z, b in output.buckets : b.access_logs.bucket == "mt-wh-ovh-audit" && b.access_logs.prefix == "access-logs/${z}/"])
    error_message = "every zone's bucket sends its server access logs to the audit bucket: ${jsonencode(output.buckets)}"
  }
  assert {
    condition     = output.network.storage_path == "gateway" && output.key_manager.backend == "ovh-okms" && length(output.key_manager.servers) == 0
    error_message = "on OVHcloud the warehouse reaches object storage through its gateway and keeps its keys in OKMS"
  }
  assert {
    condition     = module.bucket["raw"].policy_kind == "user-policy" && strcontains(jsonencode(module.bucket["raw"].policy), output.network.egress_ips[0])
    error_message = "the raw bucket's objects are reachable from the network's egress address only"
  }
  assert {
    condition     = !strcontains(jsonencode(module.audit_bucket.policy), output.network.egress_ips[0])
    error_message = "the audit bucket is not restricted to the network: the bastion ships from its own address"
  }
  assert {
    condition     = output.bastion.audit_shipping == "s3://mt-wh-ovh-audit/bastions/" && output.buckets.audit.access_key_id != ""
    error_message = "the bastion ships its audit trail with the audit bucket's own key"
  }
  assert {
    condition     = output.buckets.audit.object_lock_retention_days == 200 && output.keys.raw.backend == "ovh-okms"
    error_message = "retention_days sets the audit bucket's lock"
  }
  assert {
    condition     = length([for f in jsondecode(output.compliance_report_json).findings : f if f.resource_type == "health_warehouse_key_manager"]) > 0
    error_message = "the report covers the key manager"
  }
  assert {
    condition     = [for e in output.exceptions : e.control] == ["HW-NET-01"] && output.compliant && output.compliance_summary.fail == 0
    error_message = "an OVHcloud warehouse needs no exception under the hds profile but the module's default egress (HW-NET-01): ${jsonencode(output.exceptions)} ${jsonencode(output.compliance_summary)}"
  }
}

# Mirrors of one's own, listed in egress_allow, close the default egress and
# its exception.
run "ovh_own_mirror" {
  command = plan

  variables {
    egress_allow = [{
      name      = "mirror"
      cidr      = "198.51.100.10/32"
      from_port = 443
      tiers     = ["bastion", "kms"]
      hosts     = ["mirror.data-office.example"]
    }]
    package_mirror = {
      primary  = "https://mirror.data-office.example/debian"
      security = "https://mirror.data-office.example/debian-security"
    }
  }

  assert {
    condition     = length([for e in output.exceptions : e if e.control == "HW-NET-01"]) == 0
    error_message = "with egress_allow given, the module states no HW-NET-01 exception: ${jsonencode(output.exceptions)}"
  }
  assert {
    condition     = [for r in output.network.rules : r.destination if r.tier == "bastion" && r.direction == "outbound" && r.purpose == "egress_allow \"mirror\""] == ["198.51.100.10/32"]
    error_message = "the bastion tier reaches the mirror, and nothing else outside"
  }
}

run "ovh_retire" {
  variables {
    retire = true
  }

  assert {
    condition     = [for e in output.exceptions : e.control] == ["HW-NET-01", "HW-KEY-02", "HW-KEY-02", "HW-KEY-02"] && output.compliant
    error_message = "retiring states HW-KEY-02 on both keys and the workspace's: ${jsonencode(output.exceptions)}"
  }
}

# A name too long for the key names: refused by the provider at plan time, which terraform test
# cannot expect; internal/modtest's TestModulesLeaveChecksToTheProvider plans it.

# A login given two different keys cannot be one account on the bastion.
run "refuses_a_login_with_two_keys" {
  command = plan

  variables {
    workspaces = {
      diab = {
        members = [
          { name = "alice", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIvuKKTnv0t9KjCCXO0FdEh0mlo5jzfIojs3PkoxCHWu alice@desktop" },
        ]
      }
    }
  }

  expect_failures = [var.workspaces]
}
