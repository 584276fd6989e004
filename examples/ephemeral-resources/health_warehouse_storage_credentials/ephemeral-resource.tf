# The bucket's key, for this run only: never in the plan nor the state.
ephemeral "health_warehouse_storage_credentials" "raw" {
  bucket = health_warehouse_storage.raw.name
}

# Hand it to the data pipeline's secret store through a write-only
# attribute (here OpenBao's KV engine, with the vault provider).
resource "vault_kv_secret_v2" "pipeline_s3" {
  mount = "kv"
  name  = "pipeline/s3/${health_warehouse_storage.raw.name}"
  data_json_wo = jsonencode({
    endpoint          = ephemeral.health_warehouse_storage_credentials.raw.endpoint
    region            = ephemeral.health_warehouse_storage_credentials.raw.region
    access_key_id     = ephemeral.health_warehouse_storage_credentials.raw.access_key_id
    secret_access_key = ephemeral.health_warehouse_storage_credentials.raw.secret_access_key
  })
  data_json_wo_version = 1
}
