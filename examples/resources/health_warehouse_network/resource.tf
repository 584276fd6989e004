# The network of a research warehouse: four tiers carved from one private
# block, SSH to the bastion only from the administrators' addresses.
resource "health_warehouse_network" "warehouse" {
  name        = "cohort-2026"
  cidr        = "10.20.0.0/16"
  admin_cidrs = ["203.0.113.7/32"] # the data office's VPN exit

  tags = {
    project = "cohort-2026"
    owner   = "data-office"
  }
}

# A hand-made layout: any tier left out is carved from cidr.
resource "health_warehouse_network" "small" {
  name        = "pilot"
  cidr        = "192.168.40.0/24"
  admin_cidrs = ["198.51.100.0/28"]

  subnet_cidrs = {
    bastion = "192.168.40.0/28"
    compute = "192.168.40.128/25"
  }
}

# What was opened, for the review of a change:
output "warehouse_rules" {
  value = [for r in health_warehouse_network.warehouse.rules : "${r.tier} <- ${r.source} ${r.protocol}/${r.from_port} (${r.purpose})"]
}
