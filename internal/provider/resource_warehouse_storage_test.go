package provider_test

import (
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // SSE-C key digests are MD5 by definition
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/outscale"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/ovh"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

const storageAddr = "health_warehouse_storage.test"

// storageConfig is a bucket with the settings a user starts from, plus extra.
func storageConfig(emu *emulator.Emulator, cloudName, name, extra string, excepted ...string) string {
	return acctest.ProviderConfigAt(emu, cloudName) + fmt.Sprintf(`
resource "health_warehouse_storage" "test" {
  name = %q
  tags = { owner = "data-office" }
%s
%s}
`, name, extra, complianceExceptions(cloudName, excepted...))
}

// complianceExceptions states the compliance controls a test bucket fails
// on purpose, as a user would: on OUTSCALE always HW-STO-03, since OOS
// bucket policies take no conditions and cannot refuse plain HTTP.
func complianceExceptions(cloudName string, controls ...string) string {
	if cloudName == cloud.Outscale {
		controls = append(controls, "HW-STO-03")
	}
	if len(controls) == 0 {
		return ""
	}
	var items []string
	for _, c := range controls {
		items = append(items, fmt.Sprintf("{ control = %q, justification = \"acceptance test\" }", c))
	}
	return "  compliance_exceptions = [" + strings.Join(items, ", ") + "]\n"
}

// checkStorageGone is a CheckDestroy: the cloud answers that the buckets
// of the state, and anything named base, are gone (acctest.CheckDestroy);
// nothing of the cloud's API is left in the private emulator, and no
// bucket nor object version either.
func checkStorageGone(emu *emulator.Emulator, cloudName, base string) func(*terraform.State) error {
	apiLeft := acctest.CheckDestroy(emu, cloudName, base)
	return func(s *terraform.State) error {
		if err := apiLeft(s); err != nil || emu == nil {
			return err
		}
		objs, err := emu.Control().Objects(context.Background(), "s3.")
		if err != nil {
			return err
		}
		if len(objs) > 0 {
			return fmt.Errorf("%d S3 objects left after destroy, the first %s/%s", len(objs), objs[0].Collection, objs[0].ID)
		}
		return nil
	}
}

// storageEndpoint is where buckets are reached: the emulator's S3
// endpoint, or the cloud's in the test region (or the one the
// environment sets).
func storageEndpoint(emu *emulator.Emulator, cloudName string) string {
	if emu != nil {
		return emu.S3Endpoint()
	}
	if cloudName == cloud.OVH {
		if v := os.Getenv(ovh.SettingStorageEndpoint.EnvVar); v != "" {
			return strings.TrimSuffix(v, "/")
		}
		return ovh.DefaultStorageEndpoint(acctest.Region(cloudName))
	}
	if v := os.Getenv(outscale.SettingStorageEndpoint.EnvVar); v != "" {
		return strings.TrimSuffix(v, "/")
	}
	return outscale.DefaultStorageEndpoint(acctest.Region(cloudName))
}

// bucketKeys are the S3 keys that reach a bucket in the emulator: the
// account's keys on OUTSCALE, the bucket user's on OVHcloud (read from the
// emulator's store, as the ephemeral resource reads them from the API).
func bucketKeys(t *testing.T, emu *emulator.Emulator, cloudName string, s *terraform.State) (string, string, string) {
	t.Helper()
	if cloudName == cloud.Outscale {
		return emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, emulator.DefaultOutscaleRegion
	}
	access := s.RootModule().Resources[storageAddr].Primary.Attributes["access_key_id"]
	o, found, err := emu.Control().Object(context.Background(), "ovh.s3_credentials", access)
	if err != nil || !found {
		t.Fatalf("the S3 key %s: found %v, %v", access, found, err)
	}
	var doc struct{ Secret string }
	if err := json.Unmarshal(o.Doc, &doc); err != nil || doc.Secret == "" {
		t.Fatalf("no secret for %s: %v", access, err)
	}
	return access, doc.Secret, "eu-west-par"
}

// pipeline is the warehouse's data pipeline: an S3 client with the keys
// that reach the bucket. headers are added to every request.
func pipeline(t *testing.T, emu *emulator.Emulator, cloudName string, s *terraform.State, headers ...string) *s3.Client {
	t.Helper()
	ak, sk, region := bucketKeys(t, emu, cloudName, s)
	return s3.New(s3.Options{Region: region, BaseEndpoint: aws.String(emu.S3Endpoint()), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(ak, sk, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, Retryer: aws.NopRetryer{},
		APIOptions: []func(*middleware.Stack) error{addHeaders(headers...)}})
}

// addHeaders sets extra headers on every request, before it is signed.
func addHeaders(kv ...string) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Build.Add(middleware.BuildMiddlewareFunc("addHeaders", func(ctx context.Context, in middleware.BuildInput,
			next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				for i := 0; i+1 < len(kv); i += 2 {
					req.Header.Set(kv[i], kv[i+1])
				}
			}
			return next.HandleBuild(ctx, in)
		}), middleware.After)
	}
}

// accessKeyComparer: the key handed out is the bucket's own on OVHcloud;
// on OUTSCALE it is the account's, and the bucket has none.
func accessKeyComparer(cloudName string) compare.ValueComparer {
	if cloudName == cloud.OVH {
		return compare.ValuesSame()
	}
	return compare.ValuesDiffer()
}

// withSSEC adds a customer key to a PutObject.
func withSSEC(in *s3.PutObjectInput) *s3.PutObjectInput {
	key := bytes.Repeat([]byte{5}, 32)
	sum := md5.Sum(key) //nolint:gosec // SSE-C key digest
	in.SSECustomerAlgorithm = aws.String("AES256")
	in.SSECustomerKey = aws.String(base64.StdEncoding.EncodeToString(key))
	in.SSECustomerKeyMD5 = aws.String(base64.StdEncoding.EncodeToString(sum[:]))
	return in
}

// s3Status is the HTTP status of a failed S3 call, 0 when it succeeded.
func s3Status(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestAccWarehouseStorage_basic(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("sto")
		var accessKey knownvalue.Check = knownvalue.StringExact("")
		kind := cloud.PolicyKindBucket
		if cloudName == cloud.OVH {
			kind, accessKey = cloud.PolicyKindUser, knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{32}$`))
		}
		policy, _, err := cloud.RenderAccessPolicy(cloudName, cloud.BucketSpec{Name: name, Encryption: cloud.EncryptionProviderManaged})
		if err != nil {
			t.Fatal(err)
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkStorageGone(emu, cloudName, name),
			Steps: []resource.TestStep{{
				Config: storageConfig(emu, cloudName, name, `
  lifecycle_rules = [{ id = "old-versions", noncurrent_version_expiration_days = 90, abort_incomplete_upload_days = 7 }]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(storageAddr, plancheck.ResourceActionCreate),
					// Reviewers see the policy before apply.
					plancheck.ExpectKnownValue(storageAddr, tfjsonpath.New("policy_json"), knownvalue.StringExact(policy)),
					plancheck.ExpectKnownValue(storageAddr, tfjsonpath.New("policy_kind"), knownvalue.StringExact(kind)),
					plancheck.ExpectKnownValue(storageAddr, tfjsonpath.New("arn"), knownvalue.StringExact("arn:aws:s3:::"+name)),
					plancheck.ExpectKnownValue(storageAddr, tfjsonpath.New("server_side_encryption"), knownvalue.StringExact("AES256")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("id"), knownvalue.StringExact(name)),
					statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("versioning"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("region"), knownvalue.StringExact(acctest.Region(cloudName))),
					statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("endpoint"), knownvalue.StringExact(storageEndpoint(emu, cloudName))),
					statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("encryption"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"mode": knownvalue.StringExact("provider-managed"), "kms_key_id": knownvalue.Null()})),
					statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("object_lock_enabled"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("force_destroy"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("access_key_id"), accessKey),
					statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("lifecycle_rules").AtSliceIndex(0), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id": knownvalue.StringExact("old-versions"), "noncurrent_version_expiration_days": knownvalue.Int64Exact(90),
						"abort_incomplete_upload_days": knownvalue.Int64Exact(7)})),
				},
			}},
		})
	})
}

// Settings change in place; the name replaces the bucket.
func TestAccWarehouseStorage_update(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("sto")
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkStorageGone(emu, cloudName, name),
			Steps: []resource.TestStep{
				{Config: storageConfig(emu, cloudName, name, "")},
				{
					Config: acctest.ProviderConfigAt(emu, cloudName) + fmt.Sprintf(`
resource "health_warehouse_storage" "test" {
  name       = %q
  versioning = false
  zone       = "results"
  tags       = { owner = "dpo", project = "cohort-2026" }
  lifecycle_rules = [{ id = "uploads", abort_incomplete_upload_days = 3 }]
%s}
`, name, complianceExceptions(cloudName, "HW-STO-01")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(storageAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("versioning"), knownvalue.Bool(false)),
						statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("zone"), knownvalue.StringExact("results")),
						statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("tags"), knownvalue.MapSizeExact(2)),
						statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("lifecycle_rules"), knownvalue.ListSizeExact(1)),
					},
				},
				{
					Config: storageConfig(emu, cloudName, name+"-renamed", ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(storageAddr, plancheck.ResourceActionReplace),
					}},
				},
			},
		})
	})
}

func TestAccWarehouseStorage_import(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		extra := `
  zone      = "raw"
  lifecycle_rules = [{ id = "old-versions", noncurrent_version_expiration_days = 30 }]`
		if cloudName == cloud.OVH {
			extra += `
  allowed_source_ips = ["127.0.0.1/32", "198.51.100.0/24"]
  encryption         = { mode = "customer-key", kms_key_id = "okms-key-raw" }`
		}
		var excepted []string
		if cloudName == cloud.Outscale {
			excepted = append(excepted, "HW-ENC-02") // a raw bucket without a customer key
		}
		name := acctest.RandomName("sto")
		config := storageConfig(emu, cloudName, name, extra, excepted...)
		importAction := plancheck.ResourceActionNoop
		if cloudName == cloud.Outscale {
			importAction = plancheck.ResourceActionUpdate
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkStorageGone(emu, cloudName, name),
			Steps: []resource.TestStep{
				{Config: config},
				{
					Config:                  config,
					ResourceName:            storageAddr,
					ImportState:             true,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"timeouts", "compliance_exceptions"},
				},
				{
					Config:          config,
					ResourceName:    storageAddr,
					ImportState:     true,
					ImportStateKind: resource.ImportBlockWithID,
					// compliance_exceptions live in the configuration only: the
					// plan that imports records them in place, changing nothing
					// in the cloud.
					ExpectNonEmptyPlan: len(excepted) > 0 || cloudName == cloud.Outscale,
					ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(storageAddr, importAction),
					}},
				},
			},
		})
	})
}

// A bucket deleted outside Terraform (with the cloud package's own Delete:
// the bucket, and on OVHcloud its user) leaves the state, and the next plan
// creates it again.
func TestAccWarehouseStorage_disappears(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("sto")
		config := storageConfig(emu, cloudName, name, "")
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkStorageGone(emu, cloudName, name),
			Steps: []resource.TestStep{
				{
					Config:             config,
					Check:              acctest.Disappear(emu, cloudName, storageAddr),
					ExpectNonEmptyPlan: true,
				},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(storageAddr, plancheck.ResourceActionCreate),
					}},
				},
			},
		})
	})
}

// editObject changes one stored document out of band.
func editObject(emu *emulator.Emulator, collection, id string, edit func(doc map[string]any)) error {
	o, found, err := emu.Control().Object(context.Background(), collection, id)
	if err != nil || !found {
		return fmt.Errorf("%s/%s: found %v, %v", collection, id, found, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(o.Doc, &doc); err != nil {
		return err
	}
	edit(doc)
	raw, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return emu.Control().PutObject(context.Background(), collection, id, raw)
}

// Versioning suspended, default encryption and the access policy removed
// out of band: the next plan shows it and restores them in place.
func TestAccWarehouseStorage_drift(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "edits the bucket and its user out of band through the control API")
		emu := acctest.PrivateEmulator(t)
		name := "wh-drift-" + cloudName
		config := storageConfig(emu, cloudName, name, "")
		drift := func(s *terraform.State) error {
			err := editObject(emu, "s3.buckets", name, func(doc map[string]any) {
				doc["versioning"] = "Suspended"
				delete(doc, "encryption")
				delete(doc, "policy")
				doc["tags"] = []any{map[string]any{"key": "owner", "value": "someone-else"}}
			})
			if err != nil || cloudName != cloud.OVH {
				return err
			}
			user := s.RootModule().Resources[storageAddr].Primary.Attributes["cloud_ids.user"]
			return editObject(emu, "ovh.users", user, func(doc map[string]any) {
				doc["policy"] = `{"Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["*"]}]}`
			})
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkStorageGone(emu, cloudName, name),
			Steps: []resource.TestStep{
				{Config: config, Check: drift, ExpectNonEmptyPlan: true},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(storageAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(storageAddr, tfjsonpath.New("versioning"), knownvalue.Bool(true)),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("versioning"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("server_side_encryption"), knownvalue.StringExact("AES256")),
						statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{
							"owner": knownvalue.StringExact("data-office")})),
					},
				},
				{Config: config, PlanOnly: true}, // the restored bucket matches the configuration
			},
		})
	})
}

// A locked version cannot be deleted; a forced destroy fails, naming the
// lock, and loses nothing.
func TestAccWarehouseStorage_object_lock(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "removes the retention and the locked version out of band through the control API")
		emu := acctest.PrivateEmulator(t)
		name := "wh-lock-" + cloudName
		config := storageConfig(emu, cloudName, name, `
  force_destroy = true
  zone          = "audit"
  object_lock   = { mode = "COMPLIANCE", retention_days = 1 }`, "HW-LOG-01")
		var version string
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkStorageGone(emu, cloudName, name),
			Steps: []resource.TestStep{
				{
					Config: config,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("object_lock_enabled"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("object_lock"), knownvalue.ObjectExact(map[string]knownvalue.Check{
							"mode": knownvalue.StringExact("COMPLIANCE"), "retention_days": knownvalue.Int64Exact(1)})),
					},
					Check: func(s *terraform.State) error {
						ctx := context.Background()
						api := pipeline(t, emu, cloudName, s)
						out, err := api.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(name), Key: aws.String("session.log"),
							Body: strings.NewReader("recording")})
						if err != nil {
							return err
						}
						version = aws.ToString(out.VersionId)
						_, err = api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(name), Key: aws.String("session.log"),
							VersionId: aws.String(version)})
						if s3Status(err) != http.StatusForbidden {
							return fmt.Errorf("deleting a locked version: %v, want 403", err)
						}
						return nil
					},
				},
				{
					// The default retention removed out of band comes back in
					// place: the bucket keeps its object lock, nothing is replaced.
					PreConfig: func() {
						if err := editObject(emu, "s3.buckets", name, func(doc map[string]any) { delete(doc, "object_lock_rule") }); err != nil {
							t.Fatal(err)
						}
					},
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(storageAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("object_lock").AtMapKey("retention_days"), knownvalue.Int64Exact(1)),
					},
				},
				{
					Config:      config,
					Destroy:     true,
					ExpectError: regexp.MustCompile(`Bucket Holds Locked Objects[\s\S]*1 of its 1\s+object\s+version\s+is\s+protected\s+by\s+object\s+lock[\s\S]*COMPLIANCE[\s\S]*Nothing\s+was\s+deleted`),
				},
				{
					PreConfig: func() {
						// The refused destroy lost nothing: the version is
						// still there. Then its retention "passes".
						objs, err := emu.Control().Objects(context.Background(), "s3.objects")
						if err != nil || len(objs) != 1 || !bytes.Contains(objs[0].Doc, []byte(version)) {
							t.Fatalf("after the refused destroy: %v %d objects", err, len(objs))
						}
						if _, found, err := emu.Control().Object(context.Background(), "s3.buckets", name); err != nil || !found {
							t.Fatalf("the bucket is gone: %v", err)
						}
						if err := emu.Control().DeleteObject(context.Background(), "s3.objects", objs[0].ID); err != nil {
							t.Fatal(err)
						}
					},
					Config: config,
				},
			},
		})
	})
}

// A write without SSE-C is refused by the bucket's policy on OVHcloud, and
// one with SSE-C goes through. OUTSCALE cannot refuse it (no policy
// conditions): there the bucket only records the wrapping key.
func TestAccWarehouseStorage_customer_key(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "reads the bucket's key from the emulator's store and sends its plain-HTTP stand-in")
		emu := acctest.PrivateEmulator(t)
		name := "wh-cmk-" + cloudName
		config := storageConfig(emu, cloudName, name, `
  force_destroy = true
  zone       = "pseudonymised"
  encryption = { mode = "customer-key", kms_key_id = "wrap-key-pseudo" }`)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkStorageGone(emu, cloudName, name),
			Steps: []resource.TestStep{{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("wrapping_key_id"), knownvalue.StringExact("wrap-key-pseudo")),
					statecheck.ExpectKnownValue(storageAddr, tfjsonpath.New("encryption").AtMapKey("mode"), knownvalue.StringExact("customer-key")),
				},
				Check: func(s *terraform.State) error {
					ctx := context.Background()
					api := pipeline(t, emu, cloudName, s)
					tags, err := api.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(name)})
					if err != nil {
						return err
					}
					recorded := false
					for _, tag := range tags.TagSet {
						recorded = recorded || (aws.ToString(tag.Key) == cloud.TagKMSKeyID && aws.ToString(tag.Value) == "wrap-key-pseudo")
					}
					if !recorded {
						return fmt.Errorf("the bucket does not record the wrapping key: %+v", tags.TagSet)
					}
					_, plainErr := api.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(name), Key: aws.String("plain.csv"),
						Body: strings.NewReader("rows")})
					if _, err := api.PutObject(ctx, withSSEC(&s3.PutObjectInput{Bucket: aws.String(name), Key: aws.String("sealed.csv"),
						Body: strings.NewReader("rows")})); err != nil {
						return fmt.Errorf("a write with SSE-C: %w", err)
					}
					if cloudName == cloud.Outscale {
						if plainErr != nil {
							return fmt.Errorf("OUTSCALE cannot refuse a write without SSE-C, yet: %w", plainErr)
						}
						return nil
					}
					if s3Status(plainErr) != http.StatusForbidden {
						return fmt.Errorf("a write without SSE-C: %v, want 403 from the bucket's policy", plainErr)
					}
					// Plain HTTP is refused too (the emulator's stand-in for a request without TLS).
					_, err = pipeline(t, emu, cloudName, s, "X-Emulator-Transport", "plain").GetBucketVersioning(ctx,
						&s3.GetBucketVersioningInput{Bucket: aws.String(name)})
					if s3Status(err) != http.StatusForbidden {
						return fmt.Errorf("a call without TLS: %v, want 403", err)
					}
					return nil
				},
			}},
		})
	})
}

// force_destroy decides whether a bucket holding data can go.
func TestAccWarehouseStorage_force_destroy(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "writes objects with the bucket's key read from the emulator's store")
		emu := acctest.PrivateEmulator(t)
		name := "wh-force-" + cloudName
		fill := func(s *terraform.State) error {
			ctx := context.Background()
			api := pipeline(t, emu, cloudName, s)
			for _, key := range []string{"a.csv", "a.csv", "b/c.csv"} {
				if _, err := api.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(name), Key: aws.String(key),
					Body: strings.NewReader(key)}); err != nil {
					return err
				}
			}
			_, err := api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(name), Key: aws.String("b/c.csv")})
			return err
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             checkStorageGone(emu, cloudName, name),
			Steps: []resource.TestStep{
				{Config: storageConfig(emu, cloudName, name, ""), Check: fill},
				{
					Config:      storageConfig(emu, cloudName, name, ""),
					Destroy:     true,
					ExpectError: regexp.MustCompile(`Bucket Not Empty[\s\S]*holds\s+4\s+object\s+versions\s+or\s+delete\s+markers[\s\S]*force_destroy`),
				},
				{
					Config: storageConfig(emu, cloudName, name, "  force_destroy = true"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(storageAddr, plancheck.ResourceActionUpdate),
					}},
				},
			},
		})
	})
}

// Invalid settings fail at plan time, naming the attribute and the rule.
func TestAccWarehouseStorage_invalid(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		cases := map[string]string{
			`name = "Warehouse-Raw"`:  `Invalid Bucket Name[\s\S]*holds 'W'`,
			`name = "ab"`:             `Invalid Bucket Name[\s\S]*3 to 63 characters`,
			`name = "wh..raw"`:        `two adjacent dots`,
			`name = "192.168.10.1"`:   `IP address`,
			`name = "wh-raw-s3alias"`: `suffix S3 reserves`,
			`name = "wh_raw"`:         `holds '_'`,
			`name = "wh-x"` + "\n  encryption = { mode = \"customer-key\" }":                                          `Missing KMS Key`,
			`name = "wh-x"` + "\n  object_lock = { mode = \"COMPLIANCE\", retention_days = 1 }\n  versioning = false": `Versioning Required by Object Lock`,
			`name = "wh-x"` + "\n  lifecycle_rules = [{ id = \"empty\" }]":                                            `Lifecycle Rule Without Action`,
			`name = "wh-x"` + "\n  allowed_source_ips = [\"10.0.0.1/8\"]":                                             `Invalid Source Address[\s\S]*host bits`,
		}
		if cloudName == cloud.Outscale {
			cases[`name = "wh-x"`+"\n  object_lock = { mode = \"GOVERNANCE\", retention_days = 1 }"] = `GOVERNANCE Mode Not Supported on OUTSCALE`
			cases[`name = "wh-x"`+"\n  allowed_source_ips = [\"198.51.100.7/32\"]"] = `Source Addresses Not Enforceable on OUTSCALE`
		}
		var steps []resource.TestStep
		for body, want := range cases {
			steps = append(steps, resource.TestStep{
				Config:      acctest.ProviderConfigAt(emu, cloudName) + "resource \"health_warehouse_storage\" \"test\" {\n  " + body + "\n}\n",
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(want),
			})
		}
		resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories, Steps: steps})
	})
}

// The credentials ephemeral resource hands out the bucket's key for one
// run; the storage resource's state never holds the secret.
func TestAccWarehouseStorage_credentials(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "compares with the bucket's key read from the emulator's store")
		emu := acctest.PrivateEmulator(t)
		name := "wh-creds-" + cloudName
		scope := cloud.ScopeAccount
		if cloudName == cloud.OVH {
			scope = cloud.ScopeBucket
		}
		factories := map[string]func() (tfprotov6.ProviderServer, error){"echo": echoprovider.NewProviderServer()}
		for k, v := range acctest.ProtoV6ProviderFactories {
			factories[k] = v
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: factories,
			// Ephemeral resources came with Terraform 1.10 and OpenTofu 1.11.
			TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
			CheckDestroy:           checkStorageGone(emu, cloudName, name),
			Steps: []resource.TestStep{
				{Config: storageConfig(emu, cloudName, name, "")},
				{
					Config: storageConfig(emu, cloudName, name, "") + `
ephemeral "health_warehouse_storage_credentials" "test" {
  bucket = health_warehouse_storage.test.name
}

provider "echo" {
  data = ephemeral.health_warehouse_storage_credentials.test
}

resource "echo" "credentials" {}
`,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("echo.credentials", tfjsonpath.New("data").AtMapKey("scope"), knownvalue.StringExact(scope)),
						statecheck.ExpectKnownValue("echo.credentials", tfjsonpath.New("data").AtMapKey("endpoint"), knownvalue.StringExact(emu.S3Endpoint())),
						statecheck.CompareValuePairs("echo.credentials", tfjsonpath.New("data").AtMapKey("access_key_id"),
							storageAddr, tfjsonpath.New("access_key_id"), accessKeyComparer(cloudName)),
					},
					Check: func(s *terraform.State) error {
						ak, sk, _ := bucketKeys(t, emu, cloudName, s)
						echoed := s.RootModule().Resources["echo.credentials"].Primary.Attributes
						if echoed["data.secret_access_key"] != sk || echoed["data.access_key_id"] != ak {
							return fmt.Errorf("the ephemeral resource returned another key: %s", echoed["data.access_key_id"])
						}
						for k, v := range s.RootModule().Resources[storageAddr].Primary.Attributes {
							if strings.Contains(v, sk) {
								return fmt.Errorf("the storage state holds the secret in %s", k)
							}
						}
						return nil
					},
				},
			},
		})
	})
}

// A create, an update and a destroy with every log at TRACE leave no S3
// secret in the log nor in the state: on OVHcloud the bucket key's secret,
// which the provider fetches from the API at each operation; on OUTSCALE
// the account's secret key, which signs the S3 calls. Not parallel:
// TF_ACC_LOG_PATH and TF_LOG are process-wide.
func TestAccWarehouseStorage_noSecretsInLogs(t *testing.T) {
	emulatorOnly(t, "searches the log for the emulator's seed secrets")
	for _, cloudName := range acctest.Clouds {
		t.Run(cloudName, func(t *testing.T) {
			logPath := t.TempDir() + "/trace.log"
			t.Setenv("TF_ACC_LOG_PATH", logPath)
			t.Setenv("TF_ACC_LOG", "trace")
			t.Setenv("TF_LOG", "trace")
			t.Setenv("TF_LOG_PROVIDER", "trace")
			emu := acctest.PrivateEmulator(t)
			// The provider's own secrets come from the environment: a literal
			// in the HCL would be in the harness's TRACE lines anyway.
			env := map[string]string{"secret_key": "OSC_SECRET_KEY", "kms_token": "HEALTH_KMS_TOKEN",
				"application_secret": "OVH_APPLICATION_SECRET", "consumer_key": "OVH_CONSUMER_KEY"}
			var kept []string
			for _, line := range strings.Split(acctest.ProviderConfigAt(emu, cloudName), "\n") {
				if f := strings.Fields(line); len(f) == 3 && env[f[0]] != "" && f[1] == "=" {
					t.Setenv(env[f[0]], strings.Trim(f[2], `"`))
					continue
				}
				kept = append(kept, line)
			}
			provider := strings.Join(kept, "\n")
			name := "wh-trace-" + cloudName
			config := func(owner string) string {
				return provider + fmt.Sprintf(`
resource "health_warehouse_storage" "test" {
  name          = %q
  force_destroy = true
  encryption    = { mode = "customer-key", kms_key_id = "wrap" }
  tags          = { owner = %q }
%s}
`, name, owner, complianceExceptions(cloudName))
			}
			secrets := []string{emulator.DefaultOutscaleSecretKey, emulator.DefaultOVHApplicationSecret, emulator.DefaultOVHConsumerKey}
			keepSecret := func(s *terraform.State) error {
				_, sk, _ := bucketKeys(t, emu, cloudName, s)
				secrets = append(secrets, sk)
				for k, v := range s.RootModule().Resources[storageAddr].Primary.Attributes {
					if strings.Contains(v, sk) {
						return fmt.Errorf("the state holds the S3 secret in %s", k)
					}
				}
				return nil
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             checkStorageGone(emu, cloudName, name),
				Steps: []resource.TestStep{
					{Config: config("a"), Check: keepSecret},
					{Config: config("b"), Check: keepSecret},
				},
			})
			log, err := os.ReadFile(logPath)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"object storage call", "s3:PutBucketTagging", "tf_rpc=ApplyResourceChange"} {
				if !strings.Contains(string(log), want) {
					t.Fatalf("the log (%d bytes) lacks %q: it is not the trace the test asked for", len(log), want)
				}
			}
			for _, secret := range secrets {
				if i := strings.Index(string(log), secret); i >= 0 {
					t.Fatalf("the TRACE log holds a secret at byte %d", i)
				}
			}
		})
	}
}

// The zone decides what a bucket must hold: a customer-held key for raw
// data, a write-once lock long enough for audit data. The plan refuses less.
func TestAccWarehouseStorage_complianceByZone(t *testing.T) {
	acctest.Acceptance(t)
	t.Parallel()
	for name, c := range map[string]struct {
		extra string
		want  []string
	}{
		"raw without a customer key": {`  zone = "raw"`,
			[]string{"Compliance Control HW-ENC-02 Failed", "zone = raw, encryption = provider-managed", `mode = "customer-key"`}},
		"audit without object lock": {`  zone = "audit"`,
			[]string{"Compliance Control HW-STO-02 Failed", "zone = audit, no object lock"}},
		"audit kept a month": {`  zone = "audit"` + "\n" + `  object_lock = { mode = "COMPLIANCE", retention_days = 30 }`,
			[]string{"Compliance Control HW-LOG-01 Failed", "retention_days = 30 (minimum 180)"}},
		"versioning off": {`  versioning = false`,
			[]string{"Compliance Control HW-STO-01 Failed", "versioning = Suspended"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      storageConfig(acctest.Emulator(), cloud.OVH, "wh-zone-check", c.extra),
					PlanOnly:    true,
					ExpectError: expectError(c.want...),
				}},
			})
		})
	}
}
