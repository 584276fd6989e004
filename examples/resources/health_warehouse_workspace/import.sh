# Import a workspace by its security group's id: sg-… on OUTSCALE, the
# Neutron group's UUID on OVHcloud.
terraform import health_warehouse_workspace.diabetes sg-1a2b3c4d
