# The data office's reviewer approves exactly the bytes the workspace put
# in its export bucket: the approval is recorded, with its SHA-256, in the
# audit bucket, under object lock.
resource "health_warehouse_airlock_approval" "summary" {
  workspace     = "cohort-diabetes"
  export_bucket = "cohort-diabetes-export"
  object        = "tables/summary.csv"
  audit_bucket  = "cohort-2026-audit"
  approver      = "reviewer@data-office.example"
  justification = "Aggregated counts only, every cell at 10 or more: no re-identification risk."
}
