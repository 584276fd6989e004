variable "name" {
  description = "The workspace's name, such as `cohort-diabetes`: lower-case letters, digits and -, starting with a letter, up to 40 characters. It names the security group, the identity, the machines (`<name>-1`, …), and, by default, the buckets and the key."
  type        = string
}

variable "network" {
  description = "The warehouse network the workspace goes in: the network module's outputs or the health_warehouse_network resource. Its id and rules place the machines in the compute tier (the workspace's group takes the tier's outbound rules); its storage_path and egress_ips decide the buckets' private path, as in the storage module."
  type = object({
    id = string
    rules = list(object({
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
    storage_path = string
    egress_ips   = list(string)
  })
}

variable "members" {
  description = "The project's members, 1 to 40: each gets an account with their SSH public key on the machines. Each must also be an administrator of the bastion, under the same login, to reach them through its recorded hop (the warehouse module adds them, with the same key). Changing the list rebuilds the machines in place: keep work in the working bucket."
  type = list(object({
    name           = string
    ssh_public_key = string
  }))
}

variable "datasets" {
  description = "The data the project was approved for, read only: objects under prefix (ending with /) of bucket, a pseudonymised zone bucket. Grant prefixes, not whole buckets (data minimisation, HW-WS-02)."
  type = list(object({
    bucket = string
    prefix = string
  }))
  default = []
}

variable "data_gateways" {
  description = "The health_warehouse_data_gateways in front of the workspace's buckets under a customer key: for a dataset, a read_only gateway of the workspace's own serving its prefixes; for the working bucket, a gateway under this workspace's key (its objects then carry the key, and the identity loses its direct access there). Each: the gateway's bucket name, endpoint, tls_ca_certificate, client_access_key_id, client_secret_version and prefixes; the client secrets go in data_gateway_secrets. Changing the list rebuilds the machines."
  type = list(object({
    bucket                = string
    endpoint              = string
    tls_ca_certificate    = string
    client_access_key_id  = string
    client_secret_version = optional(number)
    prefixes              = optional(list(string))
  }))
  default = []
}

variable "data_gateway_secrets" {
  description = "The client secret of each gateway of data_gateways, by bucket name: the value given to the gateway's client_secret_access_key, such as an ephemeral random_password's result. Ephemeral and write-only: never in the plan nor the state."
  type        = map(string)
  default     = {}
  ephemeral   = true
  sensitive   = true
}

variable "size" {
  description = "small (default), medium or large: 4, 8 or 16 vCPUs with 4 GiB each, or a VM type of the cloud. Changing it rebuilds the machines."
  type        = string
  default     = "small"
}

variable "machine_count" {
  description = "How many research machines, 0 to 10 (default 1; 0 keeps the group, the identity, the buckets and the key with no machine). Changing it rebuilds the machines."
  type        = number
  default     = 1
}

variable "image" {
  description = "The machines' operating system: debian-12, ubuntu-24.04, or an image id of the cloud; null for the provider's default (debian-12). Changing it rebuilds the machines."
  type        = string
  default     = null
}

variable "package_mirror" {
  description = "Where apt takes the machines' packages from (primary and security archives); null: the image's official archive. The network's egress_allow must let the compute tier reach it: the machines reach nothing else outside the warehouse."
  type = object({
    primary  = string
    security = string
  })
  default = null
}

variable "key_manager_id" {
  description = "The key manager that holds the workspace's key (the kms module's key_manager_id): on OUTSCALE the key is made once its OpenBao servers are up, and deleted before them. null when the key manager is not managed in the same configuration. The key goes where the provider points (kms_address on OUTSCALE, kms_id on OVHcloud)."
  type        = string
  default     = null
}

variable "key_name" {
  description = "The name of the workspace's own key in the key manager (at most 24 characters, which the provider checks). Default: `<name>-ws`."
  type        = string
  default     = null
}

variable "key_rotation_period" {
  description = "How long each version of the workspace's key is used before it rotates: 90d (default), or days or hours up to a year (HW-KEY-01)."
  type        = string
  default     = "90d"
}

variable "bucket_prefix" {
  description = "The buckets are `<bucket_prefix>-working`, `-import` and `-export`. Bucket names are unique across every account of a cloud: use something that is yours. Default: name."
  type        = string
  default     = null
}

variable "audit_bucket" {
  description = "The warehouse's audit bucket (its name): the workspace's buckets send their server access logs there, under `access-logs/workspaces/<name>/<bucket>/`, as the warehouse's own buckets do. null: no access logs."
  type        = string
  default     = null
}

variable "bastion_name" {
  description = "The bastion's name (its Host alias in the warehouse's ssh_config), for the connection instructions of the connect output: the agent restriction names it. null: the instructions say `<bastion>`."
  type        = string
  default     = null
}

variable "version_retention_days" {
  description = "How long an overwritten or deleted object version stays recoverable in the workspace's buckets, in days."
  type        = number
  default     = 90
}

variable "retire" {
  description = "Retire the workspace: lift its key's deletion protection (stating the HW-KEY-02 exception with retire_justification), let its buckets be destroyed with their objects, and, on OVHcloud, lift their address restriction so that terraform destroy can empty them from wherever it runs. Apply with retire = true, then destroy."
  type        = bool
  default     = false
}

variable "retire_justification" {
  description = "Why, and on whose decision, the workspace is retired: the HW-KEY-02 exception's justification while retire is true."
  type        = string
  default     = "The project's workspace is being retired: deleting its key makes its working files unreadable for good (crypto-shredding at the end of the project)."
}

variable "tags" {
  description = "Tags of the group, the machines, the buckets and the key, where the clouds take them. The module adds `workspace = <name>`. Keys Name and health:* are reserved."
  type        = map(string)
  default     = {}
}

variable "compliance_exceptions" {
  description = "Compliance controls the workspace's parts may fail, each with the reason, by resource kind: workspace, storage (its three buckets) and kms_key. On OUTSCALE the storage module adds HW-STO-03 to each bucket (OOS cannot refuse plain HTTP) unless you give yours."
  type = object({
    workspace = optional(list(object({ control = string, justification = string })), [])
    storage   = optional(list(object({ control = string, justification = string })), [])
    kms_key   = optional(list(object({ control = string, justification = string })), [])
  })
  default = {}
}
