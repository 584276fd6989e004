output "accounts" {
  description = "The account each cloud's credentials belong to."
  value = {
    outscale = "${data.health_caller_identity.outscale.account_id} in ${data.health_caller_identity.outscale.region}"
    ovh      = "${data.health_caller_identity.ovh.account_id}, project ${data.health_caller_identity.ovh.project_id}, in ${data.health_caller_identity.ovh.region}"
  }
}

output "warehouse_regions" {
  description = "What public sources say of the region each warehouse lives in."
  value = {
    outscale = local.regions["outscale/${var.outscale_region}"]
    ovh      = local.regions["ovh/${var.ovh_region}"]
  }
}

output "regions_catalogue" {
  description = "Every region and offer of both clouds: SecNumCloud / HDS status, and whether this provider deploys there."
  value = [
    for r in data.health_secnumcloud_regions.all.regions :
    format("%-9s %-22s SecNumCloud:%-3s HDS:%-3s %s%s", r.cloud, r.name,
      r.secnumcloud_qualified ? "yes" : "no", r.hds_certified ? "yes" : "no", r.offer,
    r.provider_supported ? "" : " (not deployable by this provider)")
  ]
}

output "comparison" {
  description = "The two warehouses side by side: how each cloud provides each building block, and the verdict of its compliance report."
  value = {
    for aspect, v in {
      "network: rules enforced by"      = [module.outscale.network.rules_enforcement, module.ovh.network.rules_enforcement]
      "network: path to storage"        = [module.outscale.network.storage_path, module.ovh.network.storage_path]
      "network: egress addresses"       = [join(", ", module.outscale.network.egress_ips), join(", ", module.ovh.network.egress_ips)]
      "keys: held by"                   = [module.outscale.key_manager.backend, module.ovh.key_manager.backend]
      "keys: key manager servers"       = [tostring(length(module.outscale.key_manager.servers)), tostring(length(module.ovh.key_manager.servers))]
      "storage: raw bucket encryption"  = [module.outscale.buckets.raw.encryption, module.ovh.buckets.raw.encryption]
      "storage: audit lock (days)"      = [tostring(module.outscale.buckets.audit.object_lock_retention_days), tostring(module.ovh.buckets.audit.object_lock_retention_days)]
      "bastion: second factor"          = [module.outscale.bastion.mfa, module.ovh.bastion.mfa]
      "workspace: machines"             = [tostring(length(module.outscale.workspaces.study.machines)), tostring(length(module.ovh.workspaces.study.machines))]
      "workspace: working bucket"       = [module.outscale.workspaces.study.buckets.working.encryption, module.ovh.workspaces.study.buckets.working.encryption]
      "bastion: audit trail shipped to" = [coalesce(module.outscale.bastion.audit_shipping, "(stays on the bastion)"), coalesce(module.ovh.bastion.audit_shipping, "(stays on the bastion)")]
      "compliance: exceptions stated"   = [tostring(length(module.outscale.exceptions)), tostring(length(module.ovh.exceptions))]
      "compliance: verdict"             = [module.outscale.compliant ? "compliant" : "NOT compliant", module.ovh.compliant ? "compliant" : "NOT compliant"]
    } : aspect => { outscale = v[0], ovh = v[1] }
  }
}

output "ssh_config" {
  description = "The administrators' ssh_config for each bastion: save both, then ssh <name>-osc-bastion or <name>-ovh-bastion."
  value = {
    outscale = module.outscale.ssh_config
    ovh      = module.ovh.ssh_config
  }
}

output "known_hosts" {
  description = "The lines pinning each bastion's host key: append them to ~/.ssh/known_hosts."
  value = {
    outscale = module.outscale.known_hosts
    ovh      = module.ovh.known_hosts
  }
}

output "workspaces" {
  description = "Each warehouse's research workspaces: machines, buckets, key, and how a member connects (connect.text)."
  value = {
    outscale = module.outscale.workspaces
    ovh      = module.ovh.workspaces
  }
}

output "buckets" {
  description = "Each warehouse's buckets by zone."
  value = {
    outscale = module.outscale.buckets
    ovh      = module.ovh.buckets
  }
}

output "keys" {
  description = "Each warehouse's keys by zone."
  value = {
    outscale = module.outscale.keys
    ovh      = module.ovh.keys
  }
}

output "key_managers" {
  description = "Each warehouse's key manager."
  value = {
    outscale = module.outscale.key_manager
    ovh      = module.ovh.key_manager
  }
}

output "compliance" {
  description = "Each compliance report's verdict and counts."
  value = {
    outscale = { compliant = module.outscale.compliant, summary = module.outscale.compliance_summary, exceptions = module.outscale.exceptions }
    ovh      = { compliant = module.ovh.compliant, summary = module.ovh.compliance_summary, exceptions = module.ovh.exceptions }
  }
}

output "outscale_compliance_report_markdown" {
  description = "terraform output -raw outscale_compliance_report_markdown > outscale.md"
  value       = module.outscale.compliance_report_markdown
}

output "outscale_compliance_report_json" {
  description = "terraform output -raw outscale_compliance_report_json > outscale.json"
  value       = module.outscale.compliance_report_json
}

output "ovh_compliance_report_markdown" {
  description = "terraform output -raw ovh_compliance_report_markdown > ovh.md"
  value       = module.ovh.compliance_report_markdown
}

output "ovh_compliance_report_json" {
  description = "terraform output -raw ovh_compliance_report_json > ovh.json"
  value       = module.ovh.compliance_report_json
}

output "notes" {
  description = "What to know about each deployment."
  value = {
    outscale = module.outscale.notes
    ovh      = module.ovh.notes
  }
}
