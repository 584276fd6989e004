# The warehouse on OVHcloud, written with the official provider's resources,
# one per cloud object, as the health_warehouse_* resources make them: a
# private network with a subnet per tier and a gateway, a bucket per data
# zone (versioned, encrypted, the audit bucket object-locked) each with its
# own user, S3 credential and policy, a key per zone in the OVHcloud KMS, and
# the bastion instance with its SSH key. `make conformance` applies it
# against the emulator, plans again, imports every resource the provider can
# import into a fresh state and destroys it.
#
# The provider reads OVH_ENDPOINT, OVH_APPLICATION_KEY,
# OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY, which the harness sets to the
# emulator's.

terraform {
  required_providers {
    ovh = {
      source  = "ovh/ovh"
      version = "2.19.0"
    }
  }
}

provider "ovh" {}

variable "project" {
  description = "The Public Cloud project (service name)."
  type        = string
}

variable "region" {
  description = "The Public Cloud region of every object."
  type        = string
}

variable "okms_id" {
  description = "The OVHcloud KMS the keys are made in."
  type        = string
}

variable "image_id" {
  description = "The bastion's image (Debian 12) in the region."
  type        = string
}

variable "flavor_id" {
  description = "The bastion's flavor in the region."
  type        = string
}

variable "admin_public_key" {
  description = "The administrators' SSH public key."
  type        = string
  default     = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG8lRxKwBlHoOg3vNlRfBDQzGGhEZYh1vJgoOSjAfA8O conformance"
}

locals {
  name  = "conformance-wh"
  tiers = { bastion = "10.30.0.0/24", compute = "10.30.1.0/24", data = "10.30.2.0/24", kms = "10.30.3.0/24" }
  zones = toset(["raw", "pseudonymised", "results", "audit"])
}

resource "ovh_cloud_project_network_private" "warehouse" {
  service_name = var.project
  name         = local.name
  regions      = [var.region]
  vlan_id      = 0
}

resource "ovh_cloud_project_network_private_subnet" "tier" {
  for_each     = local.tiers
  service_name = var.project
  network_id   = ovh_cloud_project_network_private.warehouse.id
  region       = var.region
  network      = each.value
  start        = cidrhost(each.value, 10)
  end          = cidrhost(each.value, 250)
  dhcp         = true
}

resource "ovh_cloud_project_gateway" "warehouse" {
  service_name = var.project
  name         = "${local.name}-gateway"
  model        = "s"
  region       = var.region
  network_id   = tolist(ovh_cloud_project_network_private.warehouse.regions_attributes[*].openstackid)[0]
  subnet_id    = ovh_cloud_project_network_private_subnet.tier["bastion"].id
}

resource "ovh_cloud_project_user" "zone" {
  for_each     = local.zones
  service_name = var.project
  description  = "${local.name}-${each.key}"
  role_names   = ["objectstore_operator"]
}

resource "ovh_cloud_project_user_s3_credential" "zone" {
  for_each     = local.zones
  service_name = var.project
  user_id      = ovh_cloud_project_user.zone[each.key].id
}

resource "ovh_cloud_project_storage" "zone" {
  for_each     = local.zones
  service_name = var.project
  region_name  = var.region
  name         = "${local.name}-${each.key}"
  versioning = {
    status = "enabled"
  }
  encryption = {
    sse_algorithm = "AES256"
  }
  object_lock = each.key == "audit" ? {
    status = "enabled"
    rule = {
      mode   = "compliance"
      period = "P26W"
    }
  } : null
}

resource "ovh_cloud_project_user_s3_policy" "zone" {
  for_each     = local.zones
  service_name = var.project
  user_id      = ovh_cloud_project_user.zone[each.key].id
  policy = jsonencode({
    Statement = [{
      Sid      = "Zone"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation"]
      Resource = ["arn:aws:s3:::${ovh_cloud_project_storage.zone[each.key].name}", "arn:aws:s3:::${ovh_cloud_project_storage.zone[each.key].name}/*"]
    }]
  })
}

resource "ovh_okms_service_key" "zone" {
  for_each   = local.zones
  okms_id    = var.okms_id
  name       = "${local.name}-${each.key}"
  type       = "oct"
  size       = 256
  operations = ["encrypt", "decrypt", "wrapKey", "unwrapKey"]
}

resource "ovh_cloud_project_ssh_key" "admins" {
  service_name = var.project
  name         = "${local.name}-admins"
  public_key   = var.admin_public_key
}

resource "ovh_cloud_project_instance" "bastion" {
  service_name   = var.project
  region         = var.region
  billing_period = "hourly"
  name           = "${local.name}-bastion"
  boot_from {
    image_id = var.image_id
  }
  flavor {
    flavor_id = var.flavor_id
  }
  ssh_key {
    name = ovh_cloud_project_ssh_key.admins.name
  }
  network {
    public = true
  }
}

output "bastion_addresses" {
  value = ovh_cloud_project_instance.bastion.addresses
}
