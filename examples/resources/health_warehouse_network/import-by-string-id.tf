import {
  to = health_warehouse_network.warehouse
  id = "vpc-1a2b3c4d"
}
