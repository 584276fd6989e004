terraform {
  # Ephemeral values and write-only arguments (the audit key's secret).
  required_version = ">= 1.11"

  required_providers {
    health = {
      source  = "registry.terraform.io/sovhealth/health"
      version = "~> 0.1"
    }
  }
}
