variable "region" {
  description = "The OVHcloud Public Cloud region, such as EU-WEST-PAR or GRA11."
  type        = string
  default     = "EU-WEST-PAR"
}

variable "name" {
  description = "The warehouse's name: 2 to 17 lower-case letters, digits and -."
  type        = string
  default     = "cohort-2026"
}

variable "admin_cidrs" {
  description = "The addresses your administrators connect from (your VPN exit): the only sources allowed to reach the bastion."
  type        = list(string)
}

variable "admins" {
  description = "The administrators: a login and an SSH public key each (ssh-keygen -t ed25519, or -t ed25519-sk -O verify-required for a FIDO2 key)."
  type = list(object({
    name           = string
    ssh_public_key = string
  }))
}

variable "researchers" {
  description = "The diabetes project's members: a login and an SSH public key each. They reach the workspace's machines through the bastion, which they become administrators of."
  type = list(object({
    name           = string
    ssh_public_key = string
  }))
}

variable "retire" {
  description = "Retire the warehouse: apply with true (the keys' deletion protection is lifted with a stated exception), then destroy."
  type        = bool
  default     = false
}
