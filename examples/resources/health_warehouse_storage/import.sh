# Import a bucket by its name. On OVHcloud the bucket must have been made by
# health_warehouse_storage (its owner is the user the provider made for it).
terraform import health_warehouse_storage.raw cohort-2026-raw
