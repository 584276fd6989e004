package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

// customerKeyReportConfig is a key, a raw bucket under the key kmsKeyID
// names (an HCL expression), and the bucket's compliance report.
func customerKeyReportConfig(emu *emulator.Emulator, cloudName, name, kmsKeyID string) string {
	return customerKeyBucketConfig(emu, cloudName, name, kmsKeyID) + fmt.Sprintf(`
resource "health_warehouse_kms_key" "test" {
  name                  = %q
  deletion_protection   = false
  compliance_exceptions = [{ control = "HW-KEY-02", justification = "test key, destroyed at the end of the test" }]
}
`, name)
}

// customerKeyBucketConfig is a raw bucket under the key kmsKeyID names (an
// HCL expression), and the bucket's compliance report, without the key.
func customerKeyBucketConfig(emu *emulator.Emulator, cloudName, name, kmsKeyID string) string {
	exceptions := "[]"
	if cloudName == cloud.Outscale {
		exceptions = `[{ control = "HW-STO-03", justification = "OOS cannot deny plain HTTP" }]`
	}
	return acctest.ProviderConfigAt(emu, cloudName) + fmt.Sprintf(`
resource "health_warehouse_storage" "test" {
  name                  = "%[1]s-raw"
  zone                  = "raw"
  force_destroy         = true
  encryption            = { mode = "customer-key", kms_key_id = %[2]s }
  compliance_exceptions = %[3]s
}

data "health_warehouse_compliance" "test" {
  bucket_names = [health_warehouse_storage.test.name]
  exceptions   = %[3]s
}
`, name, kmsKeyID, exceptions)
}

// HW-ENC-02 rests on the cloud: a key id the key manager does not hold
// fails it, naming the key and the bucket; with the warehouse's key and
// objects written with SSE-C it passes; an object stored under the cloud's
// own key fails it, naming the object. The storage resource's plan-time
// check, which reads nothing, passes all along.
func TestAccWarehouseCompliance_customerKeyEvidence(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "writes objects with the bucket's key read from the emulator's store")
		emu := acctest.PrivateEmulator(t)
		name := "wh-ssec-" + cloudName
		bucket := name + "-raw"
		var state *terraform.State
		keep := func(s *terraform.State) error { state = s; return nil }
		ctx := context.Background()
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{
				{
					Config: customerKeyReportConfig(emu, cloudName, name, `"does-not-exist"`),
					Check: resource.ComposeAggregateTestCheckFunc(keep,
						finding("HW-ENC-02", "health_warehouse_storage", "fail",
							"the bucket "+bucket+" names the key does-not-exist, which "),
						resource.TestCheckResourceAttr(reportAddr, "compliant", "false"),
					),
				},
				{
					PreConfig: func() {
						if _, err := pipeline(t, emu, cloudName, state).PutObject(ctx, withSSEC(&s3.PutObjectInput{
							Bucket: aws.String(bucket), Key: aws.String("sealed.csv"), Body: strings.NewReader("rows")})); err != nil {
							t.Fatalf("a write with SSE-C: %v", err)
						}
					},
					Config: customerKeyReportConfig(emu, cloudName, name, "health_warehouse_kms_key.test.id"),
					Check: resource.ComposeAggregateTestCheckFunc(keep,
						finding("HW-ENC-02", "health_warehouse_storage", "pass", "the 1 newest of 1 objects carry SSE-C (sealed.csv)"),
						finding("HW-ENC-02", "health_warehouse_storage", "pass", ", enabled"),
						resource.TestCheckResourceAttr(reportAddr, "compliant", "true"),
					),
				},
				{
					PreConfig: func() { writeUnderTheCloudsKey(t, emu, cloudName, state, bucket) },
					Config:    customerKeyReportConfig(emu, cloudName, name, "health_warehouse_kms_key.test.id"),
					Check: resource.ComposeAggregateTestCheckFunc(
						finding("HW-ENC-02", "health_warehouse_storage", "fail",
							"objects of the bucket "+bucket+", plain.csv is stored under the cloud's own key (AES256), not SSE-C"),
						resource.TestCheckResourceAttr(reportAddr, "compliant", "false"),
					),
				},
			},
		})
	})
}

// writeUnderTheCloudsKey puts plain.csv in the bucket without SSE-C, so
// that the store encrypts it with the cloud's own key. OUTSCALE takes the
// write (OOS cannot refuse it); OVHcloud's bucket policy refuses it, so the
// object stored under sealed.csv is turned, in the emulator's store, into
// plain.csv stored under the cloud's key, as one written before the bucket
// was put under a customer key would be.
func writeUnderTheCloudsKey(t *testing.T, emu *emulator.Emulator, cloudName string, s *terraform.State, bucket string) {
	t.Helper()
	ctx := context.Background()
	_, err := pipeline(t, emu, cloudName, s).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket),
		Key: aws.String("plain.csv"), Body: strings.NewReader("rows")})
	if cloudName == cloud.Outscale {
		if err != nil {
			t.Fatalf("OOS refused a write without SSE-C: %v", err)
		}
		return
	}
	if s3Status(err) != http.StatusForbidden {
		t.Fatalf("a write without SSE-C on OVHcloud: %v, want 403 from the bucket user's policy", err)
	}
	objs, err := emu.Control().Objects(ctx, "s3.objects")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		var doc map[string]any
		if err := json.Unmarshal(o.Doc, &doc); err != nil {
			t.Fatal(err)
		}
		if doc["bucket"] != bucket || doc["key"] != "sealed.csv" {
			continue
		}
		doc["key"], doc["sse"] = "plain.csv", "AES256"
		delete(doc, "ssec_key_md5")
		raw, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if err := emu.Control().PutObject(ctx, o.Collection, o.ID, raw); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("no sealed.csv in the emulator's store")
}

// Where allowed_source_ips keeps the report's address from the objects
// (OVHcloud), HW-ENC-02 is unknown, and says why in words that do not
// change from one read to the next: the store's request id is not part of
// the evidence, or every plan would show the report as changed.
func TestAccWarehouseCompliance_customerKeySampleRefusedIsStable(t *testing.T) {
	acctest.Acceptance(t)
	t.Parallel()
	emu := acctest.Emulator()
	name := acctest.RandomName("ssecip")
	config := acctest.ProviderConfigAt(emu, cloud.OVH) + fmt.Sprintf(`
resource "health_warehouse_kms_key" "test" {
  name                  = %[2]q
  deletion_protection   = false
  compliance_exceptions = [{ control = "HW-KEY-02", justification = "test key, destroyed at the end of the test" }]
}

resource "health_warehouse_storage" "test" {
  name               = "%[1]s-raw"
  zone               = "raw"
  encryption         = { mode = "customer-key", kms_key_id = health_warehouse_kms_key.test.id }
  allowed_source_ips = ["192.0.2.0/24"]
}

data "health_warehouse_compliance" "test" {
  bucket_names = [health_warehouse_storage.test.name]
}

resource "terraform_data" "report" {
  input = data.health_warehouse_compliance.test.report_markdown
}
`, name, acctest.RandomKeyName())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkStorageGone(emu, cloud.OVH, name+"-raw"),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: finding("HW-ENC-02", "health_warehouse_storage", "unknown",
					"could not be sampled from here (the bucket's policy refused the listing: AccessDenied)"),
			},
			{Config: config, PlanOnly: true},
		},
	})
}
