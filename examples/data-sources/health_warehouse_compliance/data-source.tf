# The compliance report of a warehouse, read back from the cloud at every
# refresh: hand report_markdown to the tender's evaluators. In the same
# configuration as the warehouse, reference the resources instead
# (health_warehouse_network.warehouse.id, ...), as modules/warehouse does.
data "health_warehouse_compliance" "cohort" {
  title        = "Cohort 2026 warehouse"
  network_ids  = ["vpc-0a1b2c3d"]
  kms_key_ids  = ["cohort-2026-raw"]
  bucket_names = ["cohort-2026-raw", "cohort-2026-audit"]
  bastion_ids  = ["i-0a1b2c3d"]

  # The exceptions the resources state, repeated: a data source cannot read
  # another resource's configuration.
  exceptions = [{
    control       = "HW-STO-03"
    subject       = "cohort-2026-raw"
    justification = "OOS cannot deny plain HTTP; the pipeline only uses the https:// endpoint"
  }]
}

output "compliant" {
  value = data.health_warehouse_compliance.cohort.compliant
}

output "compliance_report" {
  value = data.health_warehouse_compliance.cohort.report_markdown
}
