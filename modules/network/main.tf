# The isolated network of a warehouse: four tiers, default-deny inbound
# rules between them, NAT egress, and the path to object storage.
resource "health_warehouse_network" "this" {
  name         = var.name
  cidr         = var.cidr
  subnet_cidrs = var.subnet_cidrs
  admin_cidrs  = var.admin_cidrs
  nat_egress   = var.nat_egress
  tags         = var.tags

  compliance_exceptions = length(var.compliance_exceptions) > 0 ? var.compliance_exceptions : null
}
