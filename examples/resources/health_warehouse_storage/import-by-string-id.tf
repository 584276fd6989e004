import {
  to = health_warehouse_storage.raw
  id = "cohort-2026-raw"
}
