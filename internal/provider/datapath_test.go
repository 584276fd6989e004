package provider_test

import (
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // SSE-C key digests are MD5 by definition
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

// openBao calls the emulated OpenBao's transit engine as the data path
// does, with the emulator's seed token; it returns the answer's data.
func openBao(emu *emulator.Emulator, path string, body any) (map[string]any, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, emu.OpenBaoAddress()+"/v1/"+path, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Vault-Token", emulator.DefaultOpenBaoToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("OpenBao %s: HTTP %d: %s", path, resp.StatusCode, answer)
	}
	var out struct{ Data map[string]any }
	return out.Data, json.Unmarshal(answer, &out)
}

// unwrap asks the KMS for the plaintext of a wrapped data key: what the
// data path holds in memory only.
func unwrap(emu *emulator.Emulator, keyID, wrapped string) ([]byte, error) {
	data, err := openBao(emu, "transit/decrypt/"+keyID, map[string]any{"ciphertext": wrapped})
	if err != nil {
		return nil, err
	}
	plain, _ := data["plaintext"].(string)
	return base64.StdEncoding.DecodeString(plain)
}

// sseC sets a data key as the SSE-C key of a request.
func sseC(key []byte) (alg, b64, sum *string) {
	digest := md5.Sum(key) //nolint:gosec // SSE-C key digest
	return aws.String("AES256"), aws.String(base64.StdEncoding.EncodeToString(key)),
		aws.String(base64.StdEncoding.EncodeToString(digest[:]))
}

func dataPathConfig(emu *emulator.Emulator, name string, withKey bool) string {
	key, kmsKeyID := "", "var.kms_key_id"
	if withKey {
		key = fmt.Sprintf(`
resource "health_warehouse_kms_key" "test" {
  name                  = %q
  deletion_protection   = false
  compliance_exceptions = [{ control = "HW-KEY-02", justification = "retired by this test" }]
}
`, name)
		kmsKeyID = "health_warehouse_kms_key.test.id"
	}
	exceptions := `[{ control = "HW-STO-03", justification = "OOS cannot deny plain HTTP" }]`
	return acctest.ProviderConfigAt(emu, cloud.Outscale) + key + fmt.Sprintf(`
variable "kms_key_id" {
  type    = string
  default = ""
}

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

// The data path under the customer's key, step by step, with the key the
// apply made: a data key from the KMS (OpenBao transit datakey/wrapped),
// the wrapped key kept beside the data, the object written with SSE-C
// under the unwrapped key. Without that key the store refuses the object;
// with it, the object reads back. Once the KMS key is destroyed, the
// wrapped key can no longer be unwrapped: the data is gone for everyone
// (crypto-shredding), and HW-ENC-02 says the key is missing.
//
// OUTSCALE only: OVHcloud's KMS makes data keys on its data plane
// (mutual TLS on <region>.okms.ovh.net), which the emulator does not serve.
func TestAccDataPath_customerKeyAndCryptoShredding(t *testing.T) {
	emulatorOnly(t, "calls the emulated OpenBao with its seed token")
	acctest.PreCheck(t, cloud.Outscale)
	t.Parallel()
	emu := acctest.PrivateEmulator(t)
	name := "wh-datapath"
	bucket := name + "-raw"
	wrappedKey := cloud.WrappedKeyPrefix + "cohort.csv"
	var keyID, wrapped string
	ctx := context.Background()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(emu, cloud.Outscale),
		Steps: []resource.TestStep{
			{
				Config: dataPathConfig(emu, name, true),
				Check: func(s *terraform.State) error {
					keyID = s.RootModule().Resources["health_warehouse_kms_key.test"].Primary.ID
					data, err := openBao(emu, "transit/datakey/wrapped/"+keyID, map[string]any{"bits": 256})
					if err != nil {
						return err
					}
					wrapped, _ = data["ciphertext"].(string)
					if _, leaked := data["plaintext"]; leaked || !strings.HasPrefix(wrapped, "vault:v1:") {
						return fmt.Errorf("datakey/wrapped answered %v", data)
					}
					plain, err := unwrap(emu, keyID, wrapped)
					if err != nil || len(plain) != 32 {
						return fmt.Errorf("unwrapping the data key: %d bytes, %v", len(plain), err)
					}
					api := pipeline(t, emu, cloud.Outscale, s)
					if _, err := api.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(wrappedKey),
						Body: strings.NewReader(wrapped)}); err != nil {
						return fmt.Errorf("keeping the wrapped key beside the data: %w", err)
					}
					alg, key, sum := sseC(plain)
					if _, err := api.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("cohort.csv"),
						Body: strings.NewReader("patient rows"), SSECustomerAlgorithm: alg, SSECustomerKey: key, SSECustomerKeyMD5: sum}); err != nil {
						return fmt.Errorf("a write with SSE-C: %w", err)
					}
					if _, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("cohort.csv")}); s3Status(err) != http.StatusBadRequest {
						return fmt.Errorf("a read without the key: %v, want 400", err)
					}
					// A reader knows only the wrapped key beside the data, and the KMS.
					got, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(wrappedKey)})
					if err != nil {
						return err
					}
					kept, _ := io.ReadAll(got.Body)
					plain, err = unwrap(emu, keyID, string(kept))
					if err != nil {
						return err
					}
					alg, key, sum = sseC(plain)
					got, err = api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("cohort.csv"),
						SSECustomerAlgorithm: alg, SSECustomerKey: key, SSECustomerKeyMD5: sum})
					if err != nil {
						return fmt.Errorf("a read with the unwrapped key: %w", err)
					}
					if body, _ := io.ReadAll(got.Body); string(body) != "patient rows" {
						return fmt.Errorf("read back %q", body)
					}
					return nil
				},
			},
			{
				// The report samples the object, not the wrapped key beside it.
				Config: dataPathConfig(emu, name, true),
				Check: resource.ComposeAggregateTestCheckFunc(
					finding("HW-ENC-02", "health_warehouse_storage", "pass", "the 1 newest of 1 objects carry SSE-C (cohort.csv)"),
				),
			},
			{
				// The key is retired: destroyed in the KMS, named by its id alone.
				Config:          dataPathConfig(emu, name, false),
				ConfigVariables: config.Variables{"kms_key_id": lazyString{&keyID}},
				Check: func(*terraform.State) error {
					if plain, err := unwrap(emu, keyID, wrapped); err == nil {
						return fmt.Errorf("the wrapped key still unwraps (%d bytes) after the KMS key was destroyed", len(plain))
					}
					return nil
				},
			},
			{
				// The next report (read when Terraform plans) finds the key gone.
				Config:          dataPathConfig(emu, name, false),
				ConfigVariables: config.Variables{"kms_key_id": lazyString{&keyID}},
				Check: resource.ComposeAggregateTestCheckFunc(
					finding("HW-ENC-02", "health_warehouse_storage", "fail", "the bucket "+bucket+" names the key "+name+", which OpenBao"),
					resource.TestCheckResourceAttr(reportAddr, "compliant", "false"),
				),
			},
		},
	})
}
