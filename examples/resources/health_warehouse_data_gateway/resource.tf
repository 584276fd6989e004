resource "health_warehouse_network" "warehouse" {
  name        = "cohort-2026"
  cidr        = "10.20.0.0/16"
  admin_cidrs = ["203.0.113.7/32"]
}

resource "health_warehouse_kms_key" "raw" {
  name = "cohort-2026-raw"
}

resource "health_warehouse_storage" "raw" {
  name = "cohort-2026-raw"
  zone = "raw"
  encryption = {
    mode       = "customer-key"
    kms_key_id = health_warehouse_kms_key.raw.id
  }
}

# The data path of the raw zone: machines of the compute tier write and read
# through the gateway's S3 endpoint; the gateway stores every object with
# SSE-C under a data key made by the warehouse's key manager.
variable "gateway_client_secret" {
  description = "The secret machines use against the gateway (32 characters or more)."
  type        = string
  sensitive   = true
  ephemeral   = true
}

resource "health_warehouse_data_gateway" "raw" {
  network_id = health_warehouse_network.warehouse.id
  name       = "cohort-2026-raw-gw"
  kms_key_id = health_warehouse_kms_key.raw.id

  # On OUTSCALE the provider makes the gateway its own EIM identity on the
  # bucket. On OVHcloud, add the bucket's own key:
  #   access_key_id     = health_warehouse_storage.raw.access_key_id
  #   secret_access_key = ephemeral.health_warehouse_storage_credentials.raw.secret_access_key
  bucket = {
    name = health_warehouse_storage.raw.name
  }

  client_access_key_id     = "cohort2026rawpipeline"
  client_secret_access_key = var.gateway_client_secret
  client_secret_version    = 1

  # rclone's release from a mirror of yours that the data tier reaches
  # (holding rclone-v1.71.1-linux-amd64.zip), checked against the
  # release's SHA-256. Left out: rclone's own download site.
  rclone = {
    version = "1.71.1"
    mirror  = "https://mirror.cohort-2026.example/rclone/v1.71.1"
    sha256  = "417e3da236f3a12d292da4e7287d67b1df558b8c2b280d092e563958ed724be7"
  }

  tags = {
    project = "cohort-2026"
  }
}

# A pipeline in the compute tier then uses, for instance:
#   AWS_ENDPOINT_URL = health_warehouse_data_gateway.raw.endpoint
#   AWS_CA_BUNDLE    = a file holding health_warehouse_data_gateway.raw.tls_ca_certificate
output "raw_gateway_endpoint" {
  value = health_warehouse_data_gateway.raw.endpoint
}
