output "bucket" {
  description = "The state bucket's name."
  value       = module.bucket.name
}

output "endpoint" {
  description = "The bucket's S3 endpoint (path style)."
  value       = module.bucket.endpoint
}

output "s3_region" {
  description = "The region S3 requests are signed for."
  value       = local.s3_region
}

output "access_key_id" {
  description = "OVHcloud: the bucket's own S3 access key id (empty on OUTSCALE, which takes the account's keys)."
  value       = module.bucket.access_key_id
}

output "backend_config" {
  description = "The s3 backend's settings, as a map: for `terraform init -backend-config=…` or a generated backend file."
  value       = local.backend
}

output "backend_snippet" {
  description = "The backend block to paste into the root module that keeps its state here. It holds no credential: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (see credentials)."
  value       = <<-EOT
    terraform {
      backend "s3" {
        bucket         = "${local.backend.bucket}"
        key            = "${local.backend.key}"
        region         = "${local.backend.region}"
        endpoints      = { s3 = "${local.backend.endpoints.s3}" }
        use_path_style = true
        use_lockfile   = true

        # Not AWS: no STS, no AWS region list, no EC2 metadata service.
        skip_credentials_validation = true
        skip_region_validation      = true
        skip_requesting_account_id  = true
        skip_metadata_api_check     = true
      }
    }
  EOT
}

output "credentials" {
  description = "Where the backend's S3 credentials come from on this cloud."
  value       = local.credentials
}

output "history_days" {
  description = "How long every state version stays immutable and recoverable."
  value       = module.bucket.object_lock_retention_days
}
