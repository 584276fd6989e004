output "bastion" {
  description = "How administrators reach the warehouse: the bastion's public IP, its host key pinned in a known_hosts line, a ready ssh_config (recorded hops to the tiers), and the logins it has (admins, then the workspaces' members)."
  value = {
    public_ip            = module.bastion.public_ip
    known_hosts          = module.bastion.known_hosts
    host_key_fingerprint = module.bastion.host_key_fingerprint
    ssh_config           = module.bastion.ssh_config
    mfa                  = module.bastion.mfa
    audit_shipping       = module.bastion.audit_shipping
    logins               = module.bastion.logins
  }
}

output "ssh_config" {
  description = "A ready ssh_config for the administrators: save it (for example as `~/.ssh/config.d/<name>`) and connect with `ssh <name>-bastion`."
  value       = module.bastion.ssh_config
}

output "known_hosts" {
  description = "The line that pins the bastion's host key: append it to ~/.ssh/known_hosts before the first connection."
  value       = module.bastion.known_hosts
}

output "bastion_public_ip" {
  description = "The bastion's public address."
  value       = module.bastion.public_ip
}

output "buckets" {
  description = "The buckets by zone: name, S3 endpoint (path style), encryption (customer-key or provider-managed), object lock retention, the bucket's own access key id (OVHcloud), and where its server access logs go (the audit bucket, under access-logs/<zone>/)."
  value = {
    for z, b in local.buckets : z => {
      name                       = b.name
      endpoint                   = b.endpoint
      encryption                 = b.encryption_mode
      object_lock_retention_days = b.object_lock_retention_days
      access_key_id              = b.access_key_id
      access_logs                = b.access_logs
    }
  }
}

output "keys" {
  description = "The keys by zone: id (stable), key_id (what the pipeline names when it wraps or unwraps; on OVHcloud it changes at each rotation), version."
  value = {
    raw           = module.kms.keys["raw"]
    pseudonymised = module.kms.keys["pseudo"]
  }
}

output "key_manager" {
  description = "The key manager: backend (openbao on OUTSCALE, ovh-okms on OVHcloud), address, the CA certificate its clients trust, its servers, and what its custodians do once by hand."
  value = {
    id                = module.kms.key_manager_id
    backend           = module.kms.backend
    address           = module.kms.address
    ca_cert_pem       = module.kms.ca_cert_pem
    servers           = module.kms.servers
    init_instructions = module.kms.init_instructions
  }
}

output "network" {
  description = "The network: id, region, tiers and their blocks, every rule both ways, how the rules are enforced and how the tiers reach object storage, and the egress addresses."
  value = {
    id                = module.network.id
    region            = module.network.region
    subnet_cidrs      = module.network.subnet_cidrs
    rules             = module.network.rules
    rules_enforcement = module.network.rules_enforcement
    storage_path      = module.network.storage_path
    egress_ips        = module.network.egress_ips
  }
}

output "compliant" {
  description = "Whether every control of the provider's compliance profile passes or is excepted, read back from the cloud."
  value       = data.health_warehouse_compliance.this.compliant
}

output "compliance_summary" {
  description = "How many controls pass, fail, are excepted, do not apply or could not be decided."
  value       = data.health_warehouse_compliance.this.summary
}

output "compliance_report_markdown" {
  description = "The compliance report, for people: every control, its status, the evidence read from the cloud, and each exception's justification (terraform output -raw compliance_report_markdown > report.md)."
  value       = data.health_warehouse_compliance.this.report_markdown
}

output "compliance_report_json" {
  description = "The compliance report, for machines (the same content as the Markdown report)."
  value       = data.health_warehouse_compliance.this.report_json
}

output "exceptions" {
  description = "Every compliance exception the warehouse carries, with its subject and justification: the module's own (HW-STO-03 on OUTSCALE buckets, HW-KEY-02 while retiring, HW-NET-01 while egress_allow is left to its default) and yours."
  value       = local.exceptions
}

output "workspaces" {
  description = "The research workspaces by key: name, id, machines (name, id, private address, state), buckets (working, import, export), their key, the identity's id, and connect: how a member reaches each machine through the bastion (connect.text for people)."
  value = {
    for k, w in module.workspace : k => {
      name        = w.name
      id          = w.id
      machines    = w.machines
      buckets     = w.buckets
      key         = w.key
      identity_id = w.identity_id
      connect     = w.connect
    }
  }
}

output "notes" {
  description = "What the operator should know about this deployment, such as what is unverified about the audit trail's shipping."
  value = compact([
    local.on_ovh || var.audit_access_key_id != null ? "" : "The bastion ships its audit trail with its own write-only EIM identity (s3:PutObject under ${local.buckets["audit"].name}/bastions/ only). Whether OOS honours EIM policies on a real account is unverified: check once that the bastion's key can write there and cannot read.",
    length(var.workspaces) == 0 || local.compute_egress ? "" : "The workspaces' machines are in the compute tier, which egress_allow lets reach nothing outside the warehouse: their first boot cannot install their host firewall and tools (apt). List your package mirror in egress_allow for the compute tier, and set package_mirror.",
    var.retire ? "Retiring: the keys may be deleted and the buckets emptied. terraform destroy now deletes the keys, which makes the data unreadable for good." : "",
  ])
}
