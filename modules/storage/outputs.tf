output "name" {
  description = "The bucket's name."
  value       = health_warehouse_storage.this.name
}

output "id" {
  description = "The bucket's id (its name), for the compliance data source and imports."
  value       = health_warehouse_storage.this.id
}

output "endpoint" {
  description = "The S3 endpoint to reach the bucket with, path style."
  value       = health_warehouse_storage.this.endpoint
}

output "region" {
  description = "The region the bucket is in (the provider's region)."
  value       = health_warehouse_storage.this.region
}

output "zone" {
  description = "The data zone the bucket holds, or null."
  value       = health_warehouse_storage.this.zone
}

output "encryption_mode" {
  description = "customer-key (objects' keys wrapped by kms_key_id) or provider-managed."
  value       = health_warehouse_storage.this.encryption.mode
}

output "kms_key_id" {
  description = "The id of the key that wraps the objects' keys (customer-key), or null."
  value       = health_warehouse_storage.this.encryption.kms_key_id
}

output "object_lock_retention_days" {
  description = "How long each object version stays immutable, in days; null without object lock."
  value       = try(health_warehouse_storage.this.object_lock.retention_days, null)
}

output "access_key_id" {
  description = "OVHcloud: the access key id of the bucket's own S3 key (read its secret with the health_warehouse_storage_credentials ephemeral resource). Empty on OUTSCALE, whose object storage takes the account's keys."
  value       = health_warehouse_storage.this.access_key_id
}

output "policy_kind" {
  description = "bucket-policy (OUTSCALE) or user-policy (OVHcloud)."
  value       = health_warehouse_storage.this.policy_kind
}

output "policy" {
  description = "The access policy the provider writes, decoded, for the review of a change."
  value       = jsondecode(health_warehouse_storage.this.policy_json)
}

output "compliance_exceptions" {
  description = "The exceptions the bucket carries (the module's and yours), for the compliance report."
  value       = local.exceptions
}

output "cloud_ids" {
  description = "Ids of the cloud objects made for the bucket: on OVHcloud its user and access key."
  value       = health_warehouse_storage.this.cloud_ids
}

output "access_logs" {
  description = "Where the bucket's server access logs go (bucket and prefix), or null."
  value       = health_warehouse_storage.this.access_logs
}
