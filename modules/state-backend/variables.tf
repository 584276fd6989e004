variable "name" {
  description = "The state bucket's name: unique across every account of the cloud, 3 to 63 lower-case letters, digits, dots and hyphens (for example `<organisation>-tfstate`)."
  type        = string
}

variable "state_key" {
  description = "The state's object key in the bucket, used in the backend snippet (one key per root module, such as warehouse/terraform.tfstate)."
  type        = string
  default     = "terraform.tfstate"

  validation {
    condition     = length(var.state_key) > 0 && !startswith(var.state_key, "/") && !endswith(var.state_key, "/")
    error_message = "state_key must be an object key such as warehouse/terraform.tfstate, without a leading or trailing /."
  }
}

variable "history_days" {
  description = "How long every version of the state stays immutable (object lock, COMPLIANCE mode) and recoverable: a bad apply, a deleted state or a compromised CI can then be rolled back from the bucket's history. Versions replaced longer ago than this are deleted. Remember that a state holds the values of its resources, secrets included where a provider stores them: they stay as long."
  type        = number
  default     = 90

  validation {
    # The module's own bound: the bucket alone accepts a hundred years, and
    # a locked version (with the bucket that holds it) cannot be deleted earlier.
    condition     = try(var.history_days <= 3650, false)
    error_message = "history_days must be a number of days, at most 3650 (ten years): no state version can be deleted before then, nor the bucket."
  }
}

variable "force_destroy" {
  description = "Delete the state's versions with the bucket on destroy. Object lock still holds: versions inside history_days are never deleted, and the bucket with them."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags of the bucket."
  type        = map(string)
  default     = {}
}

variable "compliance_exceptions" {
  description = "Compliance controls the bucket may fail, each with the reason. On OUTSCALE the module states HW-STO-03 (OOS cannot refuse plain HTTP) itself."
  type = list(object({
    control       = string
    justification = string
  }))
  default = []
}
