# Import a network by its cloud id: the Net id on OUTSCALE ...
terraform import health_warehouse_network.warehouse vpc-1a2b3c4d

# ... or the private network id on OVHcloud.
terraform import health_warehouse_network.warehouse pn-1083678_12
