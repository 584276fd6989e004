# Import a data gateway by its VM id: the VM id on OUTSCALE ...
terraform import health_warehouse_data_gateway.raw i-1a2b3c4d

# ... or the instance id on OVHcloud. The gateway's credentials are not
# found by an import: destroying an imported gateway leaves them (they are
# named after it).
terraform import health_warehouse_data_gateway.raw 5b1f0e0a-8c3d-4d4e-9a55-0e1d2c3b4a59
