# An approved research project's workspace, like an AzureTRE workspace: its
# own key, its working bucket under that key, its airlock's import and
# export buckets, and the health_warehouse_workspace (a security group of
# its own in the compute tier, research machines, an identity limited to
# its datasets and buckets), the same HCL on OUTSCALE and OVHcloud.

locals {
  tags   = merge(var.tags, { workspace = var.name })
  prefix = coalesce(var.bucket_prefix, var.name)

  retire_exceptions = var.retire ? [{ control = "HW-KEY-02", justification = var.retire_justification }] : []
  key_exceptions = values(merge(
    { for e in local.retire_exceptions : e.control => e },
    { for e in var.compliance_exceptions.kms_key : e.control => e },
  ))
}

# The workspace's own key: it wraps the working files' keys, so that
# destroying it (retire) makes them unreadable for good.
resource "health_warehouse_kms_key" "this" {
  name            = coalesce(var.key_name, "${var.name}-ws")
  algorithm       = "aes-256"
  usage           = "wrap-unwrap"
  rotation_period = var.key_rotation_period

  deletion_protection = !var.retire
  tags                = local.tags

  compliance_exceptions = length(local.key_exceptions) > 0 ? local.key_exceptions : null

  lifecycle {
    # Referencing the key manager orders the key after it (on OUTSCALE its
    # OpenBao servers must be up) and deletes it before them, as the kms
    # module's depends_on does: a module input cannot be a depends_on.
    precondition {
      condition     = var.key_manager_id != ""
      error_message = "key_manager_id is empty: give the kms module's key_manager_id, or null."
    }
  }
}

locals {
  # The working bucket is under the workspace's key. The airlock's buckets
  # use the cloud's own encryption: the airlock's export digests and copies
  # objects with plain S3 reads, which an SSE-C object refuses, and the
  # results zone it copies to is provider-managed too; imports are the
  # data office's copies of data already held under the warehouse's keys.
  buckets = {
    working = { kms_key_id = health_warehouse_kms_key.this.id }
    import  = { kms_key_id = null }
    export  = { kms_key_id = null }
  }
}

module "bucket" {
  source   = "../storage"
  for_each = local.buckets

  name                    = "${local.prefix}-${each.key}"
  zone                    = "workspace"
  kms_key_id              = each.value.kms_key_id
  network                 = var.network
  restrict_to_network     = !var.retire
  noncurrent_version_days = var.version_retention_days
  access_logs             = var.audit_bucket == null ? null : { bucket = var.audit_bucket, prefix = "access-logs/workspaces/${var.name}/${each.key}/" }
  force_destroy           = var.retire
  tags                    = local.tags
  compliance_exceptions   = var.compliance_exceptions.storage
}

resource "health_warehouse_workspace" "this" {
  network_id    = var.network.id
  network_rules = var.network.rules
  name          = var.name

  members        = var.members
  size           = var.size
  machine_count  = var.machine_count
  image          = var.image
  package_mirror = var.package_mirror

  datasets = var.datasets
  data_gateways = length(var.data_gateways) == 0 ? null : [for g in var.data_gateways : {
    bucket                   = g.bucket
    endpoint                 = g.endpoint
    tls_ca_certificate       = g.tls_ca_certificate
    client_access_key_id     = g.client_access_key_id
    client_secret_access_key = var.data_gateway_secrets[g.bucket]
    client_secret_version    = g.client_secret_version
    prefixes                 = g.prefixes
  }]
  working_bucket = module.bucket["working"].name
  import_bucket  = module.bucket["import"].name
  export_bucket  = module.bucket["export"].name

  tags = local.tags

  compliance_exceptions = length(var.compliance_exceptions.workspace) > 0 ? var.compliance_exceptions.workspace : null
}

locals {
  bastion = coalesce(var.bastion_name, "<bastion>")
  logins  = join(", ", [for m in var.members : m.name])
  machines = [for m in health_warehouse_workspace.this.machines : {
    name       = m.name
    private_ip = m.private_ip
    # The line that pins the machine's host key (made by the provider) in
    # the tiers' known_hosts file; null after an import.
    known_hosts = m.host_public_key == null ? null : "${m.private_ip} ${m.host_public_key}"
    # What bastion.AgentRestriction says for a tier host.
    restrict_agent = "ssh-add -H ~/.ssh/known_hosts.d/health-${local.bastion} -H ~/.ssh/known_hosts.d/health-${local.bastion}-tiers -h ${local.bastion} -h \"${local.bastion}>${m.private_ip}\" <your key file>"
    ssh            = "ssh -F ssh_config -i <your key file> -l <your login> ${m.private_ip}"
  }]
}
