import {
  to = health_warehouse_kms_key.data
  id = "cohort-2026-data"
}
