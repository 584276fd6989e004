resource "health_warehouse_airlock_approval" "summary" {
  workspace     = "cohort-diabetes"
  export_bucket = "cohort-diabetes-export"
  object        = "tables/summary.csv"
  audit_bucket  = "cohort-2026-audit"
  approver      = "reviewer@data-office.example"
  justification = "Aggregated counts only, every cell at 10 or more: no re-identification risk."
}

# The export lands in the results zone only because the approval above
# covers these bytes; without it, or with bytes changed since, the apply
# fails and nothing is copied.
resource "health_warehouse_airlock_export" "summary" {
  workspace      = "cohort-diabetes"
  export_bucket  = "cohort-diabetes-export"
  object         = "tables/summary.csv"
  results_bucket = "cohort-2026-results"
  audit_bucket   = "cohort-2026-audit"

  depends_on = [health_warehouse_airlock_approval.summary]
}
