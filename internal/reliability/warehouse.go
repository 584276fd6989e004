package reliability

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The resources of one warehouse, by kind: what the suite and the
// benchmark apply.
var WarehouseKinds = []string{
	"health_warehouse_network", "health_warehouse_kms_key", "health_warehouse_storage", "health_warehouse_bastion",
}

// Zones of the warehouse's buckets.
var Zones = []string{"raw", "pseudonymised", "results", "audit"}

// WarehouseOptions shape a generated configuration.
type WarehouseOptions struct {
	Cloud string
	// Names of the warehouses, one each (default: ["wh"]). Every cloud
	// object's name starts with its warehouse's.
	Names []string
	// AdminKey is the administrators' SSH public key (default: a fresh one).
	AdminKey string
	// RateLimit is the provider's api_rate_limit (0: the provider's default).
	RateLimit float64
	// Outputs adds sensitive outputs of every resource's full values, the
	// way a user would ask for them.
	Outputs bool
	// ShipAudit has each bastion ship its audit trail to its warehouse's
	// audit bucket, with the bucket's S3 key read by the ephemeral
	// health_warehouse_storage_credentials and given write-only: the run
	// handles S3 secrets. OutscaleAccessKey is the key id OUTSCALE's
	// buckets take (the account's).
	ShipAudit         bool
	OutscaleAccessKey string
}

// NewAdminKey makes an ed25519 SSH public key in authorized_keys form.
func NewAdminKey(comment string) (string, error) {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) + " " + comment, nil
}

// WarehouseConfig is a configuration of len(o.Names) warehouses, each a
// health_warehouse_network, two keys (one wrapping the raw and
// pseudonymised zones' object keys, one for the audit trail), four buckets
// (raw, pseudonymised, results, audit with object lock for six months)
// and a bastion, held to the compliance profile the acceptance tests use
// (secnumcloud on OUTSCALE, hds on OVHcloud). The keys are not protected
// against deletion and the OUTSCALE buckets cannot refuse plain HTTP: both
// are stated exceptions, so that the suite can destroy what it made.
func WarehouseConfig(o WarehouseOptions) (string, error) {
	if len(o.Names) == 0 {
		o.Names = []string{"wh"}
	}
	if o.AdminKey == "" {
		k, err := NewAdminKey("admin@reliability")
		if err != nil {
			return "", err
		}
		o.AdminKey = k
	}
	var b strings.Builder
	b.WriteString(ProviderConfig(o.Cloud, o.RateLimit))

	// One map entry per warehouse: its network's block.
	b.WriteString("locals {\n  warehouses = {\n")
	for i, name := range o.Names {
		fmt.Fprintf(&b, "    %q = %q\n", name, fmt.Sprintf("10.%d.0.0/16", 10+i%240))
	}
	b.WriteString("  }\n")
	b.WriteString("  buckets = merge([for w, _ in local.warehouses : { for z in [\"raw\", \"pseudonymised\", \"results\", \"audit\"] : \"${w}-${z}\" => { warehouse = w, zone = z } }]...)\n")
	fmt.Fprintf(&b, "  admin_key = %q\n}\n\n", o.AdminKey)

	unprotected := `  deletion_protection   = false
  compliance_exceptions = [{ control = "HW-KEY-02", justification = "reliability suite: destroyed at the end of the run" }]`
	stoException := ""
	if o.Cloud == cloud.Outscale {
		stoException = `  compliance_exceptions = [{ control = "HW-STO-03", justification = "OOS cannot deny plain HTTP; the pipeline only uses https://" }]`
	}
	fmt.Fprintf(&b, `resource "health_warehouse_network" "wh" {
  for_each    = local.warehouses
  name        = each.key
  cidr        = each.value
  admin_cidrs = ["203.0.113.7/32"]
  tags        = { project = each.key }
  # The bastion's first boot takes its packages from Debian's archive.
  egress_allow = [{ name = "debian", cidr = "198.51.100.0/24", from_port = 80, tiers = ["bastion"], hosts = ["deb.debian.org"] }]
}

resource "health_warehouse_kms_key" "data" {
  for_each        = local.warehouses
  name            = "${each.key}-data"
  usage           = "wrap-unwrap"
  rotation_period = "90d"
%[1]s
}

resource "health_warehouse_kms_key" "audit" {
  for_each  = local.warehouses
  name      = "${each.key}-audit"
  algorithm = "rsa-3072"
  usage     = "sign-verify"
%[1]s
}

resource "health_warehouse_storage" "zone" {
  for_each = local.buckets
  name     = each.key
  zone     = each.value.zone
  encryption = contains(["raw", "pseudonymised"], each.value.zone) ? {
    mode       = "customer-key"
    kms_key_id = health_warehouse_kms_key.data[each.value.warehouse].id
  } : null
  object_lock   = each.value.zone == "audit" ? { mode = "COMPLIANCE", retention_days = 180 } : null
  lifecycle_rules = contains(["raw", "pseudonymised"], each.value.zone) ? [{
    id                                 = "old-versions"
    noncurrent_version_expiration_days = 90
    abort_incomplete_upload_days       = 7
  }] : null
  force_destroy = each.value.zone != "audit"
  tags          = { project = each.value.warehouse }
%[2]s
}

resource "health_warehouse_bastion" "admin" {
  for_each      = local.warehouses
  network_id    = health_warehouse_network.wh[each.key].id
  network_rules = health_warehouse_network.wh[each.key].rules
  name          = "${each.key}-bastion"
  admins        = [{ name = "alice", ssh_public_key = local.admin_key }]
  tags          = { project = each.key }
%[3]s
}
`, unprotected, stoException, auditShipping(o))
	if o.ShipAudit {
		b.WriteString(`
# The bucket's id, not its name: the name is known at plan time, and
# Terraform would open the ephemeral resource before the bucket exists.
ephemeral "health_warehouse_storage_credentials" "audit" {
  for_each = local.warehouses
  bucket   = health_warehouse_storage.zone["${each.key}-audit"].id
}
`)
	}
	if o.Outputs {
		b.WriteString(`
output "everything" {
  sensitive = true
  value = {
    networks = health_warehouse_network.wh
    keys     = merge(health_warehouse_kms_key.data, health_warehouse_kms_key.audit)
    buckets  = health_warehouse_storage.zone
    bastions = health_warehouse_bastion.admin
  }
}
`)
	}
	return b.String(), nil
}

// auditShipping is the bastion's audit_bucket block of o, or "".
func auditShipping(o WarehouseOptions) string {
	if !o.ShipAudit {
		return ""
	}
	keyID := `health_warehouse_storage.zone["${each.key}-audit"].access_key_id`
	if o.Cloud == cloud.Outscale {
		keyID = fmt.Sprintf("%q", o.OutscaleAccessKey)
	}
	return fmt.Sprintf(`  audit_bucket = {
    bucket            = health_warehouse_storage.zone["${each.key}-audit"].name
    prefix            = "bastions/"
    access_key_id     = %s
    secret_access_key = ephemeral.health_warehouse_storage_credentials.audit[each.key].secret_access_key
  }`, keyID)
}

// ProviderConfig is the terraform and provider blocks of a configuration
// for cloudName, held to the compliance profile the acceptance tests use;
// the credentials and endpoints come from the environment.
func ProviderConfig(cloudName string, rateLimit float64) string {
	var b strings.Builder
	b.WriteString("terraform {\n  required_providers {\n    health = { source = \"registry.terraform.io/sovhealth/health\" }\n  }\n}\n\n")
	fmt.Fprintf(&b, "provider \"health\" {\n  cloud = %q\n", cloudName)
	if cloudName == cloud.OVH {
		b.WriteString("  compliance_profile = \"hds\"\n")
	}
	if rateLimit > 0 {
		fmt.Fprintf(&b, "  api_rate_limit = %g\n", rateLimit)
	}
	if cloudName == cloud.OVH {
		b.WriteString("  ovh {\n    region = \"EU-WEST-PAR\"\n  }\n")
	}
	b.WriteString("}\n\n")
	return b.String()
}

// WarehouseNames returns n names: prefix01, prefix02, and so on.
func WarehouseNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i+1)
	}
	return out
}
