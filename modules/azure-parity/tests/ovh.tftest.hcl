# Run by `make test` against the local emulator, which the test harness
# starts and points the provider at through the environment. One file per
# cloud: each file has its own state, so neither cloud reads the other's objects.
# Plans only: modules/warehouse's tests apply the warehouse.

provider "health" {
  cloud              = "ovh"
  api_rate_limit     = 500   # the emulator has no rate limit; real accounts do (default 20/s)
  compliance_profile = "hds" # OVHcloud Public Cloud regions are HDS-certified, not SecNumCloud-qualified
  ovh {
    region = "EU-WEST-PAR"
  }
}

# Hardened Azure settings the warehouse already does: nothing to report.
run "hardened_tfvars" {
  command = plan

  variables {
    tre_id                        = "cohort26"
    address_space                 = ["10.62.0.0/16"]
    admin_source_address_prefixes = ["203.0.113.0/28"]
    admin_ssh_keys = [
      { username = "alice", public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICyOE4rVfqh+6/a5GS9lamDhkTLUj4i/ODVBZULqgC+E alice@data-office.example" },
    ]
    storage_account_name                       = "stcohort26"
    account_replication_type                   = "ZRS"
    https_traffic_only_enabled                 = true
    public_network_access_enabled              = false
    blob_versioning_enabled                    = true
    immutability_period_since_creation_in_days = 400
    enable_cmk_encryption                      = true
    key_rotation_policy                        = { automatic = { time_after_creation = "P1Y" } }
    deploy_bastion                             = true
    bastion_session_recording_enabled          = true
    # Unused (no audit key on OVHcloud). Set because `terraform test` before
    # 1.17 refuses an ephemeral variable left null (hashicorp/terraform#38974).
    audit_secret_access_key = "unused"
  }

  assert {
    condition     = output.unsupported_inputs == {}
    error_message = "hardened Azure settings are all honoured, got ${jsonencode(output.unsupported_inputs)}"
  }
  assert {
    condition     = output.mapping.retention_days == 400 && output.mapping.key_rotation_period == "365d" && output.mapping.bucket_prefix == "stcohort26"
    error_message = "a longer immutability period is kept, P1Y rotates yearly, the storage account names the buckets: ${jsonencode(output.mapping)}"
  }
  assert {
    condition     = output.mapping.subnet_cidrs == { bastion = null, compute = null, data = null, kms = null }
    error_message = "without subnets, every tier takes its quarter of the address space"
  }
}
