terraform {
  # Write-only arguments (the audit bucket's secret) and ephemeral variables.
  required_version = ">= 1.11"

  required_providers {
    health = {
      source  = "registry.terraform.io/sovhealth/health"
      version = "~> 0.1"
    }
  }
}
