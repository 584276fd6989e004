# Run by `make test` against the local emulator, which the test harness
# starts and points the provider at through the environment. One file per
# cloud: each file has its own state, so neither cloud reads the other's objects.

provider "health" {
  cloud          = "outscale"
  api_rate_limit = 500 # the emulator has no rate limit; real accounts do (default 5/s)
}

variables {
  name        = "mt-wh-osc"
  cidr        = "10.40.0.0/16"
  admin_cidrs = ["203.0.113.7/32"]
  admins = [
    { name = "alice", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICyOE4rVfqh+6/a5GS9lamDhkTLUj4i/ODVBZULqgC+E alice@data-office.example" },
  ]
  key_manager_servers = 1
  # Unused (the bastion gets its own write-only key). Set because `terraform
  # test` before 1.17 refuses an ephemeral variable left null at apply
  # (hashicorp/terraform#38974).
  audit_secret_access_key = "unused"
  # Set in every run: terraform test requires an ephemeral input variable
  # set at plan to be set at apply too, and its default does not count.
  workspace_gateway_secrets = {}
}

run "outscale_warehouse" {
  assert {
    condition     = alltrue([for z, b in output.buckets : b.access_logs.bucket == "mt-wh-osc-audit" && b.access_logs.prefix == "access-logs/${z}/"])
    error_message = "every zone's bucket sends its server access logs to the audit bucket: ${jsonencode(output.buckets)}"
  }
  assert {
    condition     = output.network.storage_path == "net-access-point" && output.key_manager.backend == "openbao" && length(output.key_manager.servers) == 1
    error_message = "on OUTSCALE the warehouse reaches OOS through a Net access point and keeps its keys in its own OpenBao"
  }
  assert {
    condition     = output.buckets.raw.encryption == "customer-key" && output.buckets.pseudonymised.encryption == "customer-key" && output.buckets.results.encryption == "provider-managed"
    error_message = "raw and pseudonymised data are encrypted with the warehouse's keys: ${jsonencode(output.buckets)}"
  }
  assert {
    condition     = output.buckets.audit.object_lock_retention_days == 365 && output.buckets.raw.name == "mt-wh-osc-raw"
    error_message = "the audit bucket keeps its records a year by default"
  }
  assert {
    condition     = output.keys.raw.id != output.keys.pseudonymised.id && output.keys.raw.backend == "openbao"
    error_message = "each zone of personal data has its own key"
  }
  assert {
    condition     = output.bastion_public_ip != "" && strcontains(output.known_hosts, output.bastion_public_ip) && strcontains(output.ssh_config, "Host mt-wh-osc-bastion")
    error_message = "administrators get a pinned host key and a ready ssh_config"
  }
  assert {
    condition     = output.bastion.audit_shipping == "s3://mt-wh-osc-audit/bastions/"
    error_message = "the bastion ships its audit trail to the audit bucket, with its own write-only key"
  }
  assert {
    condition     = length([for e in output.exceptions : e if e.control == "HW-STO-03"]) == 4
    error_message = "every OUTSCALE bucket states the HW-STO-03 exception: ${jsonencode(output.exceptions)}"
  }
  assert {
    condition     = output.compliant && output.compliance_summary.fail == 0 && output.compliance_summary.excepted >= 4
    error_message = "the warehouse is compliant, with OOS's plain-HTTP limit excepted: ${jsonencode(output.compliance_summary)}"
  }
  assert {
    condition     = strcontains(output.compliance_report_markdown, "HW-STO-03") && strcontains(output.compliance_report_markdown, "OOS bucket policies take no conditions")
    error_message = "the report carries the exception's justification"
  }
  assert {
    condition     = length([for f in jsondecode(output.compliance_report_json).findings : f if f.resource_type == "health_warehouse_key_manager" && f.status == "pass"]) > 0
    error_message = "the report covers the key manager"
  }
  assert {
    condition     = can(jsondecode(output.compliance_report_json)) && length(output.notes) == 1 && strcontains(output.notes[0], "write-only EIM identity")
    error_message = "the JSON report must parse, and the only note says what is unverified of the bastion's write-only identity: ${jsonencode(output.notes)}"
  }
}

# Retiring: protection lifted with a stated HW-KEY-02 exception, so that the
# test's own destroy can delete the keys.
run "outscale_retire" {
  variables {
    retire = true
  }

  assert {
    condition     = length([for e in output.exceptions : e if e.control == "HW-KEY-02"]) == 2 && output.compliant
    error_message = "retiring states HW-KEY-02 on both keys and keeps the report compliant: ${jsonencode(output.exceptions)}"
  }
  assert {
    condition     = length(output.notes) == 2 && anytrue([for n in output.notes : strcontains(n, "Retiring")])
    error_message = "the operator is told that a destroy now deletes the keys"
  }
}

run "refuses_ssh_from_anywhere" {
  command = plan

  variables {
    admin_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [var.admin_cidrs]
}

run "refuses_short_log_retention" {
  command = plan

  variables {
    retention_days = 30
  }

  expect_failures = [var.retention_days]
}
