# The isolated network of a warehouse: four tiers, rules between them that
# deny traffic both ways unless the warehouse needs it, egress only to what
# egress_allow lists, and the path to object storage.
resource "health_warehouse_network" "this" {
  name         = var.name
  cidr         = var.cidr
  subnet_cidrs = var.subnet_cidrs
  admin_cidrs  = var.admin_cidrs
  nat_egress   = var.nat_egress
  egress_allow = length(var.egress_allow) > 0 ? var.egress_allow : null
  tags         = var.tags

  compliance_exceptions = length(var.compliance_exceptions) > 0 ? var.compliance_exceptions : null
}
