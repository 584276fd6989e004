# An Azure warehouse's tfvars, onto modules/warehouse. Each mapping is stated
# once below; everything that cannot be honoured lands in unsupported_inputs
# with the reason (HCL cannot emit a warning from a module).

locals {
  # Subnets: the first subnet mapped to a tier gives the tier its block.
  subnets = [
    for i, n in var.subnet_names : {
      name   = n
      prefix = try(var.subnet_prefixes[i], null)
      tier   = lookup(var.subnet_tiers, n, null)
    }
  ]
  tier_blocks = {
    for t in ["bastion", "compute", "data", "kms"] : t => try([for s in local.subnets : s.prefix if s.tier == t && s.prefix != null][0], null)
  }
  subnets_left_out = [
    for s in local.subnets : s.name
    if s.tier == null || s.prefix == null || local.tier_blocks[coalesce(s.tier, "bastion")] != s.prefix
  ]

  # ISO 8601 rotation (P90D, P12W, P3M, P1Y) to days.
  rotation_iso  = try(var.key_rotation_policy.automatic.time_after_creation, null)
  rotation_unit = local.rotation_iso == null ? null : regex("^P([0-9]+)([DWMY])$", local.rotation_iso)
  rotation_days = local.rotation_unit == null ? null : tonumber(local.rotation_unit[0]) * lookup({ D = 1, W = 7, M = 30, Y = 365 }, local.rotation_unit[1])

  # Logs and recordings: the longest asked for, never under six months.
  asked_retention = [for d in [var.immutability_period_since_creation_in_days, var.log_analytics_retention_in_days] : d if d != null]
  retention_days  = max(concat([180], local.asked_retention)...)

  size = (
    var.bastion_scale_units == null ? "small" :
    var.bastion_scale_units <= 2 ? "small" :
    var.bastion_scale_units <= 10 ? "medium" : "large"
  )

  # Every input set to something the warehouse does not do, with why.
  unsupported = {
    location                                   = var.location == null ? null : "The region is the provider's (outscale.region or ovh.region), checked against the compliance profile; ${var.location} is an Azure region."
    resource_group_name                        = var.resource_group_name == null ? null : "Neither cloud has resource groups: every part carries the tag warehouse = ${var.tre_id}."
    address_space                              = length(var.address_space) <= 1 ? null : "A warehouse network has one block: ${var.address_space[0]} is used, ${join(", ", slice(var.address_space, 1, length(var.address_space)))} ignored."
    subnet_names                               = length(local.subnets_left_out) == 0 ? null : "Subnets mapped to no tier (see subnet_tiers), without a prefix, or to a tier an earlier subnet took: ${join(", ", local.subnets_left_out)}. The warehouse has four tiers: bastion, compute, data, kms."
    dns_servers                                = var.dns_servers == null || length(coalesce(var.dns_servers, [])) == 0 ? null : "The network uses the cloud's resolvers; custom DNS servers are not set."
    ddos_protection_plan_id                    = var.ddos_protection_plan_id == null ? null : "DDoS protection is the cloud's own, not a plan attached to a network."
    account_replication_type                   = var.account_replication_type == null || contains(["LRS", "ZRS"], coalesce(var.account_replication_type, "LRS")) ? null : "No geo-replication to a second region: health data stays in the qualified region (HW-LOC-01). Replicate with a second warehouse in another qualified region if you need one."
    https_traffic_only_enabled                 = var.https_traffic_only_enabled != false ? null : "Plain HTTP is never allowed on purpose: OVHcloud buckets refuse it, OUTSCALE clients use the https:// endpoint (HW-STO-03)."
    public_network_access_enabled              = var.public_network_access_enabled != true ? null : "Buckets serve the warehouse network only (OVHcloud: its egress addresses; OUTSCALE: its Net access point); public access is never granted (HW-STO-04)."
    shared_access_key_enabled                  = var.shared_access_key_enabled != false ? null : "There is no identity-based (Entra ID) access to buckets: S3 access keys are the only way in (OVHcloud: one key per bucket; OUTSCALE: the account's keys)."
    infrastructure_encryption_enabled          = var.infrastructure_encryption_enabled != true ? null : "Buckets have one layer of server-side encryption with the cloud's keys; raw and pseudonymised objects get a second one, their data keys wrapped by your KMS key (SSE-C). results and audit have the first only."
    is_hns_enabled                             = var.is_hns_enabled != true ? null : "S3 has no hierarchical namespace: folders are key prefixes, renames are copies."
    sftp_enabled                               = var.sftp_enabled != true ? null : "Buckets speak S3 only."
    blob_versioning_enabled                    = var.blob_versioning_enabled != false ? null : "Buckets are always versioned (HW-STO-01)."
    container_delete_retention_days            = var.container_delete_retention_days == null ? null : "A bucket cannot be soft-deleted: deleting one that holds data is refused unless the warehouse is retired."
    immutability_period_since_creation_in_days = var.immutability_period_since_creation_in_days == null || coalesce(var.immutability_period_since_creation_in_days, 180) >= 180 ? null : "Raised to 180 days: logs and recordings are kept at least six months (HW-LOG-01)."
    enable_cmk_encryption                      = var.enable_cmk_encryption != false ? null : "The raw and pseudonymised zones always use a customer-held key (HW-ENC-02); results and audit use the cloud's keys."
    key_vault_sku_name                         = var.key_vault_sku_name != "premium" ? null : "No HSM tier to choose: OUTSCALE keys live in your OpenBao servers (software keys), OVHcloud keys in OKMS."
    kv_purge_protection_enabled                = var.kv_purge_protection_enabled != false ? null : "Keys are always protected against deletion (HW-KEY-02); set retire = true to retire the warehouse."
    soft_delete_retention_days                 = var.soft_delete_retention_days == null ? null : "Neither key manager has a soft-delete period: deletion protection refuses the deletion instead, and a deleted key is gone."
    key_type                                   = var.key_type == null || var.key_type == "oct-HSM" ? null : "The zones' keys are AES-256 (OKMS oct, OpenBao aes256-gcm96), which wrap each object's data key; ${coalesce(var.key_type, "-")} keys are not made."
    key_size                                   = var.key_size == null ? null : "The zones' keys are AES-256."
    key_rotation_policy                        = try(var.key_rotation_policy.automatic.time_before_expiry, null) == null && try(var.key_rotation_policy.expire_after, null) == null && try(var.key_rotation_policy.notify_before_expiry, null) == null ? null : "Keys do not expire: time_before_expiry, expire_after and notify_before_expiry have no equivalent; rotation follows time_after_creation."
    deploy_bastion                             = var.deploy_bastion != false ? null : "The bastion is the warehouse's only administrative door and is always deployed."
    bastion_sku                                = var.bastion_sku != "Developer" ? null : "There is no shared (Developer) bastion: the warehouse has its own."
    bastion_copy_paste_enabled                 = var.bastion_copy_paste_enabled != false ? null : "SSH sessions run in the administrator's own terminal, whose clipboard the bastion cannot control."
    bastion_file_copy_enabled                  = var.bastion_file_copy_enabled != true ? null : "The bastion has no SFTP subsystem: files do not transit through it."
    bastion_tunneling_enabled                  = var.bastion_tunneling_enabled != false ? null : "Administrators always reach the tiers through a recorded hop on the bastion; it forwards no connection."
    bastion_shareable_link_enabled             = var.bastion_shareable_link_enabled != true ? null : "There are no shareable links: each administrator logs in with their own key and second factor."
    bastion_kerberos_enabled                   = var.bastion_kerberos_enabled != true ? null : "Administrators authenticate with SSH keys and a second factor, not Kerberos."
    bastion_session_recording_enabled          = var.bastion_session_recording_enabled != false ? null : "Sessions are always recorded (HW-ADM-03)."
    log_analytics_retention_in_days            = var.log_analytics_retention_in_days == null || coalesce(var.log_analytics_retention_in_days, 180) >= 180 ? null : "Raised to 180 days: logs and recordings are kept at least six months (HW-LOG-01)."
    log_analytics_workspace_id                 = var.log_analytics_workspace_id == null ? null : "No Log Analytics: the bastion ships its logs and recordings to the audit bucket; the clouds keep their own API audit trails."
  }
}

module "warehouse" {
  source = "../warehouse"

  name = var.tre_id
  cidr = var.address_space[0]
  subnet_cidrs = {
    bastion = local.tier_blocks.bastion
    compute = local.tier_blocks.compute
    data    = local.tier_blocks.data
    kms     = local.tier_blocks.kms
  }
  admin_cidrs            = var.admin_source_address_prefixes
  admins                 = [for k in var.admin_ssh_keys : { name = k.username, ssh_public_key = k.public_key }]
  size                   = local.size
  retention_days         = local.retention_days
  version_retention_days = coalesce(var.blob_delete_retention_days, 90)
  key_rotation_period    = local.rotation_days == null ? "90d" : "${local.rotation_days}d"
  bucket_prefix          = var.storage_account_name
  tags                   = var.tags

  audit_access_key_id     = var.audit_access_key_id
  audit_secret_access_key = var.audit_secret_access_key
  retire                  = var.retire
}
