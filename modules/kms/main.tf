# The warehouse's key manager and its customer-managed keys. On OUTSCALE,
# whose API has no KMS, the key manager is a cluster of OpenBao servers in the
# network's kms tier, held by you; on OVHcloud it is your OVHcloud KMS (OKMS),
# which the key manager adopts without creating anything.
resource "health_warehouse_key_manager" "this" {
  network_id    = var.network_id
  network_rules = var.network_rules
  name          = "${var.name}-kms"
  servers       = var.servers
  size          = var.size
  tags          = var.tags

  package_mirror = var.package_mirror
  openbao_mirror = var.openbao_mirror
  openbao_sha256 = var.openbao_sha256

  compliance_exceptions = length(var.compliance_exceptions.key_manager) > 0 ? var.compliance_exceptions.key_manager : null
}

locals {
  retire_exceptions = var.deletion_protection ? [] : [{
    control       = "HW-KEY-02"
    justification = var.retire_justification
  }]
  key_exceptions = values(merge(
    { for e in local.retire_exceptions : e.control => e },
    { for e in var.compliance_exceptions.kms_key : e.control => e },
  ))
}

resource "health_warehouse_kms_key" "this" {
  for_each = var.keys

  name            = "${var.name}-${each.key}"
  algorithm       = each.value.algorithm
  usage           = each.value.usage != null ? each.value.usage : (each.value.algorithm == "aes-256" ? "wrap-unwrap" : "sign-verify")
  rotation_period = each.value.rotation_period

  deletion_protection = var.deletion_protection
  tags                = var.tags

  compliance_exceptions = length(local.key_exceptions) > 0 ? local.key_exceptions : null

  # The keys live in the key manager: on OUTSCALE they are made once its
  # servers are up, and deleted before them.
  depends_on = [health_warehouse_key_manager.this]
}
