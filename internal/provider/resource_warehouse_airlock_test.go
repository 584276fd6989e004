package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

// airlockBuckets are a workspace's export bucket, a results bucket and an
// audit bucket (without object lock here, so that the test can end).
func airlockBuckets(emu *emulator.Emulator, cloudName, name string) string {
	exceptions := "[]"
	if cloudName == cloud.Outscale {
		exceptions = `[{ control = "HW-STO-03", justification = "OOS cannot deny plain HTTP" }]`
	}
	return acctest.ProviderConfigAt(emu, cloudName) + fmt.Sprintf(`
resource "health_warehouse_storage" "export" {
  name                  = "%[1]s-export"
  zone                  = "results"
  force_destroy         = true
  compliance_exceptions = %[2]s
}

resource "health_warehouse_storage" "results" {
  name                  = "%[1]s-results"
  zone                  = "results"
  force_destroy         = true
  compliance_exceptions = %[2]s
}

resource "health_warehouse_storage" "audit" {
  name                  = "%[1]s-audit"
  zone                  = "results"
  force_destroy         = true
  compliance_exceptions = %[2]s
}
`, name, exceptions)
}

func airlockApprovalConfig() string {
	return `
resource "health_warehouse_airlock_approval" "test" {
  workspace     = "cohort"
  export_bucket = health_warehouse_storage.export.name
  object        = "tables/summary.csv"
  audit_bucket  = health_warehouse_storage.audit.name
  approver      = "reviewer@data-office"
  justification = "aggregated counts, cells of 10 or more"
}
`
}

func airlockExportConfig(dependsOnApproval bool) string {
	depends := ""
	if dependsOnApproval {
		depends = "depends_on = [health_warehouse_airlock_approval.test]"
	}
	return fmt.Sprintf(`
resource "health_warehouse_airlock_export" "test" {
  workspace      = "cohort"
  export_bucket  = health_warehouse_storage.export.name
  object         = "tables/summary.csv"
  results_bucket = health_warehouse_storage.results.name
  audit_bucket   = health_warehouse_storage.audit.name
  %s
}
`, depends)
}

// The airlock, on both clouds: an export without an approval of its bytes
// is refused and copies nothing; an approval is recorded in the audit
// bucket; the export then lands in the results zone, recorded; bytes
// changed after the approval are refused again.
func TestAccWarehouseAirlock_exportNeedsApproval(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "writes the workspace's export with the bucket's key read from the emulator")
		emu := acctest.PrivateEmulator(t)
		name := "wh-air-" + cloudName
		ctx := context.Background()
		put := func(s *terraform.State, bucket, body string) error {
			_, err := storageClient(t, emu, cloudName, s, "health_warehouse_storage."+bucket).PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String(name + "-" + bucket), Key: aws.String("tables/summary.csv"), Body: strings.NewReader(body)})
			return err
		}
		var state *terraform.State
		keep := func(s *terraform.State) error { state = s; return nil }
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{
				{
					Config: airlockBuckets(emu, cloudName, name),
					Check: resource.ComposeAggregateTestCheckFunc(keep, func(s *terraform.State) error {
						return put(s, "export", "region,count\nnorth,42\n")
					}),
				},
				{
					// No approval: refused, nothing copied.
					Config:      airlockBuckets(emu, cloudName, name) + airlockExportConfig(false),
					ExpectError: regexp.MustCompile(`(?s)Export Not Approved.*tables/summary\.csv.*has no\s+approval.*Nothing\s+was\s+copied`),
				},
				{
					Config: airlockBuckets(emu, cloudName, name),
					Check: func(s *terraform.State) error {
						_, err := storageClient(t, emu, cloudName, s, "health_warehouse_storage.results").HeadObject(ctx,
							&s3.HeadObjectInput{Bucket: aws.String(name + "-results"), Key: aws.String("cohort/tables/summary.csv")})
						if err == nil {
							return fmt.Errorf("an unapproved export reached the results zone")
						}
						return nil
					},
				},
				{
					Config: airlockBuckets(emu, cloudName, name) + airlockApprovalConfig() + airlockExportConfig(true),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttrPair("health_warehouse_airlock_export.test", "sha256",
							"health_warehouse_airlock_approval.test", "sha256"),
						resource.TestCheckResourceAttr("health_warehouse_airlock_export.test", "results_key", "cohort/tables/summary.csv"),
						resource.TestMatchResourceAttr("health_warehouse_airlock_approval.test", "id",
							regexp.MustCompile(`^airlock/cohort/approvals/[0-9a-f]{64}\.json$`)),
						func(s *terraform.State) error {
							out, err := storageClient(t, emu, cloudName, s, "health_warehouse_storage.results").GetObject(ctx,
								&s3.GetObjectInput{Bucket: aws.String(name + "-results"), Key: aws.String("cohort/tables/summary.csv")})
							if err != nil {
								return fmt.Errorf("the approved export is not in the results zone: %w", err)
							}
							body, _ := io.ReadAll(out.Body)
							_ = out.Body.Close()
							if string(body) != "region,count\nnorth,42\n" {
								return fmt.Errorf("the results zone holds %q", body)
							}
							audit := storageClient(t, emu, cloudName, s, "health_warehouse_storage.audit")
							for _, key := range []string{s.RootModule().Resources["health_warehouse_airlock_approval.test"].Primary.ID,
								s.RootModule().Resources["health_warehouse_airlock_export.test"].Primary.ID} {
								if _, err := audit.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(name + "-audit"),
									Key: aws.String(key)}); err != nil {
									return fmt.Errorf("the record %s is not in the audit bucket: %w", key, err)
								}
							}
							return nil
						},
					),
				},
				{
					// The bytes change after the approval: another export of them
					// is refused.
					PreConfig: func() {
						if err := put(state, "export", "region,count\nnorth,42\nsouth,3\n"); err != nil {
							t.Fatal(err)
						}
					},
					Config: airlockBuckets(emu, cloudName, name) + airlockApprovalConfig() +
						strings.Replace(airlockExportConfig(true), `"test"`, `"again"`, 1),
					ExpectError: regexp.MustCompile(`Export Not Approved`),
				},
			},
		})
	})
}

// storageClient is an S3 client with the keys that reach the bucket of the
// health_warehouse_storage at addr (the account's on OUTSCALE, the bucket's
// own user's on OVHcloud).
func storageClient(t *testing.T, emu *emulator.Emulator, cloudName string, s *terraform.State, addr string) *s3.Client {
	t.Helper()
	ak, sk, region := emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, emulator.DefaultOutscaleRegion
	if cloudName == cloud.OVH {
		ak = s.RootModule().Resources[addr].Primary.Attributes["access_key_id"]
		o, found, err := emu.Control().Object(context.Background(), "ovh.s3_credentials", ak)
		if err != nil || !found {
			t.Fatalf("the S3 key %s: found %v, %v", ak, found, err)
		}
		var doc struct{ Secret string }
		if err := json.Unmarshal(o.Doc, &doc); err != nil || doc.Secret == "" {
			t.Fatalf("no secret for %s: %v", ak, err)
		}
		sk, region = doc.Secret, "eu-west-par"
	}
	return s3.New(s3.Options{Region: region, BaseEndpoint: aws.String(emu.S3Endpoint()), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(ak, sk, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, Retryer: aws.NopRetryer{}})
}
