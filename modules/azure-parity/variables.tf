# The input variables of a typical Azure health-data warehouse root module,
# named as azurerm names the arguments they feed (and as Microsoft's Azure TRE
# names its own), so that a team leaving Azure keeps its tfvars. Variables
# this module cannot honour are accepted and listed in unsupported_inputs.
# Every optional variable defaults to null: "not set" is never reported.

# --- Identity and placement ---------------------------------------------

variable "tre_id" {
  description = "The warehouse's identifier, as Azure TRE's tre_id: lower case, fewer than 12 characters. Names every part (warehouse name)."
  type        = string

  validation {
    condition     = length(var.tre_id) < 12 && can(regex("^[a-z][a-z0-9-]*[a-z0-9]$", var.tre_id))
    error_message = "tre_id must be lower-case letters, digits and -, starting with a letter, fewer than 12 characters."
  }
}

variable "location" {
  description = "The Azure region (azurerm location). Accepted and reported: the region is the provider's (its outscale.region or ovh.region)."
  type        = string
  default     = null
}

variable "resource_group_name" {
  description = "The Azure resource group. Accepted and reported: neither cloud has resource groups; every part carries the tag `warehouse = <tre_id>`."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every part (azurerm tags)."
  type        = map(string)
  default     = {}
}

# --- Network (azurerm_virtual_network, azurerm_subnet, NSG rules) ----------

variable "address_space" {
  description = "azurerm_virtual_network.address_space: the first block becomes the warehouse network's cidr (RFC 1918, /16 to /24). Further blocks are reported: a warehouse network has one block."
  type        = list(string)

  validation {
    condition     = length(var.address_space) >= 1
    error_message = "address_space needs at least one block, such as 10.20.0.0/16: the first becomes the warehouse network's cidr."
  }
}

variable "subnet_names" {
  description = "The subnets' names, in the order of subnet_prefixes (as the Azure/vnet/azurerm module takes them). subnet_tiers maps each name to a tier of the warehouse."
  type        = list(string)
  default     = []
}

variable "subnet_prefixes" {
  description = "The subnets' address prefixes (azurerm_subnet.address_prefixes), in the order of subnet_names."
  type        = list(string)
  default     = []
}

variable "subnet_tiers" {
  description = "Which warehouse tier (bastion, compute, data, kms) each Azure subnet becomes, by subnet name. Subnets mapped to no tier, or to a tier an earlier subnet took, are reported. Tiers no subnet maps to take their quarter of the address space."
  type        = map(string)
  default = {
    AzureBastionSubnet    = "bastion"
    ServicesSubnet        = "compute"
    ComputeSubnet         = "compute"
    DataSubnet            = "data"
    PrivateEndpointSubnet = "data"
    KeyVaultSubnet        = "kms"
  }

  validation {
    condition     = alltrue([for t in values(var.subnet_tiers) : contains(["bastion", "compute", "data", "kms"], t)])
    error_message = "subnet_tiers maps subnet names to bastion, compute, data or kms."
  }
}

variable "admin_source_address_prefixes" {
  description = "The source_address_prefixes of the NSG rule that admits administrators (SSH/RDP to the bastion): the only sources allowed to reach the bastion. IPv4 CIDR blocks only: service tags (Internet, VirtualNetwork, *) have no equivalent."
  type        = list(string)
  validation {
    condition     = !contains(var.admin_source_address_prefixes, "0.0.0.0/0")
    error_message = "admin_source_address_prefixes must not hold 0.0.0.0/0: the warehouse never opens SSH to the whole Internet."
  }
}

variable "dns_servers" {
  description = "azurerm_virtual_network.dns_servers. Accepted and reported: the network uses the cloud's resolvers."
  type        = list(string)
  default     = null
}

variable "ddos_protection_plan_id" {
  description = "azurerm_virtual_network.ddos_protection_plan.id. Accepted and reported: DDoS protection is the cloud's, not configured per network."
  type        = string
  default     = null
}

# --- Storage (azurerm_storage_account and its customer-managed key) -------

variable "storage_account_name" {
  description = "azurerm_storage_account.name: the prefix of the buckets (`<name>-raw`, `-pseudonymised`, `-results`, `-audit`). Default: tre_id."
  type        = string
  default     = null
}

variable "account_replication_type" {
  description = "azurerm_storage_account.account_replication_type. LRS and ZRS are accepted (each cloud's object storage keeps its own redundancy inside the region); geo-replication (GRS, RAGRS, GZRS, RAGZRS) is reported."
  type        = string
  default     = null

  validation {
    condition     = var.account_replication_type == null || contains(["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"], coalesce(var.account_replication_type, "LRS"))
    error_message = "account_replication_type must be LRS, ZRS, GRS, RAGRS, GZRS or RAGZRS."
  }
}

variable "min_tls_version" {
  description = "azurerm_storage_account.min_tls_version: only TLS1_2, as in azurerm v5."
  type        = string
  default     = null

  validation {
    condition     = var.min_tls_version == null || coalesce(var.min_tls_version, "TLS1_2") == "TLS1_2"
    error_message = "min_tls_version must be TLS1_2."
  }
}

variable "https_traffic_only_enabled" {
  description = "azurerm_storage_account.https_traffic_only_enabled. false is reported: buckets refuse plain HTTP (OVHcloud), or the endpoint is HTTPS and the exception says so (OUTSCALE)."
  type        = bool
  default     = null
}

variable "public_network_access_enabled" {
  description = "azurerm_storage_account.public_network_access_enabled. true is reported: buckets are reachable from the warehouse network only (OVHcloud: its egress addresses; OUTSCALE: its Net access point)."
  type        = bool
  default     = null
}

variable "shared_access_key_enabled" {
  description = "azurerm_storage_account.shared_access_key_enabled. false (Entra ID only) is reported: S3 access keys are the only way into a bucket."
  type        = bool
  default     = null
}

variable "infrastructure_encryption_enabled" {
  description = "azurerm_storage_account.infrastructure_encryption_enabled. true is reported: buckets have one layer of server-side encryption; raw and pseudonymised objects get a second one, with keys wrapped by your KMS key (SSE-C)."
  type        = bool
  default     = null
}

variable "is_hns_enabled" {
  description = "azurerm_storage_account.is_hns_enabled (Data Lake Gen2). true is reported: S3 has a flat namespace, folders are key prefixes."
  type        = bool
  default     = null
}

variable "sftp_enabled" {
  description = "azurerm_storage_account.sftp_enabled. true is reported: buckets speak S3 only."
  type        = bool
  default     = null
}

variable "blob_versioning_enabled" {
  description = "blob_properties.versioning_enabled. false is reported: buckets are always versioned (HW-STO-01)."
  type        = bool
  default     = null
}

variable "blob_delete_retention_days" {
  description = "blob_properties.delete_retention_policy.days (soft delete, 1 to 365): how long overwritten or deleted object versions stay recoverable."
  type        = number
  default     = null
}

variable "container_delete_retention_days" {
  description = "blob_properties.container_delete_retention_policy.days. Accepted and reported: a bucket cannot be soft-deleted; deleting one that holds data is refused instead."
  type        = number
  default     = null
}

variable "immutability_period_since_creation_in_days" {
  description = "immutability_policy.period_since_creation_in_days: how long audit records stay immutable (object lock, COMPLIANCE). Raised to 180 days when shorter, and reported."
  type        = number
  default     = null
}

variable "enable_cmk_encryption" {
  description = "Azure TRE's switch for customer-managed keys. false is reported: the raw and pseudonymised zones always use a customer-held key (HW-ENC-02)."
  type        = bool
  default     = null
}

# --- Key Vault and its keys (azurerm_key_vault, azurerm_key_vault_key) ----

variable "key_vault_sku_name" {
  description = "azurerm_key_vault.sku_name. premium (HSM-protected keys) is reported: OUTSCALE keys live in your OpenBao (software), OVHcloud keys in OKMS."
  type        = string
  default     = null
}

variable "kv_purge_protection_enabled" {
  description = "Azure TRE's kv_purge_protection_enabled (azurerm_key_vault.purge_protection_enabled). false is reported: keys are always protected against deletion; set retire = true to retire the warehouse."
  type        = bool
  default     = null
}

variable "soft_delete_retention_days" {
  description = "azurerm_key_vault.soft_delete_retention_days. Accepted and reported: neither key manager has a soft-delete period; deletion protection refuses the deletion instead."
  type        = number
  default     = null
}

variable "key_type" {
  description = "azurerm_key_vault_key.key_type (RSA, RSA-HSM, EC, EC-HSM, oct-HSM). Accepted and reported when not symmetric: the zones' keys are AES-256, which wrap each object's data key."
  type        = string
  default     = null
}

variable "key_size" {
  description = "azurerm_key_vault_key.key_size. Accepted and reported when set: the zones' keys are AES-256."
  type        = number
  default     = null
}

variable "key_rotation_policy" {
  description = "azurerm_key_vault_key.rotation_policy: automatic.time_after_creation (ISO 8601: P90D, P3M, P1Y, P12W) becomes the keys' rotation period. time_before_expiry, expire_after and notify_before_expiry are reported: keys do not expire."
  type = object({
    automatic = optional(object({
      time_after_creation = optional(string)
      time_before_expiry  = optional(string)
    }))
    expire_after         = optional(string)
    notify_before_expiry = optional(string)
  })
  default = null

  validation {
    condition     = try(var.key_rotation_policy.automatic.time_after_creation, null) == null || can(regex("^P[1-9][0-9]*[DWMY]$", try(var.key_rotation_policy.automatic.time_after_creation, "")))
    error_message = "key_rotation_policy.automatic.time_after_creation must be an ISO 8601 duration of days, weeks, months or years, such as P90D or P1Y."
  }
}

# --- Azure Bastion (azurerm_bastion_host) and administrators -------------

variable "deploy_bastion" {
  description = "Azure TRE's deploy_bastion. false is reported: the bastion is the warehouse's only administrative door and is always deployed."
  type        = bool
  default     = null
}

variable "bastion_sku" {
  description = "Azure TRE's bastion_sku (azurerm_bastion_host.sku): Developer, Basic, Standard or Premium. Accepted: the bastion always has what Premium adds that matters here (session recording); Developer (shared, no dedicated host) is reported."
  type        = string
  default     = null

  validation {
    condition     = var.bastion_sku == null || contains(["Developer", "Basic", "Standard", "Premium"], coalesce(var.bastion_sku, "Basic"))
    error_message = "bastion_sku must be Developer, Basic, Standard or Premium."
  }
}

variable "bastion_scale_units" {
  description = "azurerm_bastion_host.scale_units (2 to 50): the size of the bastion and key manager servers, 2 → small, up to 10 → medium, more → large."
  type        = number
  default     = null
}

variable "bastion_copy_paste_enabled" {
  description = "azurerm_bastion_host.copy_paste_enabled. false is reported: SSH sessions run in the administrator's own terminal, whose clipboard the bastion cannot control."
  type        = bool
  default     = null
}

variable "bastion_file_copy_enabled" {
  description = "azurerm_bastion_host.file_copy_enabled. true is reported: the bastion has no SFTP subsystem."
  type        = bool
  default     = null
}

variable "bastion_tunneling_enabled" {
  description = "azurerm_bastion_host.tunneling_enabled. false is reported: the bastion forwards no connection, administrators reach the tiers through a recorded hop on it."
  type        = bool
  default     = null
}

variable "bastion_shareable_link_enabled" {
  description = "azurerm_bastion_host.shareable_link_enabled. true is reported: there are no shareable links."
  type        = bool
  default     = null
}

variable "bastion_kerberos_enabled" {
  description = "azurerm_bastion_host.kerberos_enabled. true is reported: administrators authenticate with SSH keys and a second factor."
  type        = bool
  default     = null
}

variable "bastion_session_recording_enabled" {
  description = "azurerm_bastion_host.session_recording_enabled. false is reported: sessions are always recorded (HW-ADM-03)."
  type        = bool
  default     = null
}

variable "admin_ssh_keys" {
  description = "The administrators, as azurerm_linux_virtual_machine's admin_ssh_key blocks: username and public_key. Azure Bastion signs in with Entra ID; here each administrator has their own login and key, and a second factor."
  type = list(object({
    username   = string
    public_key = string
  }))
}

# --- Logs (azurerm_log_analytics_workspace) -------------------------------

variable "log_analytics_retention_in_days" {
  description = "azurerm_log_analytics_workspace.retention_in_days: how long the audit bucket keeps logs and recordings immutable. Raised to 180 days when shorter, and reported."
  type        = number
  default     = null
}

variable "log_analytics_workspace_id" {
  description = "The workspace diagnostic settings send to. Accepted and reported: the bastion ships its logs to the audit bucket; other parts log in the cloud's own audit trail."
  type        = string
  default     = null
}

# --- Passed through to modules/warehouse ----------------------------------

variable "audit_access_key_id" {
  description = "modules/warehouse's audit_access_key_id: on OUTSCALE, a key allowed to write to the audit bucket (null on OVHcloud)."
  type        = string
  default     = null
}

variable "audit_secret_access_key" {
  description = "modules/warehouse's audit_secret_access_key, ephemeral."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true
}

variable "retire" {
  description = "modules/warehouse's retire: lift the keys' deletion protection before a destroy."
  type        = bool
  default     = false
}
