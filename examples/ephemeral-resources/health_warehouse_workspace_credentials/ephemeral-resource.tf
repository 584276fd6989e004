# A member's key for one Terraform run, deleted when it ends: it reaches
# what the workspace may, nothing more.
ephemeral "health_warehouse_workspace_credentials" "session" {
  workspace_id = "sg-1a2b3c4d"
  name         = "cohort-diabetes"
  network_id   = "vpc-1a2b3c4d"
}
