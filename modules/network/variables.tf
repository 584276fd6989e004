variable "name" {
  description = "Name of the warehouse network; its parts are named after it. Letters, digits, - and _, up to 55 characters."
  type        = string
}

variable "cidr" {
  description = "The network's private IPv4 block (RFC 1918), between /16 and /24. Its four quarters become the bastion, compute, data and kms tiers unless subnet_cidrs says otherwise."
  type        = string
  default     = "10.20.0.0/16"
}

variable "subnet_cidrs" {
  description = "Blocks of some or all tiers (bastion, compute, data, kms), each inside cidr; the tiers left out take their quarter of cidr."
  type = object({
    bastion = optional(string)
    compute = optional(string)
    data    = optional(string)
    kms     = optional(string)
  })
  default = {}
}

variable "admin_cidrs" {
  description = "The addresses your administrators connect from: the only sources allowed to reach the bastion on SSH. At least one; 0.0.0.0/0 is refused."
  type        = list(string)
  validation {
    condition     = !contains(var.admin_cidrs, "0.0.0.0/0")
    error_message = "admin_cidrs must not hold 0.0.0.0/0: this module never opens SSH to the whole Internet; use the health_warehouse_network resource directly if you must, with a compliance exception."
  }
}

variable "egress_allow" {
  description = "The destinations outside the warehouse its tiers may reach; everything else is denied but the warehouse's own flows and object storage. Each entry opens one outbound rule from each of its tiers: name, cidr (the destination's block), protocol (tcp when null), from_port and to_port (tcp and udp), tiers, and hosts (the host names served at cidr, which the bastion and key manager check their mirrors against). A 0.0.0.0/0 entry fails control HW-NET-01 unless compliance_exceptions accepts it."
  type = list(object({
    name      = string
    cidr      = string
    protocol  = optional(string)
    from_port = optional(number)
    to_port   = optional(number)
    tiers     = list(string)
    hosts     = optional(list(string))
  }))
  default = []
}

variable "nat_egress" {
  description = "A route out through NAT for the destinations egress_allow lists (the rules decide what may leave). Must stay true on OVHcloud, where the gateway is also the path to object storage."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every object of the network that the cloud can tag. OVHcloud private networks have no tags: there they are kept in the state only. Keys Name and health:* are reserved."
  type        = map(string)
  default     = {}
}

variable "compliance_exceptions" {
  description = "Compliance controls this network may fail, each with the reason (see the provider's Compliance guide)."
  type = list(object({
    control       = string
    justification = string
  }))
  default = []
}
