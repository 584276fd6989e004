# Import a key by its id: the transit key's name in OpenBao on OUTSCALE ...
terraform import health_warehouse_kms_key.data cohort-2026-data

# ... or the id of the key's first service key in the OVHcloud KMS.
terraform import health_warehouse_kms_key.data 8f8a75b0-3bde-4b8d-a8c0-928ba2ceb8ed
