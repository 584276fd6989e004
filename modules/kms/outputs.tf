output "key_manager_id" {
  description = "The key manager's id, for the compliance data source."
  value       = health_warehouse_key_manager.this.id
}

output "backend" {
  description = "Which key manager holds the keys: openbao (your OpenBao cluster, OUTSCALE) or ovh-okms (your OVHcloud KMS)."
  value       = health_warehouse_key_manager.this.backend
}

output "address" {
  description = "The key manager's API address: what applications and the provider's kms_address (OUTSCALE) point at."
  value       = health_warehouse_key_manager.this.address
}

output "ca_cert_pem" {
  description = "The CA certificate the key manager's TLS certificate chains to: what clients trust (the provider's kms_ca_cert on OUTSCALE)."
  value       = health_warehouse_key_manager.this.ca_cert_pem
}

output "servers" {
  description = "The OpenBao servers (OUTSCALE), in order, each with its index, VM id, name, private address and state; empty on OVHcloud."
  value       = health_warehouse_key_manager.this.nodes
}

output "init_instructions" {
  description = "What the key manager's custodians do once, by hand, before it holds keys (OpenBao: initialise and unseal; OKMS: nothing)."
  value       = health_warehouse_key_manager.this.init_instructions
}

output "keys" {
  description = "The keys by short name: id (stable, what buckets record and imports take), key_id (what consumers name; changes at each rotation on OKMS), version, rotation period and name."
  value = {
    for k, key in health_warehouse_kms_key.this : k => {
      id              = key.id
      key_id          = key.key_id
      name            = key.name
      version         = key.version
      rotation_period = key.rotation_period
      backend         = key.backend
    }
  }
}

output "key_ids" {
  description = "The stable id of each key, by short name."
  value       = { for k, key in health_warehouse_kms_key.this : k => key.id }
}

output "compliance_exceptions" {
  description = "The exceptions the keys carry (the retirement's and yours), for the compliance report."
  value       = local.key_exceptions
}
