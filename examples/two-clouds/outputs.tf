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
