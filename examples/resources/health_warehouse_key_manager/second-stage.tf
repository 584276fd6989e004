# Second stage, once the key holders have initialised and unsealed OpenBao
# and made Terraform's token (see init_instructions). A provider cannot be
# configured from a resource the same apply creates: this block works from
# the second apply on, when the key manager's outputs are known. (Or keep
# the keys in another configuration, fed by the first one's outputs.)
provider "health" {
  alias = "keys"
  cloud = "outscale"

  outscale {
    kms_address = health_warehouse_key_manager.kms.address
    kms_ca_cert = health_warehouse_key_manager.kms.ca_cert_pem
    # kms_token: from HEALTH_KMS_TOKEN, never in a .tf file.
  }
}

resource "health_warehouse_kms_key" "data" {
  provider        = health.keys
  name            = "cohort-2026-data"
  algorithm       = "aes-256"
  usage           = "wrap-unwrap"
  rotation_period = "90d"

  depends_on = [health_warehouse_key_manager.kms]
}
