# Run by `make test` against the local emulator, which the test harness
# starts and points the provider at through the environment. One file per
# cloud: each file has its own state, so neither cloud reads the other's objects.

provider "health" {
  cloud          = "outscale"
  api_rate_limit = 500 # the emulator has no rate limit; real accounts do (default 5/s)
}

run "outscale_raw_plan" {
  command = plan
  variables {
    name       = "modtest-storage-raw"
    zone       = "raw"
    kms_key_id = "modtest-storage-key"
    network    = { storage_path = "net-access-point", egress_ips = ["198.51.100.20"] }
  }

  assert {
    condition     = health_warehouse_storage.this.encryption.mode == "customer-key" && health_warehouse_storage.this.encryption.kms_key_id == "modtest-storage-key"
    error_message = "a bucket given a key must be customer-key, wrapped by that key"
  }
  assert {
    condition     = health_warehouse_storage.this.allowed_source_ips == null
    error_message = "OUTSCALE refuses allowed_source_ips: the module must not set it"
  }
  assert {
    condition     = [for e in health_warehouse_storage.this.compliance_exceptions : e.control] == ["HW-STO-03"]
    error_message = "an OUTSCALE bucket must state the HW-STO-03 exception"
  }
  assert {
    condition     = health_warehouse_storage.this.object_lock == null && health_warehouse_storage.this.versioning
    error_message = "raw data is versioned, without object lock"
  }
}

run "outscale_own_justification" {
  command = plan
  variables {
    name                  = "modtest-storage-results"
    zone                  = "results"
    compliance_exceptions = [{ control = "HW-STO-03", justification = "accepted by the RSSI, ticket 42" }]
  }

  assert {
    condition     = length(output.compliance_exceptions) == 1 && output.compliance_exceptions[0].justification == "accepted by the RSSI, ticket 42"
    error_message = "the caller's justification must replace the module's, not be listed twice: ${jsonencode(output.compliance_exceptions)}"
  }
}

run "outscale_audit" {
  variables {
    name = "modtest-storage-audit"
    zone = "audit"
  }

  assert {
    condition     = output.object_lock_retention_days == 180 && health_warehouse_storage.this.object_lock.mode == "COMPLIANCE"
    error_message = "audit data must be locked in COMPLIANCE mode for 180 days by default"
  }
  assert {
    condition     = output.policy_kind == "bucket-policy" && output.access_key_id == "" && output.encryption_mode == "provider-managed"
    error_message = "an OUTSCALE bucket has a bucket policy, takes the account's keys and, without a key, the cloud's encryption"
  }
  assert {
    condition     = [for e in output.compliance_exceptions : e.control] == ["HW-STO-03"]
    error_message = "the provider's cloud, read without a network, must still bring the HW-STO-03 exception"
  }
}
