# The same sovereign health-data warehouse on both qualified clouds, side by
# side, from the same module and the same inputs: what a tender evaluator
# runs to compare them (`make demo` runs it against the local emulator).
#
# Every provider setting defaults to null, and the provider then reads the
# cloud's usual environment variables (OSC_*, OVH_*, HEALTH_KMS_*).

provider "health" {
  alias          = "outscale"
  cloud          = "outscale"
  api_rate_limit = var.api_rate_limit

  outscale {
    region           = var.outscale_region
    endpoint         = var.outscale_endpoint
    access_key       = var.outscale_access_key
    secret_key       = var.outscale_secret_key
    storage_endpoint = var.outscale_storage_endpoint
    kms_address      = var.outscale_kms_address
    kms_token        = var.outscale_kms_token
    kms_ca_cert      = var.outscale_kms_ca_cert
  }
}

provider "health" {
  alias          = "ovh"
  cloud          = "ovh"
  api_rate_limit = var.api_rate_limit
  # OVHcloud Public Cloud regions are HDS-certified, not SecNumCloud-qualified.
  compliance_profile = "hds"

  ovh {
    region             = var.ovh_region
    endpoint           = var.ovh_endpoint
    project_id         = var.ovh_project_id
    application_key    = var.ovh_application_key
    application_secret = var.ovh_application_secret
    consumer_key       = var.ovh_consumer_key
    storage_endpoint   = var.ovh_storage_endpoint
    kms_id             = var.ovh_kms_id
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

# One research workspace per cloud: a machine for an approved project, which
# reads the cohort/ prefix of the pseudonymised bucket; the administrators
# are its members. Its key is named <name>-osc-ws or <name>-ovh-ws: key
# names fit in 24 characters.
locals {
  workspaces = {
    study = {
      members       = var.admins
      machine_count = 1
      datasets      = [{ prefix = "cohort/" }]
    }
  }
}

# The same call on both clouds; only the names differ, since bucket names
# are unique across every account of a cloud.
module "outscale" {
  source = "../../modules/warehouse"
  providers = {
    health = health.outscale
  }

  name        = "${var.name}-osc"
  cidr        = var.cidr
  admin_cidrs = var.admin_cidrs
  admins      = var.admins
  size        = var.size
  retire      = var.retire
  tags        = var.tags

  # OOS takes no bucket-scoped key: the bastion ships with the key given here.
  audit_access_key_id     = var.outscale_audit_access_key_id
  audit_secret_access_key = var.outscale_audit_secret_access_key
  key_manager_servers     = var.outscale_key_manager_servers

  workspaces = { for k, w in local.workspaces : k => merge(w, { key_name = "${var.name}-osc-ws" }) }
}

module "ovh" {
  source = "../../modules/warehouse"
  providers = {
    health = health.ovh
  }

  name        = "${var.name}-ovh"
  cidr        = var.cidr
  admin_cidrs = var.admin_cidrs
  admins      = var.admins
  size        = var.size
  retire      = var.retire
  tags        = var.tags

  workspaces = { for k, w in local.workspaces : k => merge(w, { key_name = "${var.name}-ovh-ws" }) }
}
