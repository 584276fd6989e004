import {
  to = health_warehouse_key_manager.kms
  id = "sg-1a2b3c4d"
}
