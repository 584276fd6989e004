# The same sovereign health-data warehouse on both qualified clouds, side by
# side: what a tender evaluator runs to compare them. This first version
# reads what each cloud offers and who the credentials belong to; the
# warehouse itself (network, keys, storage, bastion) joins as its resources land.

provider "health" {
  alias = "outscale"
  cloud = "outscale"

  outscale {
    region     = var.outscale_region
    endpoint   = var.outscale_endpoint
    access_key = var.outscale_access_key
    secret_key = var.outscale_secret_key
  }
}

provider "health" {
  alias = "ovh"
  cloud = "ovh"

  ovh {
    region             = var.ovh_region
    endpoint           = var.ovh_endpoint
    project_id         = var.ovh_project_id
    application_key    = var.ovh_application_key
    application_secret = var.ovh_application_secret
    consumer_key       = var.ovh_consumer_key
  }
}

# The catalogue needs no call to either cloud.
data "health_secnumcloud_regions" "all" {
  provider = health.outscale
}

data "health_caller_identity" "outscale" {
  provider = health.outscale
}

data "health_caller_identity" "ovh" {
  provider = health.ovh
}

locals {
  regions = { for r in data.health_secnumcloud_regions.all.regions : "${r.cloud}/${r.name}" => r }
}
