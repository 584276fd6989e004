resource "health_warehouse_network" "warehouse" {
  name        = "cohort-2026"
  cidr        = "10.20.0.0/16"
  admin_cidrs = ["203.0.113.7/32"]
}

resource "health_warehouse_kms_key" "raw" {
  name = "cohort-2026-raw"
}

# Raw, identifying data: encrypted with the data office's key (envelope
# encryption: the pipeline writes every object with SSE-C, its keys
# wrapped by the KMS key), versioned, old versions expired after 90 days.
resource "health_warehouse_storage" "raw" {
  name = "cohort-2026-raw"
  zone = "raw"

  encryption = {
    mode       = "customer-key"
    kms_key_id = health_warehouse_kms_key.raw.id
  }

  lifecycle_rules = [{
    id                                 = "old-versions"
    noncurrent_version_expiration_days = 90
    abort_incomplete_upload_days       = 7
  }]

  # OVHcloud only: object reads, writes and listings from the warehouse's
  # gateway alone (OUTSCALE refuses this: its bucket policies take no
  # conditions; the warehouse reaches OOS through its Net access point).
  allowed_source_ips = health_warehouse_network.warehouse.egress_ips

  tags = {
    project = "cohort-2026"
    owner   = "data-office"
  }

  # OUTSCALE only: OOS bucket policies take no conditions, so no OOS bucket
  # can refuse plain HTTP; say so, and have every client use https://.
  compliance_exceptions = [{
    control       = "HW-STO-03"
    justification = "OOS cannot deny plain HTTP; the pipeline only uses the https:// endpoint"
  }]
}

# Audit logs and bastion session recordings: write once, kept 180 days.
# COMPLIANCE is the only mode OUTSCALE offers.
resource "health_warehouse_storage" "audit" {
  name = "cohort-2026-audit"
  zone = "audit"

  object_lock = {
    mode           = "COMPLIANCE"
    retention_days = 180
  }
}

# Aggregated results: the cloud's keys suffice; delete everything with the
# bucket when the project ends.
resource "health_warehouse_storage" "results" {
  name          = "cohort-2026-results"
  zone          = "results"
  force_destroy = true
}

# What the bucket will enforce, for the review of a change:
output "raw_policy" {
  value = jsondecode(health_warehouse_storage.raw.policy_json)
}
