# A complete sovereign health-data warehouse from one call, the same HCL on
# OUTSCALE and OVHcloud: the isolated network, the key manager with one key
# per sensitive data zone, a bucket per zone, the audited bastion, and a
# compliance report over all of it.
#
# Cloud differences are read from attributes the provider knows at plan time
# (the network's storage_path), never from a "cloud" input.

locals {
  tags   = merge(var.tags, { warehouse = var.name })
  prefix = coalesce(var.bucket_prefix, var.name)

  # Egress is denied but for what egress_allow lists. Left to its default,
  # the tiers that install software at first boot reach the public archives
  # the bastion and the OpenBao servers use by default: their hosts have no
  # fixed address block, so the entries open the port to the whole
  # Internet, and the module says so with an HW-NET-01 exception.
  default_egress = [{
    name      = "debian-archive"
    cidr      = "0.0.0.0/0"
    protocol  = "tcp"
    from_port = 80
    to_port   = 80
    tiers     = ["bastion", "kms"]
    hosts     = ["deb.debian.org"]
    }, {
    name      = "openbao-release"
    cidr      = "0.0.0.0/0"
    protocol  = "tcp"
    from_port = 443
    to_port   = 443
    tiers     = ["kms"]
    hosts     = ["github.com", "release-assets.githubusercontent.com", "objects.githubusercontent.com"]
  }]
  egress_allow = var.egress_allow != null ? var.egress_allow : local.default_egress
  network_exceptions = concat(var.compliance_exceptions.network, var.egress_allow != null ? [] : [{
    control       = "HW-NET-01"
    justification = "Module default: the bastion and kms tiers reach the public Debian archive (TCP 80) and the kms tier GitHub's releases (TCP 443) for their first-boot software, anywhere since those hosts have no fixed block. Set egress_allow to your mirrors' blocks to close it."
  }])
}

module "network" {
  source = "../network"

  name                  = var.name
  cidr                  = var.cidr
  subnet_cidrs          = var.subnet_cidrs
  admin_cidrs           = var.admin_cidrs
  egress_allow          = local.egress_allow
  tags                  = local.tags
  compliance_exceptions = local.network_exceptions
}

locals {
  # "gateway" on OVHcloud, "net-access-point" on OUTSCALE: known at plan time.
  on_ovh = module.network.storage_path == "gateway"
}

# The key manager (OUTSCALE: your OpenBao cluster in the kms tier; OVHcloud:
# your OKMS, adopted) and one key per zone of personal data. The results and
# audit zones use the cloud's own encryption: results are aggregates meant to
# leave the warehouse, and the bastion writes its audit trail with plain S3,
# which cannot wrap each object's key with a KMS key.
module "kms" {
  source = "../kms"

  name          = var.name
  network_id    = module.network.id
  network_rules = module.network.rules
  servers       = var.key_manager_servers
  size          = var.size
  tags          = local.tags

  package_mirror = var.package_mirror
  openbao_mirror = var.openbao_mirror
  openbao_sha256 = var.openbao_sha256

  keys = {
    raw    = { rotation_period = var.key_rotation_period }
    pseudo = { rotation_period = var.key_rotation_period }
  }

  deletion_protection  = !var.retire
  retire_justification = var.retire_justification
  compliance_exceptions = {
    key_manager = var.compliance_exceptions.key_manager
    kms_key     = var.compliance_exceptions.kms_key
  }
}

locals {
  # Retiring lifts the OVHcloud buckets' address restriction: terraform
  # destroy empties them (force_destroy) from wherever it runs, which is
  # rarely the network's egress address. Objects still need the bucket's key.
  restrict = !var.retire

  zones = {
    raw = {
      kms_key            = "raw"
      restrict           = local.restrict
      retention_days     = null
      noncurrent_version = var.version_retention_days
    }
    pseudonymised = {
      kms_key            = "pseudo"
      restrict           = local.restrict
      retention_days     = null
      noncurrent_version = var.version_retention_days
    }
    results = {
      kms_key            = null
      restrict           = local.restrict
      retention_days     = null
      noncurrent_version = var.version_retention_days
    }
    # Written by the bastion from its own public address and read by auditors
    # from theirs: not restricted to the network's egress addresses. Object
    # lock keeps every record for retention_days; versions are never expired.
    audit = {
      kms_key            = null
      restrict           = false
      retention_days     = var.retention_days
      noncurrent_version = null
    }
  }
}

# The audit bucket first: every zone's bucket, its own included, sends its
# server access logs there (under access-logs/<zone>/), so that who read or
# wrote what, when and from where is kept as long as the audit trail.
module "audit_bucket" {
  source = "../storage"

  name                    = "${local.prefix}-audit"
  zone                    = "audit"
  network                 = module.network
  restrict_to_network     = local.zones.audit.restrict
  retention_days          = local.zones.audit.retention_days
  noncurrent_version_days = local.zones.audit.noncurrent_version
  access_logs             = { bucket = "${local.prefix}-audit", prefix = "access-logs/audit/" }
  force_destroy           = var.retire
  tags                    = local.tags
  compliance_exceptions   = var.compliance_exceptions.storage
}

module "bucket" {
  source   = "../storage"
  for_each = { for z, v in local.zones : z => v if z != "audit" }

  name                    = "${local.prefix}-${each.key}"
  zone                    = each.key
  kms_key_id              = each.value.kms_key != null ? module.kms.key_ids[each.value.kms_key] : null
  network                 = module.network
  restrict_to_network     = each.value.restrict
  retention_days          = each.value.retention_days
  noncurrent_version_days = each.value.noncurrent_version
  access_logs             = { bucket = module.audit_bucket.name, prefix = "access-logs/${each.key}/" }
  force_destroy           = var.retire
  tags                    = local.tags
  compliance_exceptions   = var.compliance_exceptions.storage
}

moved {
  from = module.bucket["audit"]
  to   = module.audit_bucket
}

locals {
  buckets = merge(module.bucket, { audit = module.audit_bucket })
}

# The bastion ships its audit trail with a write-only identity. OUTSCALE:
# the provider makes the bastion its own (an EIM user allowed s3:PutObject
# under bastions/ only), whose secret goes straight into its user-data.
# OVHcloud: the audit bucket's own key, whose secret is read for this run
# only and handed to a write-only argument. Neither is ever stored. A key
# given in audit_access_key_id takes their place.
ephemeral "health_warehouse_storage_credentials" "audit" {
  count  = local.on_ovh && var.audit_access_key_id == null ? 1 : 0
  bucket = local.buckets["audit"].id
}

locals {
  audit_key_id = (
    var.audit_access_key_id != null ? var.audit_access_key_id :
    local.on_ovh ? local.buckets["audit"].access_key_id : null
  )
}

# The research workspaces, each with its own key, working and airlock
# buckets, machines and identity (modules/workspace).
module "workspace" {
  source   = "../workspace"
  for_each = var.workspaces

  name          = "${var.name}-${each.key}"
  network       = module.network
  members       = each.value.members
  size          = each.value.size
  machine_count = each.value.machine_count
  image         = each.value.image
  # The machines run Debian 12 by default, like the bastion.
  package_mirror = each.value.package_mirror != null ? each.value.package_mirror : var.package_mirror
  datasets = [for d in each.value.datasets : {
    bucket = d.bucket != null ? d.bucket : local.buckets["pseudonymised"].name
    prefix = d.prefix
  }]
  data_gateways        = each.value.data_gateways
  data_gateway_secrets = lookup(var.workspace_gateway_secrets, each.key, {})

  key_manager_id      = module.kms.key_manager_id
  key_name            = each.value.key_name != null ? each.value.key_name : "${var.name}-ws-${each.key}"
  key_rotation_period = var.key_rotation_period

  bucket_prefix          = "${local.prefix}-${each.key}"
  audit_bucket           = local.buckets["audit"].name
  bastion_name           = "${var.name}-bastion"
  version_retention_days = var.version_retention_days

  retire               = var.retire
  retire_justification = var.retire_justification
  tags                 = merge(local.tags, each.value.tags)

  compliance_exceptions = {
    workspace = each.value.compliance_exceptions.workspace
    storage = values(merge(
      { for e in var.compliance_exceptions.storage : e.control => e },
      { for e in each.value.compliance_exceptions.storage : e.control => e },
    ))
    kms_key = values(merge(
      { for e in var.compliance_exceptions.kms_key : e.control => e },
      { for e in each.value.compliance_exceptions.kms_key : e.control => e },
    ))
  }
}

locals {
  # The bastion's administrators: admins, then every workspace member not
  # among them yet, in a stable order (the list's order is the bastion's:
  # a change replaces it). The workspaces variable refuses a login given two
  # different keys, so the first key of a login is its only key.
  members = flatten([for w in values(var.workspaces) : w.members])
  new_members = [
    for i, m in local.members : m
    if !contains(concat([for a in var.admins : a.name], [for x in slice(local.members, 0, i) : x.name]), m.name)
  ]
  bastion_admins = concat(var.admins, local.new_members)

  # Whether the compute tier, where the workspaces' machines are, may reach
  # anything outside the warehouse (a package mirror).
  compute_egress = length([for e in local.egress_allow : e if contains(e.tiers, "compute")]) > 0
}

module "bastion" {
  source = "../bastion"

  name          = "${var.name}-bastion"
  network_id    = module.network.id
  network_rules = module.network.rules
  admins        = local.bastion_admins
  size          = var.size
  tags          = local.tags

  package_mirror = var.package_mirror

  audit_bucket = {
    bucket        = local.buckets["audit"].name
    endpoint      = local.buckets["audit"].endpoint
    prefix        = "bastions/"
    access_key_id = local.audit_key_id
  }
  audit_secret_access_key = var.audit_access_key_id != null ? var.audit_secret_access_key : one(ephemeral.health_warehouse_storage_credentials.audit[*].secret_access_key)

  compliance_exceptions = var.compliance_exceptions.bastion
}

# The report: every control of the provider's profile, read back from the
# cloud after apply, with the exceptions each part carries.
locals {
  exceptions = concat(
    [for e in local.network_exceptions : merge(e, { subject = module.network.id })],
    [for e in var.compliance_exceptions.key_manager : merge(e, { subject = module.kms.key_manager_id })],
    flatten([for k, id in module.kms.key_ids : [for e in module.kms.compliance_exceptions : merge(e, { subject = id })]]),
    flatten([for z, b in local.buckets : [for e in b.compliance_exceptions : merge(e, { subject = b.id })]]),
    [for e in var.compliance_exceptions.bastion : merge(e, { subject = module.bastion.id })],
    flatten([for w in module.workspace : w.compliance_exceptions]),
  )
}

data "health_warehouse_compliance" "this" {
  title           = "Warehouse ${var.name} (${module.network.region})"
  network_ids     = [module.network.id]
  key_manager_ids = [module.kms.key_manager_id]
  kms_key_ids     = concat(values(module.kms.key_ids), [for w in module.workspace : w.key.id])
  bucket_names    = concat([for z in keys(local.zones) : local.buckets[z].name], flatten([for w in module.workspace : w.bucket_names]))
  bastion_ids     = [module.bastion.id]
  workspace_ids   = [for w in module.workspace : w.compliance_id]
  exceptions      = [for e in local.exceptions : { control = e.control, subject = e.subject, justification = e.justification }]
}
