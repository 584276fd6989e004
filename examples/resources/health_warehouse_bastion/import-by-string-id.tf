import {
  to = health_warehouse_bastion.admin
  id = "i-1a2b3c4d"
}
