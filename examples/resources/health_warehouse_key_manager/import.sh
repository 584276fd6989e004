# Import a key manager by its id: the cluster's security group on OUTSCALE ...
terraform import health_warehouse_key_manager.kms sg-1a2b3c4d

# ... or the OKMS id on OVHcloud.
terraform import health_warehouse_key_manager.kms 3f9a1c2e-7b4d-4e8f-9a61-2c5d8e0b7f13
