# The warehouse's only administrative door: a hardened SSH bastion in the
# network's bastion tier, with a second factor, every session recorded, a
# host key pinned in known_hosts, and its audit trail shipped to a bucket.
resource "health_warehouse_bastion" "this" {
  name          = var.name
  network_id    = var.network_id
  network_rules = var.network_rules
  admins        = var.admins
  size          = var.size

  package_mirror = var.package_mirror

  session_recording = true
  allowed_targets   = var.allowed_targets
  idle_timeout      = var.idle_timeout

  audit_bucket = var.audit_bucket == null ? null : {
    bucket            = var.audit_bucket.bucket
    endpoint          = var.audit_bucket.endpoint
    prefix            = var.audit_bucket.prefix
    access_key_id     = var.audit_bucket.access_key_id
    secret_access_key = var.audit_secret_access_key
    region            = null
  }

  tags = var.tags

  compliance_exceptions = length(var.compliance_exceptions) > 0 ? var.compliance_exceptions : null

  lifecycle {
    precondition {
      condition     = var.audit_bucket == null || (try(var.audit_bucket.access_key_id, null) == null) == (var.audit_secret_access_key == null)
      error_message = "audit_bucket.access_key_id and audit_secret_access_key go together: give both, or neither on OUTSCALE, where the provider makes the bastion its own write-only key."
    }
  }
}
