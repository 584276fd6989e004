package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

const reportAddr = "data.health_warehouse_compliance.test"

// complianceConfig is a small warehouse (a network, a key, a results bucket)
// and its compliance report.
func complianceConfig(emu *emulator.Emulator, cloudName, name string) string {
	// What this warehouse accepts, stated on the resources and repeated for
	// the report, which cannot read another resource's configuration.
	key := `{ control = "HW-KEY-02", justification = "test key, destroyed at the end of the test" }`
	var bucket []string
	if cloudName == cloud.Outscale {
		bucket = append(bucket, `{ control = "HW-STO-03", justification = "OOS cannot deny plain HTTP" }`)
	}
	keyExceptions := "[" + key + "]"
	bucketExceptions := "[" + strings.Join(bucket, ", ") + "]"
	reportExceptions := "[" + strings.Join(append([]string{key}, bucket...), ", ") + "]"
	return acctest.ProviderConfigAt(emu, cloudName) + fmt.Sprintf(`
resource "health_warehouse_network" "test" {
  name        = %[1]q
  cidr        = "10.60.0.0/16"
  admin_cidrs = ["203.0.113.7/32"]
}

resource "health_warehouse_kms_key" "test" {
  name                  = %[1]q
  deletion_protection   = false
  compliance_exceptions = %[2]s
}

resource "health_warehouse_storage" "test" {
  name                  = "%[1]s-results"
  zone                  = "results"
  force_destroy         = true
  compliance_exceptions = %[3]s
}

data "health_warehouse_compliance" "test" {
  title        = "Warehouse %[1]s"
  network_ids  = [health_warehouse_network.test.id]
  kms_key_ids  = [health_warehouse_kms_key.test.id]
  bucket_names = [health_warehouse_storage.test.name]
  exceptions   = %[4]s
}
`, name, keyExceptions, bucketExceptions, reportExceptions)
}

// finding checks the status (and part of the evidence) of one control on
// the resource of one type in the report's state.
func finding(control, resourceType, status, evidence string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[reportAddr]
		if !ok {
			return fmt.Errorf("%s is not in the state", reportAddr)
		}
		a := rs.Primary.Attributes
		for i := 0; i < 100; i++ {
			p := fmt.Sprintf("controls.%d.", i)
			if a[p+"control"] == "" {
				break
			}
			if a[p+"control"] != control || a[p+"resource_type"] != resourceType {
				continue
			}
			if a[p+"status"] != status || !strings.Contains(a[p+"evidence"], evidence) {
				return fmt.Errorf("%s on %s: status %q, evidence %q; want %q with %q",
					control, resourceType, a[p+"status"], a[p+"evidence"], status, evidence)
			}
			return nil
		}
		return fmt.Errorf("no finding of %s on %s in the report", control, resourceType)
	}
}

// The report reads the warehouse back from the cloud: a bucket whose
// versioning was suspended outside Terraform fails HW-STO-01 at the next
// refresh, before any apply restores it.
func TestAccWarehouseCompliance_evidenceFromTheCloud(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "suspends versioning out of band through the control API")
		emu := acctest.PrivateEmulator(t)
		name := "wh-report-" + cloudName
		config := complianceConfig(emu, cloudName, name)
		rotation := finding("HW-KEY-01", "health_warehouse_kms_key", "pass", "rotation_period = 90 days")
		tls := finding("HW-STO-03", "health_warehouse_storage", "pass", "bucket user's policy denies")
		adm := finding("HW-ADM-01", "health_warehouse_network", "pass", "203.0.113.7/32")
		egress := finding("HW-NET-01", "health_warehouse_network", "pass",
			"9 outbound rules, to tier:compute, tier:data, tier:kms, service:object-storage only")
		if cloudName == cloud.OVH {
			rotation = finding("HW-KEY-01", "health_warehouse_kms_key", "unknown", "keeps no rotation period")
			// The network's rules, both ways, are read from its Neutron
			// security groups, as OUTSCALE's from its security groups.
		} else {
			tls = finding("HW-STO-03", "health_warehouse_storage", "excepted", "no statement of the bucket policy denies")
			// The bastion's rule to the API, through its Net access point,
			// is not the Internet.
			egress = finding("HW-NET-01", "health_warehouse_network", "pass",
				"10 outbound rules, to tier:compute, tier:data, tier:kms, service:cloud-api, service:object-storage only")
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{
				{
					Config: config,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(reportAddr, tfjsonpath.New("compliant"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue(reportAddr, tfjsonpath.New("profile"), knownvalue.StringExact(map[string]string{
							cloud.Outscale: "secnumcloud", cloud.OVH: "hds"}[cloudName])),
						statecheck.ExpectKnownValue(reportAddr, tfjsonpath.New("report_markdown"),
							knownvalue.StringRegexp(expectError("# Warehouse "+name, "**Compliant**", "HW-STO-01"))),
					},
					Check: resource.ComposeAggregateTestCheckFunc(
						finding("HW-STO-01", "health_warehouse_storage", "pass", "versioning = Enabled"),
						finding("HW-LOC-01", "health_warehouse_storage", "pass", acctest.Region(cloudName)),
						finding("HW-ENC-02", "health_warehouse_storage", "not-applicable", "zone = results"),
						finding("HW-KEY-02", "health_warehouse_kms_key", map[string]string{
							cloud.Outscale: "excepted", cloud.OVH: "unknown"}[cloudName], ""),
						rotation, tls, adm, egress,
					),
				},
				{
					// A report naming the bucket itself is read when Terraform
					// plans, before the apply that restores the bucket (one that
					// referenced the resource would wait for that apply).
					PreConfig: func() {
						if err := editObject(emu, "s3.buckets", name+"-results", func(doc map[string]any) {
							doc["versioning"] = "Suspended"
						}); err != nil {
							t.Fatal(err)
						}
					},
					Config: strings.Replace(config, "bucket_names = [health_warehouse_storage.test.name]",
						fmt.Sprintf("bucket_names = [%q]", name+"-results"), 1),
					Check: resource.ComposeAggregateTestCheckFunc(
						finding("HW-STO-01", "health_warehouse_storage", "fail", "versioning = Suspended"),
						resource.TestCheckResourceAttr(reportAddr, "compliant", "false"),
						resource.TestCheckResourceAttr(reportAddr, "summary.fail", "1"),
					),
				},
				{
					// The next apply restores versioning, and the report agrees.
					Config: config,
					Check:  finding("HW-STO-01", "health_warehouse_storage", "pass", "versioning = Enabled"),
				},
			},
		})
	})
}

// lazyString is a configuration variable whose value a test step learns
// from an earlier one.
type lazyString struct{ value *string }

func (l lazyString) MarshalJSON() ([]byte, error) { return json.Marshal(*l.value) }

// HW-NET-01 reads the tiers' outbound rules from the cloud: the rule
// letting everything out, put back on the kms tier's group by hand, fails
// it at the next refresh, naming the tier; the next apply removes the rule
// and the report agrees.
func TestAccWarehouseCompliance_egressFromTheCloud(t *testing.T) {
	emulatorOnly(t, "edits a security group out of band through the control API")
	acctest.PreCheck(t, cloud.Outscale)
	t.Parallel()
	emu := acctest.PrivateEmulator(t)
	network := acctest.ProviderConfigAt(emu, cloud.Outscale) + `
resource "health_warehouse_network" "test" {
  name        = "wh-report-egress"
  cidr        = "10.65.0.0/16"
  admin_cidrs = ["203.0.113.7/32"]
}
`
	report := func(networkID string) string {
		return fmt.Sprintf(`
data "health_warehouse_compliance" "test" {
  network_ids = [%s]
}
`, networkID)
	}
	var networkID, kmsGroup string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(emu, cloud.Outscale),
		Steps: []resource.TestStep{
			{
				Config: network + report("health_warehouse_network.test.id"),
				Check: resource.ComposeAggregateTestCheckFunc(
					finding("HW-NET-01", "health_warehouse_network", "pass", "service:object-storage only"),
					func(s *terraform.State) error {
						attrs := s.RootModule().Resources[networkAddr].Primary.Attributes
						networkID, kmsGroup = attrs["id"], attrs["subnets.kms.security_group_id"]
						return nil
					},
				),
			},
			{
				PreConfig: func() {
					if err := editOutbound(context.Background(), emu, kmsGroup, func(rules []any) []any {
						return append(rules, map[string]any{"FromPortRange": -1, "ToPortRange": -1, "IpProtocol": "-1",
							"IpRanges": []string{cloud.Anywhere}})
					}); err != nil {
						t.Fatal(err)
					}
				},
				// The report names the network by its id, so that it is read
				// when Terraform plans, before the apply that restores the rules.
				Config:          network + "variable \"network_id\" { type = string }\n" + report("var.network_id"),
				ConfigVariables: config.Variables{"network_id": lazyString{&networkID}},
				Check: resource.ComposeAggregateTestCheckFunc(
					finding("HW-NET-01", "health_warehouse_network", "fail",
						"the kms tier reaches 0.0.0.0/0 on every protocol and port (opened outside this configuration)"),
					resource.TestCheckResourceAttr(reportAddr, "compliant", "false"),
				),
			},
			{
				Config: network + report("health_warehouse_network.test.id"),
				Check:  finding("HW-NET-01", "health_warehouse_network", "pass", "service:object-storage only"),
			},
		},
	})
}
