# A complete warehouse on 3DS OUTSCALE, from one module call.
#
# The provider reads everything from the environment:
#   OSC_ACCESS_KEY, OSC_SECRET_KEY, OSC_REGION (cloudgouv-eu-west-1 is the
#   SecNumCloud-qualified Region), and, for the keys, HEALTH_KMS_ADDR and
#   HEALTH_KMS_TOKEN: the address of the warehouse's own OpenBao and a token
#   limited to its transit keys (see "First apply" in modules/warehouse).
provider "health" {
  cloud = "outscale"
}

module "warehouse" {
  source = "../../modules/warehouse"

  name        = var.name
  admin_cidrs = var.admin_cidrs
  admins      = var.admins
  size        = "small"

  # OOS takes no bucket-scoped key: give the bastion a key allowed to write
  # to the audit bucket, its secret from the environment
  # (TF_VAR_audit_secret_access_key), never stored.
  audit_access_key_id     = var.audit_access_key_id
  audit_secret_access_key = var.audit_secret_access_key

  # Egress is denied but for what egress_allow lists. Left out, the module
  # lets the bastion and kms tiers reach Debian's archive and GitHub's
  # releases for their first-boot software, anywhere, and states the HW-NET-01
  # exception in every plan. With mirrors of your own, close it:
  #
  #   egress_allow = [{
  #     name = "mirror", cidr = "198.51.100.10/32", from_port = 443,
  #     tiers = ["bastion", "kms"], hosts = ["mirror.data-office.example"]
  #   }]
  #   package_mirror = {
  #     primary  = "https://mirror.data-office.example/debian"
  #     security = "https://mirror.data-office.example/debian-security"
  #   }
  #   openbao_mirror = "https://mirror.data-office.example/openbao/v2.7.2"

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
