terraform {
  required_providers {
    health = {
      source  = "registry.terraform.io/sovhealth/health"
      version = "~> 0.1"
    }
  }
}

# One block per cloud account. Credentials are best left to the environment
# (OSC_ACCESS_KEY / OSC_SECRET_KEY, or OVH_APPLICATION_KEY / OVH_APPLICATION_SECRET /
# OVH_CONSUMER_KEY, or OVH_CLIENT_ID / OVH_CLIENT_SECRET) so they stay out of the code.
provider "health" {
  alias = "outscale"
  cloud = "outscale"

  outscale {
    region = "cloudgouv-eu-west-1"
  }
}

provider "health" {
  alias = "ovh"
  cloud = "ovh"

  ovh {
    endpoint   = "ovh-eu"
    project_id = "0123456789abcdef0123456789abcdef" # or OVH_CLOUD_PROJECT_SERVICE
    region     = "EU-WEST-PAR"
  }
}
