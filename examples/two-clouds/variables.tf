# Every setting defaults to null: the provider then reads the cloud's usual
# environment variables (OSC_*, OVH_*). `make demo` sets them to the local
# emulator's endpoints and seed credentials instead.

variable "outscale_region" {
  description = "OUTSCALE Region of the warehouse. cloudgouv-eu-west-1 is the Region public sources name as SecNumCloud-qualified."
  type        = string
  default     = "cloudgouv-eu-west-1"
}

variable "outscale_endpoint" {
  description = "OUTSCALE API URL override (the emulator's /api/v1); null for the real API."
  type        = string
  default     = null
}

variable "outscale_access_key" {
  description = "OUTSCALE access key; null to read OSC_ACCESS_KEY."
  type        = string
  default     = null
}

variable "outscale_secret_key" {
  description = "OUTSCALE secret key; null to read OSC_SECRET_KEY."
  type        = string
  default     = null
  sensitive   = true
}

variable "ovh_region" {
  description = "OVHcloud Public Cloud region of the warehouse."
  type        = string
  default     = "EU-WEST-PAR"
}

variable "ovh_endpoint" {
  description = "OVHcloud API endpoint: ovh-eu, or a URL such as the emulator's /1.0; null to read OVH_ENDPOINT (default ovh-eu)."
  type        = string
  default     = null
}

variable "ovh_project_id" {
  description = "OVHcloud Public Cloud project; null to read OVH_CLOUD_PROJECT_SERVICE."
  type        = string
  default     = null
}

variable "ovh_application_key" {
  description = "OVHcloud application key; null to read OVH_APPLICATION_KEY."
  type        = string
  default     = null
}

variable "ovh_application_secret" {
  description = "OVHcloud application secret; null to read OVH_APPLICATION_SECRET."
  type        = string
  default     = null
  sensitive   = true
}

variable "ovh_consumer_key" {
  description = "OVHcloud consumer key; null to read OVH_CONSUMER_KEY."
  type        = string
  default     = null
  sensitive   = true
}

variable "outscale_storage_endpoint" {
  description = "OUTSCALE object storage (OOS) URL override (the emulator's S3 endpoint); null to read OSC_ENDPOINT_OOS, else https://oos.<region>.outscale.com."
  type        = string
  default     = null
}

variable "outscale_kms_address" {
  description = "The address of the OpenBao that holds the OUTSCALE warehouse's keys; null to read HEALTH_KMS_ADDR. On a real account: the key manager's address once its custodians have initialised it (see modules/warehouse)."
  type        = string
  default     = null
}

variable "outscale_kms_token" {
  description = "An OpenBao token limited to the transit keys; null to read HEALTH_KMS_TOKEN."
  type        = string
  default     = null
  sensitive   = true
}

variable "outscale_kms_ca_cert" {
  description = "The CA certificate (PEM) OpenBao's TLS certificate chains to; null to read HEALTH_KMS_CACERT or trust the system's CAs."
  type        = string
  default     = null
}

variable "outscale_key_manager_servers" {
  description = "How many OpenBao servers the OUTSCALE key manager runs: 1, 3 or 5; null for 3."
  type        = number
  default     = null
}

variable "outscale_audit_access_key_id" {
  description = "An access key allowed to write to the OUTSCALE audit bucket, for the bastion; null keeps its audit trail on the bastion."
  type        = string
  default     = null
}

variable "outscale_audit_secret_access_key" {
  description = "Its secret: ephemeral, never in the plan nor the state (TF_VAR_outscale_audit_secret_access_key)."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true
}

variable "ovh_storage_endpoint" {
  description = "OVHcloud object storage URL override (the emulator's S3 endpoint); null to read OVH_S3_ENDPOINT, else https://s3.<region>.io.cloud.ovh.net."
  type        = string
  default     = null
}

variable "ovh_kms_id" {
  description = "The OVHcloud KMS (OKMS) that holds the OVHcloud warehouse's keys; null to read OVH_OKMS_ID."
  type        = string
  default     = null
}

variable "name" {
  description = "The warehouses' name: the OUTSCALE one is <name>-osc, the OVHcloud one <name>-ovh. 2 to 13 lower-case letters, digits and -."
  type        = string
  default     = "cohort-2026"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,11}[a-z0-9]$", var.name))
    error_message = "name must be 2 to 13 lower-case letters, digits and -, starting with a letter."
  }
}

variable "cidr" {
  description = "Each warehouse network's private block."
  type        = string
  default     = "10.20.0.0/16"
}

variable "admin_cidrs" {
  description = "The addresses your administrators connect from: the only sources allowed to reach the bastions."
  type        = list(string)
}

variable "admins" {
  description = "The administrators of both warehouses: a login and an SSH public key each."
  type = list(object({
    name           = string
    ssh_public_key = string
  }))
}

variable "size" {
  description = "small, medium or large."
  type        = string
  default     = "small"
}

variable "tags" {
  description = "Tags for both warehouses."
  type        = map(string)
  default     = {}
}

variable "retire" {
  description = "Retire both warehouses: apply with true (the keys' deletion protection is lifted with a stated HW-KEY-02 exception), then destroy. make demo-destroy does both."
  type        = bool
  default     = false
}

variable "api_rate_limit" {
  description = "API calls per second each provider block makes; null for the clouds' defaults (5 on OUTSCALE, 20 on OVHcloud). The demo raises it: the emulator has no limit."
  type        = number
  default     = null
}
