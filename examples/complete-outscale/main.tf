# A complete warehouse on 3DS OUTSCALE, from one module call.
#
# The provider reads everything from the environment:
#   OSC_ACCESS_KEY, OSC_SECRET_KEY, OSC_REGION (cloudgouv-eu-west-1 is the
#   SecNumCloud-qualified Region), and, for the keys, HEALTH_KMS_ADDR and
#   HEALTH_KMS_TOKEN: the address of the warehouse's own OpenBao and a token
#   limited to its transit keys (see "First apply" in modules/warehouse).
provider "health" {
  cloud = "outscale"
}

module "warehouse" {
  source = "../../modules/warehouse"

  name        = var.name
  admin_cidrs = var.admin_cidrs
  admins      = var.admins
  size        = "small"

  # OOS takes no bucket-scoped key: give the bastion a key allowed to write
  # to the audit bucket, its secret from the environment
  # (TF_VAR_audit_secret_access_key), never stored.
  audit_access_key_id     = var.audit_access_key_id
  audit_secret_access_key = var.audit_secret_access_key

  retire = var.retire

  tags = {
    project = var.name
    owner   = "data-office"
  }
}
