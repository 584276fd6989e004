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

variable "nat_egress" {
  description = "Outbound Internet access for system updates, through NAT. Must stay true on OVHcloud, where the gateway is also the path to object storage."
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
