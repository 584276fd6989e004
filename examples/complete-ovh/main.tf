# A complete warehouse on OVHcloud, from one module call.
#
# The provider reads its credentials from the environment:
#   OVH_ENDPOINT (ovh-eu), OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET,
#   OVH_CONSUMER_KEY (or OVH_CLIENT_ID / OVH_CLIENT_SECRET),
#   OVH_CLOUD_PROJECT_SERVICE (the Public Cloud project), and OVH_OKMS_ID
#   (the OVHcloud KMS that holds the keys). The region has no variable.
provider "health" {
  cloud = "ovh"
  # OVHcloud Public Cloud regions are HDS-certified, not SecNumCloud-qualified.
  compliance_profile = "hds"

  ovh {
    region = var.region
  }
}

# The bastion ships its audit trail with the audit bucket's own key, read for
# each run and handed to a write-only argument: nothing to pass.
module "warehouse" {
  source = "../../modules/warehouse"

  name        = var.name
  admin_cidrs = var.admin_cidrs
  admins      = var.admins
  size        = "small"
  # A research workspace per approved project (modules/workspace): machines
  # in the compute tier, its own key and working bucket, its airlock, and
  # read access to a prefix of the pseudonymised bucket. Its members become
  # administrators of the bastion, with their key: adding or removing one
  # replaces the bastion. The machines reach nothing outside the warehouse
  # but what egress_allow lists for the compute tier (your package mirror).
  workspaces = {
    diab = {
      members       = var.researchers
      machine_count = 1
      size          = "medium"
      datasets      = [{ prefix = "diabetes/" }]
      key_name      = "${var.name}-diab" # key names fit in 24 characters
    }
  }

  retire = var.retire

  tags = {
    project = var.name
    owner   = "data-office"
  }
}
