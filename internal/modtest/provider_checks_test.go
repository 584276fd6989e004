package modtest_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// A module checks only what the provider cannot (its own rules, inputs that
// never reach a resource); names, blocks, sizes and administrators are the
// provider's to refuse, at plan time, once, in a diagnostic that names the
// module's resource. terraform test's expect_failures only expects custom
// conditions, never a provider's diagnostic, so each case here plans a root
// module that calls the module with a value the provider refuses, and reads
// what the user reads.
func TestModulesLeaveChecksToTheProvider(t *testing.T) {
	t.Parallel()
	tree := copyTree(t, filepath.Join(root, "modules"))
	const (
		alice  = `{ name = "alice", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICyOE4rVfqh+6/a5GS9lamDhkTLUj4i/ODVBZULqgC+E alice@laptop" }`
		alice2 = `{ name = "alice", ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIvuKKTnv0t9KjCCXO0FdEh0mlo5jzfIojs3PkoxCHWu alice@desktop" }`
		// A network planned in the same run: the key manager and the
		// bastion go in it.
		network = `
module "network" {
  source      = "../network"
  name        = "modtest-provider-checks"
  admin_cidrs = ["203.0.113.7/32"]
  egress_allow = [
    { name = "debian", cidr = "198.51.100.0/24", from_port = 80, tiers = ["bastion", "kms"], hosts = ["deb.debian.org"] },
    { name = "github", cidr = "192.0.2.0/24", from_port = 443, tiers = ["kms"], hosts = ["github.com"] },
  ]
}
`
		inNetwork = `
  network_id    = module.network.id
  network_rules = module.network.rules`
	)
	cases := []struct {
		name, cloud, module, before, args string
		summary                           string // the provider's diagnostic
		resource                          string // the resource it names
	}{
		{
			name: "storage_bucket_name", cloud: cloud.OVH, module: "storage",
			args:    `name = "Cohort_2026"`,
			summary: "Invalid Bucket Name", resource: "module.under_test.health_warehouse_storage.this",
		},
		{
			name: "kms_even_cluster", cloud: cloud.Outscale, module: "kms", before: network,
			args:    `name = "mt-kms-even"` + inNetwork + "\n  servers = 2",
			summary: "Invalid Number of Key Manager Servers", resource: "module.under_test.health_warehouse_key_manager.this",
		},
		{
			name: "kms_unknown_algorithm", cloud: cloud.OVH, module: "kms", before: network,
			args:    `name = "mt-kms-des"` + inNetwork + "\n  keys = { raw = { algorithm = \"des\" } }",
			summary: "Invalid Attribute Value Match", resource: `module.under_test.health_warehouse_kms_key.this["raw"]`,
		},
		{
			name: "bastion_one_login_for_two", cloud: cloud.OVH, module: "bastion", before: network,
			args:    `name = "mt-bastion-dup"` + inNetwork + "\n  admins = [" + alice + ", " + alice2 + "]",
			summary: "Invalid Bastion Configuration", resource: "module.under_test.health_warehouse_bastion.this",
		},
		{
			name: "warehouse_name_too_long_for_keys", cloud: cloud.OVH, module: "warehouse",
			args:    `name = "a-name-much-too-long-for-keys"` + "\n  admin_cidrs = [\"203.0.113.7/32\"]\n  admins = [" + alice + "]",
			summary: "Invalid Key Name", resource: `module.under_test.module.kms.health_warehouse_kms_key.this["raw"]`,
		},
		{
			name: "azure_parity_service_tag", cloud: cloud.Outscale, module: "azure-parity",
			args: `tre_id = "cohort26"
  address_space                 = ["10.60.0.0/16"]
  admin_source_address_prefixes = ["Internet"]
  admin_ssh_keys                = [{ username = "alice", public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICyOE4rVfqh+6/a5GS9lamDhkTLUj4i/ODVBZULqgC+E alice@laptop" }]`,
			summary: "Invalid CIDR Block", resource: "module.under_test.module.warehouse.module.network.health_warehouse_network.this",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			// Beside the modules, so that their relative sources resolve.
			dir := filepath.Join(tree, "zz-provider-checks-"+c.name)
			writeFile(t, filepath.Join(dir, "main.tf"), providerFor(c.cloud)+c.before+fmt.Sprintf(`
module "under_test" {
  source = "../%s"
  %s
}
`, c.module, c.args))
			mustTF(t, dir, nil, "init", "-input=false", "-no-color")
			out, err := tf(t, dir, "plan", "-input=false", "-no-color")
			if err == nil {
				t.Fatalf("the plan succeeded; want the provider's %q on %s:\n%s", c.summary, c.resource, out)
			}
			if !strings.Contains(out, "Error: "+c.summary) || !strings.Contains(out, "with "+c.resource+",") {
				t.Errorf("want the provider's %q on %s:\n%s", c.summary, c.resource, out)
			}
			if strings.Contains(out, "Invalid value for variable") {
				t.Errorf("the module checks the value itself: the provider already does, at plan time:\n%s", out)
			}
		})
	}
}
