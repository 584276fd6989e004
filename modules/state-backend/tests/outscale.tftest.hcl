# Run by `make test` against the local emulator, which the test harness
# starts and points the provider at through the environment. One file per
# cloud: each file has its own state, so neither cloud reads the other's objects.
# internal/modtest also inits a real s3 backend from backend_snippet.

provider "health" {
  cloud          = "outscale"
  api_rate_limit = 500 # the emulator has no rate limit; real accounts do (default 5/s)
}

run "outscale_state_bucket" {
  variables {
    name      = "modtest-tfstate-osc"
    state_key = "warehouse/terraform.tfstate"
  }

  assert {
    condition     = output.backend_config.use_lockfile && output.backend_config.use_path_style && output.backend_config.key == "warehouse/terraform.tfstate"
    error_message = "the backend must lock with the S3 lock file, in path style, under the given key"
  }
  assert {
    condition     = output.s3_region == "cloudgouv-eu-west-1" && output.backend_config.endpoints.s3 == module.bucket.endpoint
    error_message = "OUTSCALE signs for its Region, at the bucket's endpoint"
  }
  assert {
    condition     = strcontains(output.backend_snippet, "use_lockfile   = true") && strcontains(output.backend_snippet, "bucket         = \"modtest-tfstate-osc\"") && !strcontains(output.backend_snippet, "secret")
    error_message = "the snippet must name the bucket, lock with the lock file, and hold no secret:\n${output.backend_snippet}"
  }
  assert {
    condition     = output.history_days == 90 && module.bucket.policy_kind == "bucket-policy"
    error_message = "every state version is locked 90 days by default"
  }
  assert {
    condition     = [for e in module.bucket.compliance_exceptions : e.control] == ["HW-STO-03"]
    error_message = "an OUTSCALE state bucket states that OOS cannot refuse plain HTTP"
  }
}

run "refuses_a_key_with_a_leading_slash" {
  command = plan

  variables {
    name      = "modtest-tfstate-bad"
    state_key = "/terraform.tfstate"
  }

  expect_failures = [var.state_key]
}

run "refuses_a_history_past_ten_years" {
  command = plan

  variables {
    name         = "modtest-tfstate-long"
    history_days = 3651
  }

  expect_failures = [var.history_days]
}
