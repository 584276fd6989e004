variable "name" {
  description = "Name of the key manager, and the prefix of its keys (`<name>-<key>`). Lower-case letters, digits and -, starting with a letter, up to 17 characters (key names must fit in 24)."
  type        = string
}

variable "network_id" {
  description = "The id of the warehouse network (module network's id, or `health_warehouse_network.<name>.id`). On OUTSCALE the key manager's OpenBao servers go in its kms tier."
  type        = string
}

variable "network_rules" {
  description = "The network's rules (module network's rules), inbound and outbound: the OpenBao servers' firewalls apply the inbound ones, and the plan checks that the outbound ones let the servers reach their mirrors."
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

variable "servers" {
  description = "OUTSCALE only: how many OpenBao servers form the key manager's Raft cluster, 1, 3 or 5; null (default) for the key manager's default, 3. One server has no failover: keep it for tests. Leave it null on OVHcloud, whose KMS (OKMS) is a service."
  type        = number
  default     = null
}

variable "size" {
  description = "Size of the OpenBao servers on OUTSCALE: small, medium or large, or an OUTSCALE VM type such as tinav6.c2r4p2. Ignored on OVHcloud."
  type        = string
  default     = "small"
}

variable "keys" {
  description = "The keys to make, by short name (the key's name in the key manager is `<name>-<short name>`). Each: algorithm (default aes-256), usage (default wrap-unwrap for AES: it wraps the objects' keys of a bucket), rotation_period (default 90d, at most a year)."
  type = map(object({
    algorithm       = optional(string, "aes-256")
    usage           = optional(string)
    rotation_period = optional(string, "90d")
  }))
  default = {}

  validation {
    condition     = alltrue([for k, _ in var.keys : can(regex("^[a-z0-9][a-z0-9_-]*$", k))])
    error_message = "Each key's short name must be lower-case letters, digits, - and _, starting with a letter or digit."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the keys (default true): deleting a key makes everything it encrypted unreadable. Set false only to retire the warehouse (crypto-shredding): the module then states the HW-KEY-02 exception with retire_justification."
  type        = bool
  default     = true
}

variable "retire_justification" {
  description = "Why, and on whose decision, the keys may be deleted: the HW-KEY-02 exception's justification when deletion_protection is false, shown in every plan and report."
  type        = string
  default     = "The warehouse is being retired: deleting its keys makes its data unreadable for good (crypto-shredding at the end of the contract, SecNumCloud 3.2 §19.4)."
}

variable "package_mirror" {
  description = "OUTSCALE: where apt takes the OpenBao servers' packages from (primary and security archives). null: Debian's archive (http://deb.debian.org/debian and http://deb.debian.org/debian-security). The network's egress_allow must let the kms tier reach it. Servers keep what their first boot installed."
  type = object({
    primary  = string
    security = string
  })
  default = null
}

variable "openbao_mirror" {
  description = "OUTSCALE: the URL holding OpenBao's release files (Debian packages and checksums file). null: the release on GitHub. The network's egress_allow must let the kms tier reach it; a plain http:// mirror needs openbao_sha256."
  type        = string
  default     = null
}

variable "openbao_sha256" {
  description = "OUTSCALE: the SHA-256 of OpenBao's Debian package for amd64. null: checked against the release's checksums file, fetched from the same mirror."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the key manager and the keys (kept in the state only where the key manager holds none)."
  type        = map(string)
  default     = {}
}

variable "compliance_exceptions" {
  description = "Compliance controls the key manager and the keys may fail, each with the reason, by resource kind: key_manager and kms_key."
  type = object({
    key_manager = optional(list(object({ control = string, justification = string })), [])
    kms_key     = optional(list(object({ control = string, justification = string })), [])
  })
  default = {}
}
