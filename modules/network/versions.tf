terraform {
  required_version = ">= 1.7"

  required_providers {
    health = {
      source  = "registry.terraform.io/sovhealth/health"
      version = "~> 0.1"
    }
  }
}
