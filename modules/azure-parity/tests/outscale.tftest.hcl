# Run by `make test` against the local emulator, which the test harness
# starts and points the provider at through the environment. One file per
# cloud: each file has its own state, so neither cloud reads the other's objects.
# Plans only: modules/warehouse's tests apply the warehouse.

provider "health" {
  cloud          = "outscale"
  api_rate_limit = 500 # the emulator has no rate limit; real accounts do (default 5/s)
}

# A team's Azure tfvars, as an Azure TRE-like root module takes them.
variables {
  tre_id              = "cohort26"
  location            = "francecentral"
  resource_group_name = "rg-cohort26"
  address_space       = ["10.60.0.0/16", "10.61.0.0/16"]
  subnet_names        = ["AzureBastionSubnet", "ServicesSubnet", "AirlockStorageSubnet"]
  subnet_prefixes     = ["10.60.0.0/26", "10.60.64.0/24", "10.60.128.0/24"]

  admin_source_address_prefixes = ["203.0.113.0/28"]
  admin_ssh_keys = [
    { username = "alice", public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICyOE4rVfqh+6/a5GS9lamDhkTLUj4i/ODVBZULqgC+E alice@data-office.example" },
  ]

  account_replication_type          = "GRS"
  min_tls_version                   = "TLS1_2"
  shared_access_key_enabled         = false
  infrastructure_encryption_enabled = true
  blob_delete_retention_days        = 7
  kv_purge_protection_enabled       = true
  key_rotation_policy               = { automatic = { time_after_creation = "P6M" }, expire_after = "P1Y" }
  bastion_sku                       = "Premium"
  bastion_scale_units               = 4
  bastion_copy_paste_enabled        = false
  bastion_session_recording_enabled = true
  log_analytics_retention_in_days   = 30
}

run "tre_tfvars" {
  command = plan

  assert {
    condition = toset(keys(output.unsupported_inputs)) == toset([
      "location", "resource_group_name", "address_space", "subnet_names", "account_replication_type",
      "shared_access_key_enabled", "infrastructure_encryption_enabled", "key_rotation_policy",
      "bastion_copy_paste_enabled", "log_analytics_retention_in_days",
    ])
    error_message = "every input the warehouse cannot honour, and only those, is reported: ${jsonencode(keys(output.unsupported_inputs))}"
  }
  assert {
    condition     = strcontains(output.unsupported_inputs.subnet_names, "AirlockStorageSubnet") && strcontains(output.unsupported_inputs.address_space, "10.61.0.0/16")
    error_message = "the reasons name what was left out"
  }
  assert {
    condition     = output.mapping.cidr == "10.60.0.0/16" && output.mapping.subnet_cidrs.bastion == "10.60.0.0/26" && output.mapping.subnet_cidrs.compute == "10.60.64.0/24" && output.mapping.subnet_cidrs.data == null
    error_message = "the bastion and services subnets become the bastion and compute tiers: ${jsonencode(output.mapping.subnet_cidrs)}"
  }
  assert {
    condition     = output.mapping.key_rotation_period == "180d" && output.mapping.retention_days == 180 && output.mapping.version_retention_days == 7
    error_message = "P6M rotates every 180 days, logs are kept at least 180 days, soft delete becomes version retention: ${jsonencode(output.mapping)}"
  }
  assert {
    condition     = output.mapping.size == "medium" && output.mapping.admins == ["alice"] && output.mapping.bucket_prefix == "cohort26"
    error_message = "4 scale units make a medium bastion; admin_ssh_key usernames become the administrators"
  }
}

# A service tag as administrator source: refused by the provider at plan time, which terraform test
# cannot expect; internal/modtest's TestModulesLeaveChecksToTheProvider plans it.

run "refuses_ssh_from_anywhere" {
  command = plan

  variables {
    admin_source_address_prefixes = ["0.0.0.0/0"]
  }

  expect_failures = [var.admin_source_address_prefixes]
}
