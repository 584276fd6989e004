variable "name" {
  description = "The bastion's host name and its Host alias in ssh_config: lower-case letters, digits and -, starting with a letter, up to 63 characters."
  type        = string
}

variable "network_id" {
  description = "The id of the warehouse network: the bastion goes in its bastion tier."
  type        = string
}

variable "network_rules" {
  description = "The network's rules (module network's rules), inbound and outbound: the bastion's own firewall applies the inbound ones, and the plan checks that the outbound ones let the bastion reach its package mirror."
  type = list(object({
    tier        = string
    direction   = optional(string)
    source      = optional(string)
    destination = optional(string)
    hosts       = optional(list(string))
    from_port   = number
    to_port     = number
    protocol    = string
    purpose     = optional(string)
  }))
}

variable "admins" {
  description = "The administrators, 1 to 40: each logs in as name with their own SSH public key (ed25519, ECDSA, RSA ≥ 3072 bits, or a FIDO2 sk- key). Logins must be unique. The second factor is FIDO2 when every key is an sk- key, TOTP otherwise. Changing the list replaces the bastion."
  type = list(object({
    name           = string
    ssh_public_key = string
  }))
}

variable "size" {
  description = "small (default), medium or large, or a VM type of the cloud (such as tinav6.c2r4p2 on OUTSCALE, b3-8 on OVHcloud)."
  type        = string
  default     = "small"
}

variable "allowed_targets" {
  description = "The tiers administrators may reach through the bastion, by a recorded hop: some of compute, data, kms."
  type        = set(string)
  default     = ["compute", "data", "kms"]
}

variable "idle_timeout" {
  description = "How long an idle session stays open, such as 15m or 1h."
  type        = string
  default     = "15m"
}

variable "audit_bucket" {
  description = "Where the bastion ships its audit trail (journal, session recordings, audit events) every five minutes: bucket, endpoint (null: the cloud's), prefix, and the access key id it writes with. On OUTSCALE leave access_key_id null: the provider makes the bastion its own write-only identity (an EIM user allowed s3:PutObject under the prefix, and api:ReadApiLogs to ship the account's API logs there, nothing else), deleted with it. Null keeps the trail on the bastion only, which a replacement destroys."
  type = object({
    bucket        = string
    access_key_id = optional(string)
    endpoint      = optional(string)
    prefix        = optional(string, "bastions/")
  })
  default = null
}

variable "audit_secret_access_key" {
  description = "The secret of audit_bucket.access_key_id, with it (null when the provider makes the key). Ephemeral and write-only: it reaches the bastion's first boot and is never in the plan nor the state (give it from an ephemeral resource or the environment)."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true
}

variable "package_mirror" {
  description = "Where apt takes the bastion's packages from (primary and security archives). null: the official archive of the bastion's image (http://deb.debian.org/debian and http://deb.debian.org/debian-security). The network's egress_allow must let the bastion tier reach it. Changing it replaces the bastion."
  type = object({
    primary  = string
    security = string
  })
  default = null
}

variable "tags" {
  description = "Tags on the bastion's VM and public IP (OUTSCALE; kept in the state only on OVHcloud)."
  type        = map(string)
  default     = {}
}

variable "compliance_exceptions" {
  description = "Compliance controls the bastion may fail, each with the reason."
  type = list(object({
    control       = string
    justification = string
  }))
  default = []
}
