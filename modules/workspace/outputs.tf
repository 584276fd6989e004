output "id" {
  description = "The workspace's id: its security group's (sg-… on OUTSCALE, the Neutron group's UUID on OVHcloud)."
  value       = health_warehouse_workspace.this.id
}

output "name" {
  description = "The workspace's name."
  value       = health_warehouse_workspace.this.name
}

output "compliance_id" {
  description = "The workspace as the compliance data source's workspace_ids takes it (and terraform import): `<network_id>/<name>/<id>`."
  value       = "${health_warehouse_workspace.this.network_id}/${health_warehouse_workspace.this.name}/${health_warehouse_workspace.this.id}"
}

output "machines" {
  description = "The research machines: name, id, private address in the compute tier, state."
  value       = health_warehouse_workspace.this.machines
}

output "identity_id" {
  description = "The workspace's object storage identity: the EIM user's id on OUTSCALE, the object storage user's id on OVHcloud. Members' own sessions take a key of it for one run with the health_warehouse_workspace_credentials ephemeral resource."
  value       = health_warehouse_workspace.this.identity_id
}

output "identity_policy" {
  description = "The identity's object storage policy, decoded, as the cloud holds it: what the workspace may read and write, and nothing else."
  value       = jsondecode(health_warehouse_workspace.this.identity_policy)
}

output "buckets" {
  description = "The workspace's buckets by role (working, import, export): name, S3 endpoint, encryption (customer-key for the working bucket, under kms_key_id: the workspace's key; provider-managed for the airlock's), the bucket's own access key id (OVHcloud) and where its access logs go."
  value = {
    for role, b in module.bucket : role => {
      name          = b.name
      endpoint      = b.endpoint
      encryption    = b.encryption_mode
      kms_key_id    = b.kms_key_id
      access_key_id = b.access_key_id
      access_logs   = b.access_logs
    }
  }
}

output "bucket_names" {
  description = "The three buckets' names, for the compliance data source."
  value       = [for b in module.bucket : b.name]
}

output "key" {
  description = "The workspace's own key: id (stable, what the working bucket records), key_id (what consumers name; changes at each rotation on OKMS), name, version, backend."
  value = {
    id      = health_warehouse_kms_key.this.id
    key_id  = health_warehouse_kms_key.this.key_id
    name    = health_warehouse_kms_key.this.name
    version = health_warehouse_kms_key.this.version
    backend = health_warehouse_kms_key.this.backend
  }
}

output "connect" {
  description = "How a member reaches the machines: through the bastion's recorded hop, with the warehouse's ssh_config saved as ssh_config. For each machine, the known_hosts line that pins its host key (add it to the tiers' known_hosts file; null after an import), the ssh-add command that restricts the member's agent to the bastion and that machine (OpenSSH 8.9 or later; run it first, once per machine), and the ssh command; text says it all for people."
  value = {
    bastion  = local.bastion
    logins   = [for m in var.members : m.name]
    machines = local.machines
    text = join("\n", concat([
      "Workspace ${var.name}: ${length(local.machines)} machine(s), reached through the bastion ${local.bastion} by a recorded hop (a session on the bastion running ssh to the machine). scp, sftp, ssh -J and port forwards are refused: data moves through the workspace's buckets.",
      "1. Save the warehouse's ssh_config output as ssh_config, and its known_hosts line in ~/.ssh/known_hosts.d/health-${local.bastion}.",
      "2. Pin the machines' host keys: add these lines to ~/.ssh/known_hosts.d/health-${local.bastion}-tiers:",
      ], [for m in local.machines : "     ${coalesce(m.known_hosts, "${m.private_ip} <the host key the data office gives you>")}"], [
      "   then restrict your agent to the bastion and each machine (once per machine, again after ssh-add -D):",
      ], [for m in local.machines : "     ${m.name}: ${m.restrict_agent}"], [
      "3. Connect with your login (${local.logins}):",
      ], [for m in local.machines : "     ${m.name}: ${m.ssh}"]
    ))
  }
}

output "compliance_exceptions" {
  description = "The exceptions the workspace's parts carry (the module's and yours), each with its subject (the workspace's name, a bucket's name or the key's id), for the compliance data source."
  value = concat(
    [for e in var.compliance_exceptions.workspace : merge(e, { subject = var.name })],
    flatten([for b in module.bucket : [for e in b.compliance_exceptions : merge(e, { subject = b.id })]]),
    [for e in local.key_exceptions : merge(e, { subject = health_warehouse_kms_key.this.id })],
  )
}
