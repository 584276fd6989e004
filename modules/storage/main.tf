# One bucket of the warehouse with its defaults: versioned, encrypted at rest
# (with a customer key when one is given), object-locked for audit data, old
# versions expired, and the private path each cloud offers.

# Without a network, which cloud this is comes from the provider itself.
data "health_caller_identity" "this" {
  count = var.network == null ? 1 : 0
}

locals {
  # Known at plan time on both clouds: the network's storage_path, or the
  # provider's cloud.
  on_outscale = var.network != null ? var.network.storage_path == "net-access-point" : one(data.health_caller_identity.this[*].cloud) == "outscale"

  retention_days = var.retention_days != null ? var.retention_days : (var.zone == "audit" ? 180 : null)

  # OUTSCALE: OOS bucket policies take no conditions, so no bucket can refuse
  # plain HTTP (HW-STO-03); the exception says so in every plan and report.
  # An exception of the caller for the same control takes its place.
  default_exceptions = local.on_outscale ? [{
    control       = "HW-STO-03"
    justification = "OOS bucket policies take no conditions, so an OUTSCALE bucket cannot refuse plain HTTP; the warehouse reaches OOS through the network's Net access point and every client uses the https:// endpoint."
  }] : []
  exceptions = values(merge(
    { for e in local.default_exceptions : e.control => e },
    { for e in var.compliance_exceptions : e.control => e },
  ))

  # OVHcloud only: OUTSCALE refuses allowed_source_ips at plan time.
  allowed_source_ips = (
    local.on_outscale || var.network == null || !var.restrict_to_network ? null :
    distinct(concat(var.network.egress_ips, var.extra_source_ips))
  )
}

resource "health_warehouse_storage" "this" {
  name          = var.name
  zone          = var.zone
  versioning    = true
  force_destroy = var.force_destroy

  encryption = var.kms_key_id != null ? {
    mode       = "customer-key"
    kms_key_id = var.kms_key_id
    } : {
    mode       = "provider-managed"
    kms_key_id = null
  }

  object_lock = local.retention_days != null ? {
    mode           = "COMPLIANCE" # the only mode OUTSCALE offers, and the one nobody can bypass
    retention_days = local.retention_days
  } : null

  lifecycle_rules = [{
    id                                 = var.noncurrent_version_days != null ? "expire-old-versions" : "abort-incomplete-uploads"
    noncurrent_version_expiration_days = var.noncurrent_version_days
    abort_incomplete_upload_days       = 7
  }]

  allowed_source_ips = local.allowed_source_ips
  access_logs        = var.access_logs
  tags               = var.tags

  compliance_exceptions = length(local.exceptions) > 0 ? local.exceptions : null
}
