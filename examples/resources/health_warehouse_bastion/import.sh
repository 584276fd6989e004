# Import a bastion by its VM id: the VM id on OUTSCALE ...
terraform import health_warehouse_bastion.admin i-1a2b3c4d

# ... or the instance id on OVHcloud.
terraform import health_warehouse_bastion.admin 5b1f0e0a-8c3d-4d4e-9a55-0e1d2c3b4a59
