output "unsupported_inputs" {
  description = "Every Azure input set to something the warehouse does not do, with the reason: read it after each plan. Inputs left unset are never listed."
  value       = { for k, v in local.unsupported : k => v if v != null }
}

output "mapping" {
  description = "What each honoured Azure input became in modules/warehouse."
  value = {
    name                   = var.tre_id
    cidr                   = var.address_space[0]
    subnet_cidrs           = local.tier_blocks
    admin_cidrs            = var.admin_source_address_prefixes
    admins                 = [for k in var.admin_ssh_keys : k.username]
    size                   = local.size
    retention_days         = local.retention_days
    version_retention_days = coalesce(var.blob_delete_retention_days, 90)
    key_rotation_period    = local.rotation_days == null ? "90d" : "${local.rotation_days}d"
    bucket_prefix          = coalesce(var.storage_account_name, var.tre_id)
  }
}

output "ssh_config" {
  description = "The administrators' ssh_config (see modules/warehouse)."
  value       = module.warehouse.ssh_config
}

output "known_hosts" {
  description = "The line pinning the bastion's host key."
  value       = module.warehouse.known_hosts
}

output "bastion_public_ip" {
  description = "The bastion's public address (what Azure Bastion's public IP was)."
  value       = module.warehouse.bastion_public_ip
}

output "buckets" {
  description = "The buckets by zone (what the storage account's containers were)."
  value       = module.warehouse.buckets
}

output "keys" {
  description = "The keys by zone (what the Key Vault keys were)."
  value       = module.warehouse.keys
}

output "key_manager" {
  description = "The key manager (what the Key Vault was)."
  value       = module.warehouse.key_manager
}

output "compliant" {
  description = "Whether every control of the provider's compliance profile passes or is excepted."
  value       = module.warehouse.compliant
}

output "compliance_report_markdown" {
  description = "The compliance report, for people."
  value       = module.warehouse.compliance_report_markdown
}

output "compliance_report_json" {
  description = "The compliance report, for machines."
  value       = module.warehouse.compliance_report_json
}
