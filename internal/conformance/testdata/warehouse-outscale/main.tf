# The warehouse's OUTSCALE network and bastion, written with the official
# provider's resources, one per cloud object, as health_warehouse_network and
# health_warehouse_bastion make them: four tiers, a group per tier with the
# same rules, the Internet only through the bastion's tier and a NAT service,
# a private path to object storage, and the bastion with its key pair and
# address. `make conformance` applies it against the emulator, plans again,
# imports every resource into a fresh state and destroys it.
#
# The provider reads OSC_ACCESS_KEY, OSC_SECRET_KEY, OSC_REGION and
# OSC_ENDPOINT_API, which the harness sets to the emulator's.

terraform {
  required_providers {
    outscale = {
      source  = "outscale/outscale"
      version = "1.8.0"
    }
  }
}

provider "outscale" {}

variable "image_id" {
  description = "The OMI of the bastion: one of the emulator's public images."
  type        = string
}

variable "region" {
  description = "The Region the provider is configured for (OSC_REGION), which names the object storage service."
  type        = string
}

variable "admin_cidr" {
  description = "The administrators' addresses, the only ones the bastion admits."
  type        = string
  default     = "203.0.113.7/32"
}

variable "admin_public_key" {
  description = "The administrators' SSH public key, Base64-encoded as CreateKeypair takes it."
  type        = string
  default     = "c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTVBQUFBSUc4bFJ4S3dCbEhvT2czdk5sUmZCRFF6R0doRVpZaDF2SmdvT1NqQWZBOE8gY29uZm9ybWFuY2U="
}

locals {
  name  = "conformance-wh"
  tiers = { bastion = "10.20.0.0/24", compute = "10.20.1.0/24", data = "10.20.2.0/24", kms = "10.20.3.0/24" }
  # Who may reach each tier, and on which port, as the provider's network makes it.
  ingress = {
    compute_from_bastion = { tier = "compute", from = "bastion", port = 22 }
    data_from_compute    = { tier = "data", from = "compute", port = 443 }
    kms_from_compute     = { tier = "kms", from = "compute", port = 8200 }
    kms_from_data        = { tier = "kms", from = "data", port = 8200 }
  }
}

resource "outscale_net" "warehouse" {
  ip_range = "10.20.0.0/16"
  tags {
    key   = "Name"
    value = local.name
  }
}

resource "outscale_subnet" "tier" {
  for_each = local.tiers
  net_id   = outscale_net.warehouse.net_id
  ip_range = each.value
  tags {
    key   = "Name"
    value = "${local.name}-${each.key}"
  }
}

resource "outscale_security_group" "tier" {
  for_each                     = local.tiers
  net_id                       = outscale_net.warehouse.net_id
  security_group_name          = "${local.name}-${each.key}"
  description                  = "The ${each.key} tier of ${local.name}"
  remove_default_outbound_rule = true
}

resource "outscale_security_group_rule" "ssh_from_admins" {
  flow              = "Inbound"
  security_group_id = outscale_security_group.tier["bastion"].security_group_id
  ip_protocol       = "tcp"
  from_port_range   = 22
  to_port_range     = 22
  ip_range          = var.admin_cidr
}

resource "outscale_security_group_rule" "between_tiers" {
  for_each          = local.ingress
  flow              = "Inbound"
  security_group_id = outscale_security_group.tier[each.value.tier].security_group_id
  rules {
    ip_protocol     = "tcp"
    from_port_range = each.value.port
    to_port_range   = each.value.port
    security_groups_members {
      security_group_id = outscale_security_group.tier[each.value.from].security_group_id
    }
  }
}

resource "outscale_security_group_rule" "https_out" {
  for_each          = local.tiers
  flow              = "Outbound"
  security_group_id = outscale_security_group.tier[each.key].security_group_id
  ip_protocol       = "tcp"
  from_port_range   = 443
  to_port_range     = 443
  ip_range          = "0.0.0.0/0"
}

resource "outscale_internet_service" "warehouse" {
  tags {
    key   = "Name"
    value = local.name
  }
}

resource "outscale_internet_service_link" "warehouse" {
  internet_service_id = outscale_internet_service.warehouse.internet_service_id
  net_id              = outscale_net.warehouse.net_id
}

resource "outscale_route_table" "public" {
  net_id = outscale_net.warehouse.net_id
  tags {
    key   = "Name"
    value = "${local.name}-public"
  }
}

resource "outscale_route" "internet" {
  route_table_id       = outscale_route_table.public.route_table_id
  destination_ip_range = "0.0.0.0/0"
  gateway_id           = outscale_internet_service.warehouse.internet_service_id
  depends_on           = [outscale_internet_service_link.warehouse]
}

resource "outscale_route_table_link" "public" {
  route_table_id = outscale_route_table.public.route_table_id
  subnet_id      = outscale_subnet.tier["bastion"].subnet_id
}

resource "outscale_public_ip" "nat" {
  tags {
    key   = "Name"
    value = "${local.name}-nat"
  }
}

resource "outscale_nat_service" "warehouse" {
  subnet_id    = outscale_subnet.tier["bastion"].subnet_id
  public_ip_id = outscale_public_ip.nat.public_ip_id
  depends_on   = [outscale_route.internet]
}

resource "outscale_route_table" "private" {
  net_id = outscale_net.warehouse.net_id
  tags {
    key   = "Name"
    value = "${local.name}-private"
  }
}

resource "outscale_route" "nat" {
  route_table_id       = outscale_route_table.private.route_table_id
  destination_ip_range = "0.0.0.0/0"
  nat_service_id       = outscale_nat_service.warehouse.nat_service_id
}

resource "outscale_route_table_link" "private" {
  for_each       = toset(["compute", "data", "kms"])
  route_table_id = outscale_route_table.private.route_table_id
  subnet_id      = outscale_subnet.tier[each.key].subnet_id
}

resource "outscale_net_access_point" "object_storage" {
  net_id          = outscale_net.warehouse.net_id
  route_table_ids = [outscale_route_table.private.route_table_id]
  service_name    = "com.outscale.${var.region}.oos"
}

resource "outscale_keypair" "admins" {
  keypair_name = "${local.name}-admins"
  public_key   = var.admin_public_key
}

resource "outscale_vm" "bastion" {
  image_id           = var.image_id
  vm_type            = "tinav6.c1r2p2"
  keypair_name       = outscale_keypair.admins.keypair_name
  subnet_id          = outscale_subnet.tier["bastion"].subnet_id
  security_group_ids = [outscale_security_group.tier["bastion"].security_group_id]
  tags {
    key   = "Name"
    value = "${local.name}-bastion"
  }
}

resource "outscale_public_ip" "bastion" {
  tags {
    key   = "Name"
    value = "${local.name}-bastion"
  }
}

resource "outscale_public_ip_link" "bastion" {
  vm_id     = outscale_vm.bastion.vm_id
  public_ip = outscale_public_ip.bastion.public_ip
}

output "bastion_address" {
  value = outscale_public_ip.bastion.public_ip
}
