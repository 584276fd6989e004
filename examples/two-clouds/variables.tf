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
