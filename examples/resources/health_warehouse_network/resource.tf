# The network of a research warehouse: four tiers carved from one private
# block, SSH to the bastion only from the administrators' addresses.
resource "health_warehouse_network" "warehouse" {
  name        = "cohort-2026"
  cidr        = "10.20.0.0/16"
  admin_cidrs = ["203.0.113.7/32"] # the data office's VPN exit

  # Egress is denied but for the warehouse's own flows and object storage:
  # list what the tiers may reach outside, such as the data office's package
  # mirror, from which the bastion and the key manager install at first boot.
  egress_allow = [{
    name      = "package-mirror"
    cidr      = "198.51.100.10/32"
    protocol  = "tcp"
    from_port = 443
    tiers     = ["bastion", "kms"]
    hosts     = ["mirror.data-office.example"]
    }, {
    name      = "ntp"
    cidr      = "198.51.100.123/32"
    protocol  = "udp"
    from_port = 123
    tiers     = ["bastion", "compute", "data", "kms"]
  }]

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

# What was opened, both ways, for the review of a change:
output "warehouse_rules" {
  value = [for r in health_warehouse_network.warehouse.rules :
    r.direction == "inbound"
    ? "${r.tier} <- ${r.source} ${r.protocol}/${r.from_port} (${r.purpose})"
    : "${r.tier} -> ${r.destination} ${r.protocol}/${r.from_port} (${r.purpose})"
  ]
}
