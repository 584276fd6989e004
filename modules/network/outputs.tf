output "id" {
  description = "The network's id in the cloud (vpc-… on OUTSCALE, pn-… on OVHcloud): give it to the bastion."
  value       = health_warehouse_network.this.id
}

output "region" {
  description = "The region the network is in."
  value       = health_warehouse_network.this.region
}

output "subnets" {
  description = "The subnets by tier, with their ids, blocks, security groups and route tables."
  value       = health_warehouse_network.this.subnets
}

output "subnet_cidrs" {
  description = "The block of each tier."
  value       = health_warehouse_network.this.subnet_cidrs
}

output "rules" {
  description = "Every rule in force, inbound and outbound (direction), with its source or destination: anything not listed is denied both ways. Give it to the bastion and the key manager."
  value       = health_warehouse_network.this.rules
}

output "rules_enforcement" {
  description = "How the cloud enforces the rules: security-groups (OUTSCALE) or host-firewall (OVHcloud)."
  value       = health_warehouse_network.this.rules_enforcement
}

output "storage_path" {
  description = "How the tiers reach object storage: net-access-point (OUTSCALE) or gateway (OVHcloud)."
  value       = health_warehouse_network.this.storage_path
}

output "egress_ips" {
  description = "Public addresses the network's traffic leaves from: allow-list them in bucket policies."
  value       = health_warehouse_network.this.egress_ips
}
