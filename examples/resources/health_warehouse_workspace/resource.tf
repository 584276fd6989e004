resource "health_warehouse_network" "warehouse" {
  name        = "cohort-2026"
  cidr        = "10.20.0.0/16"
  admin_cidrs = ["203.0.113.7/32"]
}

# The workspace's own buckets: working files, and its airlock.
resource "health_warehouse_storage" "working" {
  name = "cohort-diabetes-working"
  zone = "workspace"
}

resource "health_warehouse_storage" "import" {
  name = "cohort-diabetes-import"
  zone = "workspace"
}

resource "health_warehouse_storage" "export" {
  name = "cohort-diabetes-export"
  zone = "workspace"
}

# A research project approved for the diabetes cohort only: two machines in
# the compute tier, reached by its members through the bastion.
resource "health_warehouse_workspace" "diabetes" {
  network_id    = health_warehouse_network.warehouse.id
  network_rules = health_warehouse_network.warehouse.rules
  name          = "cohort-diabetes"

  members = [
    { name = "alice", ssh_public_key = file("${path.module}/keys/alice.pub") },
    { name = "bob", ssh_public_key = file("${path.module}/keys/bob.pub") },
  ]
  machine_count = 2
  size          = "medium"

  datasets = [
    { bucket = "cohort-2026-pseudonymised", prefix = "diabetes/" },
  ]
  working_bucket = health_warehouse_storage.working.name
  import_bucket  = health_warehouse_storage.import.name
  export_bucket  = health_warehouse_storage.export.name

  # A dataset bucket under a customer key (SSE-C) is read through a data
  # gateway of the workspace's own: read_only, serving the dataset's prefix
  # alone, sharing the data key of the gateway that writes the bucket
  # (health_warehouse_data_gateway: read_only, prefixes, data_key_object).
  # The client secret is write-only, as on the gateway:
  # data_gateways = [{
  #   bucket                   = health_warehouse_data_gateway.diabetes.bucket.name
  #   endpoint                 = health_warehouse_data_gateway.diabetes.endpoint
  #   tls_ca_certificate       = health_warehouse_data_gateway.diabetes.tls_ca_certificate
  #   client_access_key_id     = health_warehouse_data_gateway.diabetes.client_access_key_id
  #   client_secret_access_key = ephemeral.random_password.diabetes_gateway.result
  #   client_secret_version    = 1
  #   prefixes                 = health_warehouse_data_gateway.diabetes.prefixes
  # }]

  tags = {
    project = "cohort-diabetes"
  }
}

output "connect" {
  description = "How a member reaches a machine, with the bastion's ssh_config."
  value       = [for m in health_warehouse_workspace.diabetes.machines : "ssh ${m.private_ip}"]
}
