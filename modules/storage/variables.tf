variable "name" {
  description = "The bucket's name: unique in the region across every account of the cloud, 3 to 63 lower-case letters, digits, dots and hyphens."
  type        = string
}

variable "zone" {
  description = "The data zone the bucket holds: raw, pseudonymised, results or audit; null for a bucket outside the warehouse's zones (such as Terraform state). Recorded as a tag, it drives the compliance checks: raw and pseudonymised need kms_key_id (HW-ENC-02); audit gets object lock."
  type        = string
  default     = null
}

variable "kms_key_id" {
  description = "The id of the health_warehouse_kms_key that wraps the objects' keys (envelope encryption with SSE-C). Set: the bucket is customer-key; null: the cloud's own keys (provider-managed). Required for the raw and pseudonymised zones."
  type        = string
  default     = null
}

variable "network" {
  description = "The warehouse network the bucket serves: the network module's outputs or the health_warehouse_network resource. Its storage_path decides the private path: on OVHcloud (gateway) the bucket's objects are reachable from the network's egress_ips only; on OUTSCALE (net-access-point) the network reaches OOS privately and the bucket takes no address condition. Null for a bucket outside a warehouse network."
  type = object({
    storage_path = string
    egress_ips   = list(string)
  })
  default = null
}

variable "restrict_to_network" {
  description = "On OVHcloud, deny object reads, writes and listings from anywhere but the network's egress_ips (and extra_source_ips). Turn it off for a bucket that machines outside the network must reach, such as the audit bucket the bastion ships to from its own public address."
  type        = bool
  default     = true
}

variable "extra_source_ips" {
  description = "More addresses or CIDR blocks allowed to reach the bucket's objects on OVHcloud, besides the network's egress_ips. Ignored on OUTSCALE, whose bucket policies take no conditions."
  type        = list(string)
  default     = []
}

variable "retention_days" {
  description = "Object lock: how long each object version stays immutable (COMPLIANCE mode, which nobody can shorten), in days. Default: 180 for the audit zone, no object lock otherwise. Object lock can only be set when the bucket is made: changing between null and a number replaces the bucket."
  type        = number
  default     = null
}

variable "noncurrent_version_days" {
  description = "Delete an object version this many days after a newer version replaced it (or a delete hid it); null keeps every version forever. Multipart uploads left incomplete are aborted after 7 days."
  type        = number
  default     = 90
}

variable "access_logs" {
  description = "Where the object storage writes a record of every request made on this bucket (S3 server access logging): a bucket of the same account or project and region, which must exist first, and a key prefix. null: no logging."
  type = object({
    bucket = string
    prefix = optional(string, "")
  })
  default = null
}

variable "force_destroy" {
  description = "Delete every object version with the bucket on destroy. Object lock is honoured even so: while any version is locked, nothing is deleted."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags of the bucket. Keys Name and health:* are reserved."
  type        = map(string)
  default     = {}
}

variable "compliance_exceptions" {
  description = "Compliance controls this bucket may fail, each with the reason. On OUTSCALE the module adds HW-STO-03 (OOS cannot refuse plain HTTP) with its own justification unless you give yours."
  type = list(object({
    control       = string
    justification = string
  }))
  default = []
}
