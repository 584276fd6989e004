variable "name" {
  description = "The warehouse's name: every part is named after it (`<name>-raw`, `<name>-bastion`, …). 2 to 17 lower-case letters, digits and -, starting with a letter (key names must fit in 24 characters)."
  type        = string
}

variable "cidr" {
  description = "The warehouse network's private IPv4 block (RFC 1918), /16 to /24. Its four quarters become the bastion, compute, data and kms tiers."
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
  description = "The addresses your administrators connect from (a VPN exit, the office): the only sources that may reach the bastion on SSH. At least one; 0.0.0.0/0 is refused."
  type        = list(string)
  validation {
    condition     = !contains(var.admin_cidrs, "0.0.0.0/0")
    error_message = "admin_cidrs must not hold 0.0.0.0/0: the warehouse never opens SSH to the whole Internet."
  }
}

variable "admins" {
  description = "The administrators: each logs in to the bastion as name with their own SSH public key (ed25519, ECDSA, RSA ≥ 3072 bits, or a FIDO2 sk- key, whose holders then use FIDO2 as second factor; TOTP otherwise). Workspace members are added to them (see workspaces). Changing the list replaces the bastion."
  type = list(object({
    name           = string
    ssh_public_key = string
  }))
}

variable "workspaces" {
  description = <<-EOT
    The research workspaces of approved projects, by short name (modules/workspace each): `<name>-<key>` names the workspace, `<bucket_prefix>-<key>-working`, `-import` and `-export` its buckets (the working one under a key of its own, `key_name`, default `<name>-ws-<key>`, at most 24 characters), its machines `<name>-<key>-1`, …. Each takes members (a login and SSH key each), datasets (prefixes of the pseudonymised bucket unless bucket names another), size, machine_count, image, package_mirror (default: the warehouse's), tags, data_gateways (the data gateways in front of its buckets under a customer key, as modules/workspace takes them; their client secrets in workspace_gateway_secrets) and compliance_exceptions (workspace, storage, kms_key).

    Every member of every workspace becomes an administrator of the bastion, with their key, after `admins` (the recorded hop to the machines logs in with the bastion's login): one login is one account, so a login given two different keys (in admins or in two workspaces) is refused. Adding or removing a member, or a workspace with new members, changes the bastion's administrators, which replaces the bastion (a new VM, new address and host key: save the new known_hosts and ssh_config). The compute tier reaches nothing outside the warehouse unless egress_allow says so: list your package mirror there for the compute tier, or the machines' first boot cannot install their firewall and tools.
  EOT
  type = map(object({
    members = list(object({
      name           = string
      ssh_public_key = string
    }))
    datasets = optional(list(object({
      prefix = string
      bucket = optional(string)
    })), [])
    size          = optional(string, "small")
    machine_count = optional(number, 1)
    image         = optional(string)
    package_mirror = optional(object({
      primary  = string
      security = string
    }))
    key_name = optional(string)
    tags     = optional(map(string), {})
    data_gateways = optional(list(object({
      bucket                = string
      endpoint              = string
      tls_ca_certificate    = string
      client_access_key_id  = string
      client_secret_version = optional(number)
      prefixes              = optional(list(string))
    })), [])
    compliance_exceptions = optional(object({
      workspace = optional(list(object({ control = string, justification = string })), [])
      storage   = optional(list(object({ control = string, justification = string })), [])
      kms_key   = optional(list(object({ control = string, justification = string })), [])
    }), {})
  }))
  default = {}

  validation {
    condition     = alltrue([for k, _ in var.workspaces : can(regex("^[a-z][a-z0-9-]*$", k))])
    error_message = "Each workspace's key must be lower-case letters, digits and -, starting with a letter: it is part of the workspace's, the buckets' and the key's names."
  }

  # One login is one account on the bastion: the same login with two keys
  # (compared without their comments) cannot be merged.
  validation {
    condition = alltrue([
      for name, keys in {
        for a in concat(
          [for x in var.admins : { name = x.name, key = x.ssh_public_key }],
          flatten([for w in values(var.workspaces) : [for m in w.members : { name = m.name, key = m.ssh_public_key }]]),
        ) : a.name => try(join(" ", slice(split(" ", trimspace(a.key)), 0, 2)), a.key)...
      } : length(distinct(keys)) == 1
    ])
    error_message = "Each workspace member becomes an administrator of the bastion, and one login is one account with one key, but these logins are given different SSH keys: ${join("; ", [
      for name, uses in {
        for a in concat(
          [for x in var.admins : { name = x.name, key = x.ssh_public_key, where = "admins" }],
          flatten([for w, ws in var.workspaces : [for m in ws.members : { name = m.name, key = m.ssh_public_key, where = "workspaces[\"${w}\"]" }]]),
        ) : a.name => { key = try(join(" ", slice(split(" ", trimspace(a.key)), 0, 2)), a.key), where = a.where }...
      } : "\"${name}\" in ${join(", ", distinct([for u in uses : u.where]))}" if length(distinct([for u in uses : u.key])) > 1
    ])}. Give each person the same key everywhere, or another login."
  }
}

variable "workspace_gateway_secrets" {
  description = "The client secrets of the workspaces' data gateways: by workspace key, then by bucket name, the value given to each gateway's client_secret_access_key. Ephemeral and write-only: never in the plan nor the state."
  type        = map(map(string))
  default     = {}
  ephemeral   = true
  sensitive   = true
}

variable "size" {
  description = "small (default), medium or large (or a VM type of the cloud, such as tinav6.c2r4p2): the size of the bastion and, on OUTSCALE, of the key manager's OpenBao servers."
  type        = string
  default     = "small"
}

variable "retention_days" {
  description = "How long audit logs and session recordings stay immutable in the audit bucket (object lock, COMPLIANCE mode: nobody, the account's administrators included, can delete them earlier). At least 180 days (SecNumCloud keeps logs six months); default 365."
  type        = number
  default     = 365

  validation {
    # The warehouse's own rule: the bucket alone accepts a single day.
    condition     = try(var.retention_days >= 180, false)
    error_message = "retention_days must be at least 180 days: logs and session recordings are kept six months or more."
  }
}

variable "version_retention_days" {
  description = "How long an overwritten or deleted object version stays recoverable in the raw, pseudonymised and results buckets (Azure's soft delete), in days."
  type        = number
  default     = 90
}

variable "key_rotation_period" {
  description = "How long each key version is used before the key rotates: 90d (default), or a number of days or hours up to a year (HW-KEY-01)."
  type        = string
  default     = "90d"
}

variable "key_manager_servers" {
  description = "OUTSCALE: how many OpenBao servers hold the keys, 1, 3 or 5 (null: the key manager's default, 3). Leave null on OVHcloud."
  type        = number
  default     = null
}

variable "bucket_prefix" {
  description = "Bucket names are `<bucket_prefix>-raw`, `-pseudonymised`, `-results` and `-audit`. Bucket names are unique across every account of a cloud: use something that is yours. Default: name."
  type        = string
  default     = null
}

variable "audit_access_key_id" {
  description = "The S3 access key id the bastion ships its audit trail with; leave null. OUTSCALE: null makes the bastion its own write-only identity (an EIM user allowed s3:PutObject under the audit bucket's bastions/ and api:ReadApiLogs, nothing else), whose secret goes straight into its user-data. OVHcloud: null uses the audit bucket's own key, whose secret is read for each run and never stored. Give a key only to use one of yours instead, with audit_secret_access_key."
  type        = string
  default     = null
}

variable "audit_secret_access_key" {
  description = "The secret of audit_access_key_id. Ephemeral: it reaches the bastion's first boot through a write-only argument and is never in the plan nor the state. Pass it from the environment (TF_VAR_audit_secret_access_key) or an ephemeral resource."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true
}

variable "retire" {
  description = "Retire the warehouse: lift the keys' deletion protection (stating the HW-KEY-02 exception with retire_justification) and let the buckets be destroyed with their objects (object lock still holds: locked audit records are never deleted). On OVHcloud it also lifts the buckets' address restriction, so that terraform destroy can empty them from wherever it runs (the objects still need the bucket's key). Apply with retire = true, then destroy. Destroying the keys makes the data unreadable for good."
  type        = bool
  default     = false
}

variable "retire_justification" {
  description = "Why, and on whose decision, the warehouse is retired: the HW-KEY-02 exception's justification while retire is true, shown in every plan and report."
  type        = string
  default     = "The warehouse is being retired: deleting its keys makes its data unreadable for good (crypto-shredding at the end of the contract, SecNumCloud 3.2 §19.4)."
}

variable "tags" {
  description = "Tags for every part of the warehouse the clouds can tag (kept in the state where they cannot). The module adds `warehouse = <name>`. Keys Name and health:* are reserved."
  type        = map(string)
  default     = {}
}

variable "egress_allow" {
  description = "The destinations outside the warehouse its tiers may reach (see the network module); everything else is denied but the warehouse's own flows and object storage. null (the default): what the bastion and the OpenBao servers install at first boot, from the public archives they use by default: TCP 80 to deb.debian.org for the bastion and kms tiers, TCP 443 to GitHub's releases for the kms tier, each to 0.0.0.0/0 since those hosts have no fixed block, with an HW-NET-01 exception saying so in every plan and report. Give your mirrors' blocks here (and package_mirror, openbao_mirror) to keep the tiers off the Internet."
  type = list(object({
    name      = string
    cidr      = string
    protocol  = optional(string)
    from_port = optional(number)
    to_port   = optional(number)
    tiers     = list(string)
    hosts     = optional(list(string))
  }))
  default = null
}

variable "package_mirror" {
  description = "Where apt takes the bastion's and the OpenBao servers' packages from (primary and security archives of Debian 12). null: Debian's own archive, http://deb.debian.org/debian and http://deb.debian.org/debian-security. egress_allow must let the bastion and kms tiers reach it."
  type = object({
    primary  = string
    security = string
  })
  default = null
}

variable "openbao_mirror" {
  description = "OUTSCALE: the URL holding OpenBao's release files (Debian packages and checksums file). null: the release on GitHub. egress_allow must let the kms tier reach it; a plain http:// mirror needs openbao_sha256."
  type        = string
  default     = null
}

variable "openbao_sha256" {
  description = "OUTSCALE: the SHA-256 of OpenBao's Debian package for amd64, pinned. null: checked against the release's checksums file."
  type        = string
  default     = null
}

variable "compliance_exceptions" {
  description = "Compliance controls the warehouse's parts may fail, each with the reason and who accepted it, by resource kind: network, key_manager, kms_key, storage (every bucket), bastion. They are shown in every plan and in the compliance report. The module states three of its own: HW-STO-03 on OUTSCALE buckets (OOS cannot refuse plain HTTP), HW-KEY-02 while retiring, and HW-NET-01 while egress_allow is left to its default."
  type = object({
    network     = optional(list(object({ control = string, justification = string })), [])
    key_manager = optional(list(object({ control = string, justification = string })), [])
    kms_key     = optional(list(object({ control = string, justification = string })), [])
    storage     = optional(list(object({ control = string, justification = string })), [])
    bastion     = optional(list(object({ control = string, justification = string })), [])
  })
  default = {}
}
