variable "name" {
  description = "The state bucket's name: unique across every account of the cloud, 3 to 63 lower-case letters, digits, dots and hyphens (for example <organisation>-tfstate)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }
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
    condition     = var.history_days >= 1 && var.history_days <= 3650 && floor(var.history_days) == var.history_days
    error_message = "history_days must be a whole number of days between 1 and 3650."
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
