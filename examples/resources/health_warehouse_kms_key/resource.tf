# The warehouse's customer-managed key: AES-256, rotated every 90 days,
# protected against deletion. The same HCL works on both clouds: on OUTSCALE
# the key lives in your OpenBao, on OVHcloud in your OVHcloud KMS.
resource "health_warehouse_kms_key" "data" {
  name            = "cohort-2026-data"
  algorithm       = "aes-256"
  usage           = "wrap-unwrap" # it encrypts the storage's data keys
  rotation_period = "90d"

  tags = {
    project = "cohort-2026"
    owner   = "data-office"
  }
}

# A signing key for the audit trail's seals.
resource "health_warehouse_kms_key" "audit" {
  name      = "cohort-2026-audit"
  algorithm = "rsa-3072"
  usage     = "sign-verify"
}

# Rotate now, for instance after an incident: change the trigger and apply.
# The version goes up, the id stays, older versions keep decrypting.
resource "health_warehouse_kms_key" "exports" {
  name           = "cohort-2026-exports"
  rotate_trigger = "2026-03-incident"
}

# Consumers name the current version by key_id: on OVHcloud it changes at
# each rotation, so reference the attribute rather than copying its value.
output "data_key_id" {
  value = health_warehouse_kms_key.data.key_id
}
