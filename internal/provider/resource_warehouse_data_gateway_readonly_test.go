package provider_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/gateway"
)

const readerAddr = "health_warehouse_data_gateway.reader"

// readerConfig adds to gatewayConfig a read-only gateway serving the
// prefix diabetes/ of the same bucket, under the writer's data key
// (without it when shareKey is false).
func readerConfig(emu *emulator.Emulator, cloudName, name string, shareKey bool) string {
	bucketKey, dataKey := "", ""
	if cloudName == cloud.OVH {
		bucketKey = `
    access_key_id     = health_warehouse_storage.test.access_key_id
    secret_access_key = ephemeral.health_warehouse_storage_credentials.test.secret_access_key`
	}
	if shareKey {
		dataKey = "\n  data_key_object          = " + gatewayAddr + ".data_key_object"
	}
	return gatewayConfig(emu, cloudName, name, "10.67.0.0/16") + fmt.Sprintf(`
resource "health_warehouse_data_gateway" "reader" {
  network_id = health_warehouse_network.test.id
  name       = "%[1]s-ws-gw"
  kms_key_id = health_warehouse_kms_key.test.id
  bucket = {
    name = health_warehouse_storage.test.name%[2]s
  }
  read_only                = true
  prefixes                 = ["diabetes/"]%[3]s
  client_access_key_id     = "workspace000000001"
  client_secret_access_key = %[4]q
  client_secret_version    = 1
}
`, name, bucketKey, dataKey, gatewayClientSecret)
}

// A read-only gateway serving one prefix to a workspace, on both clouds:
// refused at plan without the writer's data key; its first boot, replayed
// against the emulator, takes the key the writer made (and makes none),
// and starts rclone read only, serving the prefix alone. On OUTSCALE its
// own identity on the bucket reads that prefix and nothing else.
func TestAccWarehouseDataGateway_readOnlyPrefixes(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "replays the gateways' first boots from the user-data the emulator holds")
		emu := acctest.PrivateEmulator(t)
		name := "wh-ro-" + cloudName
		bucket := name + "-raw"
		front, ca := emulatorBehindTLS(t, emu)
		ctx := context.Background()
		boot := func(s *terraform.State, addr string) (args []string, key string, err error) {
			m, err := bootGateway(t, emu, cloudName, s.RootModule().Resources[addr].Primary.ID, front, ca)
			if err != nil {
				return nil, "", err
			}
			if code, out := m.Start(); code != 0 {
				return nil, "", fmt.Errorf("%s's start failed (%d): %s", addr, code, out)
			}
			args, env, ok := m.Rclone()
			if !ok {
				return nil, "", fmt.Errorf("%s's start did not start rclone", addr)
			}
			return args, env["RCLONE_S3_SSE_CUSTOMER_KEY_BASE64"], nil
		}
		check := func(s *terraform.State) error {
			_, writerKey, err := boot(s, gatewayAddr)
			if err != nil {
				return err
			}
			args, readerKey, err := boot(s, readerAddr)
			if err != nil {
				return err
			}
			if readerKey == "" || readerKey != writerKey {
				return errors.New("the read-only gateway does not serve under the writer's data key")
			}
			joined := strings.Join(args, " ")
			if want := "--filter + /" + bucket + "/diabetes/** --filter - ** --read-only"; !strings.Contains(joined, want) {
				return fmt.Errorf("rclone does not serve diabetes/ alone, read only: %s", joined)
			}
			keys, err := pipeline(t, emu, cloudName, s).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket),
				Prefix: aws.String(cloud.WrappedKeyPrefix)})
			if err != nil || len(keys.Contents) != 1 {
				return fmt.Errorf("wrapped keys in the bucket: %d, %v; want the writer's alone", len(keys.Contents), err)
			}
			if cloudName != cloud.Outscale {
				return nil
			}
			return readerIdentityBounded(ctx, emu, s, bucket)
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			CheckDestroy: resource.ComposeAggregateTestCheckFunc(acctest.CheckNothingLeft(emu, cloudName),
				noKeyCredentialLeft(emu, cloudName)),
			Steps: []resource.TestStep{
				{
					Config:      readerConfig(emu, cloudName, name, false),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`(?s)Missing Data Key Object.*read_only = true makes no data key`),
				},
				{
					Config: readerConfig(emu, cloudName, name, true),
					Check:  check,
				},
			},
		})
	})
}

// readerIdentityBounded checks the read-only gateway's own OUTSCALE
// identity, with the key its user-data holds: it reads diabetes/, and
// neither reads asthma/ nor writes.
func readerIdentityBounded(ctx context.Context, emu *emulator.Emulator, s *terraform.State, bucket string) error {
	ud, err := gatewayUserData(emu, cloud.Outscale, s.RootModule().Resources[readerAddr].Primary.ID)
	if err != nil {
		return err
	}
	files, err := gateway.WrittenFiles(ud)
	if err != nil {
		return err
	}
	secret := files[gateway.PathCredentials+"/"+gateway.CredBackendSecret]
	var keyID string
	for _, l := range strings.Split(files[gateway.PathEnv], "\n") {
		if v, ok := strings.CutPrefix(l, "S3_ACCESS_KEY_ID="); ok {
			keyID = v
		}
	}
	if secret == "" || keyID == "" {
		return errors.New("the read-only gateway's bucket key is not in its user-data")
	}
	owner := s3.New(s3.Options{Region: emulator.DefaultOutscaleRegion, BaseEndpoint: aws.String(emu.S3Endpoint()), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, Retryer: aws.NopRetryer{}})
	reader := s3.New(s3.Options{Region: emulator.DefaultOutscaleRegion, BaseEndpoint: aws.String(emu.S3Endpoint()), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, Retryer: aws.NopRetryer{}})
	for _, key := range []string{"diabetes/cohort.csv", "asthma/cohort.csv"} {
		if _, err := owner.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			Body: strings.NewReader("rows")}); err != nil {
			return err
		}
	}
	if out, err := reader.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("diabetes/cohort.csv")}); err != nil {
		return fmt.Errorf("the reader's identity on its prefix: %w", err)
	} else {
		_ = out.Body.Close()
	}
	_, getErr := reader.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("asthma/cohort.csv")})
	_, putErr := reader.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("diabetes/new.csv"),
		Body: strings.NewReader("x")})
	for what, err := range map[string]error{"reads another prefix": getErr, "writes": putErr} {
		if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
			return fmt.Errorf("the reader's identity %s: %v, want AccessDenied", what, err)
		}
	}
	return nil
}
