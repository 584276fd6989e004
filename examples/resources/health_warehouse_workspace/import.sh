# Import a workspace by <network_id>/<name>/<id>, its id being its security
# group's: sg-… on OUTSCALE, the Neutron group's UUID on OVHcloud.
terraform import health_warehouse_workspace.diabetes vpc-1a2b3c4d/cohort-diabetes/sg-5e6f7a8b
