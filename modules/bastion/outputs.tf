output "id" {
  description = "The bastion VM's id (i-… on OUTSCALE, the instance UUID on OVHcloud)."
  value       = health_warehouse_bastion.this.id
}

output "public_ip" {
  description = "The address administrators connect to."
  value       = health_warehouse_bastion.this.public_ip
}

output "private_ip" {
  description = "The bastion's address in the bastion tier."
  value       = health_warehouse_bastion.this.private_ip
}

output "known_hosts" {
  description = "The known_hosts line pinning the bastion's host key: append it to ~/.ssh/known_hosts before the first connection."
  value       = health_warehouse_bastion.this.known_hosts
}

output "host_key_fingerprint" {
  description = "The host key's fingerprint (SHA256:…), as ssh prints it."
  value       = health_warehouse_bastion.this.host_key_fingerprint
}

output "ssh_config" {
  description = "A ready ssh_config: the bastion's Host block, and for each allowed tier a block reaching its addresses through a recorded hop (a session on the bastion running ssh to the target; the bastion forwards nothing, ssh -J is refused)."
  value       = health_warehouse_bastion.this.ssh_config
}

output "mfa" {
  description = "The second factor sshd demands: fido2 or totp."
  value       = health_warehouse_bastion.this.mfa
}

output "audit_shipping" {
  description = "Where the audit trail goes: s3://bucket/prefix, or null when it stays on the bastion."
  value       = var.audit_bucket == null ? null : "s3://${var.audit_bucket.bucket}/${var.audit_bucket.prefix}"
}

output "logins" {
  description = "The administrators' logins on the bastion, in order."
  value       = [for a in health_warehouse_bastion.this.admins : a.name]
}
