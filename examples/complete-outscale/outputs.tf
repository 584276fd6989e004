output "ssh_config" {
  description = "Save as ~/.ssh/config.d/warehouse and include it from ~/.ssh/config."
  value       = module.warehouse.ssh_config
}

output "known_hosts" {
  description = "Append to ~/.ssh/known_hosts before the first connection: the bastion's host key, pinned."
  value       = module.warehouse.known_hosts
}

output "bastion_public_ip" {
  description = "The bastion's public address."
  value       = module.warehouse.bastion_public_ip
}

output "buckets" {
  description = "The buckets by zone, with their endpoint and encryption."
  value       = module.warehouse.buckets
}

output "keys" {
  description = "The keys of the raw and pseudonymised zones."
  value       = module.warehouse.keys
}

output "key_manager" {
  description = "The OpenBao cluster: address, CA certificate, servers, and what its custodians do once."
  value       = module.warehouse.key_manager
}

output "compliant" {
  description = "Whether every control of the profile passes or is excepted."
  value       = module.warehouse.compliant
}

output "compliance_report_markdown" {
  description = "terraform output -raw compliance_report_markdown > compliance.md"
  value       = module.warehouse.compliance_report_markdown
}

output "compliance_report_json" {
  description = "terraform output -raw compliance_report_json > compliance.json"
  value       = module.warehouse.compliance_report_json
}

output "notes" {
  description = "What to know about this deployment."
  value       = module.warehouse.notes
}

output "workspaces" {
  description = "The research workspaces: machines, buckets, key, and how a member connects (terraform output -json workspaces | jq -r .diab.connect.text)."
  value       = module.warehouse.workspaces
}
