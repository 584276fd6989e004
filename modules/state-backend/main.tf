# A sovereign home for Terraform state: a bucket in the warehouse's own cloud,
# versioned, encrypted at rest, every version of the state kept immutable for
# history_days, and locked with Terraform's native S3 lock file (use_lockfile,
# S3 conditional writes): no DynamoDB table, nothing outside the cloud.

data "health_caller_identity" "this" {}

module "bucket" {
  source = "../storage"

  name                    = var.name
  retention_days          = var.history_days
  noncurrent_version_days = var.history_days
  force_destroy           = var.force_destroy
  tags                    = merge(var.tags, { purpose = "terraform-state" })
  compliance_exceptions   = var.compliance_exceptions
}

locals {
  on_ovh = data.health_caller_identity.this.cloud == "ovh"

  # The S3 region to sign with: OUTSCALE's Region as is; on OVHcloud the
  # Public Cloud region in lower case without trailing digits (GRA11 → gra).
  s3_region = local.on_ovh ? replace(lower(module.bucket.region), "/^([a-z]+)[0-9]+$/", "$1") : module.bucket.region

  backend = {
    bucket         = module.bucket.name
    key            = var.state_key
    region         = local.s3_region
    endpoints      = { s3 = module.bucket.endpoint }
    use_path_style = true # neither cloud serves virtual-hosted buckets the way AWS does
    use_lockfile   = true # the lock is a .tflock object written with If-None-Match
    # These endpoints are not AWS: no STS to validate credentials or find an
    # account id, no AWS region list, no EC2 metadata service.
    skip_credentials_validation = true
    skip_region_validation      = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
  }

  credentials = local.on_ovh ? join("\n", [
    "The bucket has its own S3 key: AWS_ACCESS_KEY_ID=${module.bucket.access_key_id}.",
    "Its secret is never in Terraform's state: read it with",
    "  POST /cloud/project/<project>/user/${lookup(module.bucket.cloud_ids, "user", "<user>")}/s3Credentials/${module.bucket.access_key_id}/secret",
    "(or the health_warehouse_storage_credentials ephemeral resource) and export it as AWS_SECRET_ACCESS_KEY.",
    ]) : join("\n", [
    "OOS takes the account's access keys: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
    "(an EIM user's keys restricted to this bucket, if your account's OOS honours EIM policies; unverified).",
  ])
}
