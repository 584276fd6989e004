# Run by `make test` against the local emulator, which the test harness
# starts and points the provider at through the environment. One file per
# cloud: each file has its own state, so neither cloud reads the other's objects.

provider "health" {
  cloud              = "ovh"
  api_rate_limit     = 500   # the emulator has no rate limit; real accounts do (default 20/s)
  compliance_profile = "hds" # OVHcloud Public Cloud regions are HDS-certified, not SecNumCloud-qualified
  ovh {
    region = "EU-WEST-PAR"
  }
}

run "ovh_state_bucket" {
  variables {
    name         = "modtest-tfstate-ovh"
    history_days = 30
  }

  assert {
    condition     = output.s3_region == "eu-west-par"
    error_message = "OVHcloud signs S3 requests for the region in lower case, got ${output.s3_region}"
  }
  assert {
    condition     = output.access_key_id != "" && strcontains(output.credentials, output.access_key_id)
    error_message = "on OVHcloud the bucket has its own key, and the credentials note names it"
  }
  assert {
    condition     = output.history_days == 30 && module.bucket.compliance_exceptions == []
    error_message = "history_days locks the versions; an OVHcloud bucket needs no exception"
  }
}
