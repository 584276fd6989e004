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
	"net/url"
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

// okmsData calls the emulated OVHcloud KMS data plane as the data path
// does, with an OAuth2 token of the emulator's seed client.
func okmsData(emu *emulator.Emulator, keyID, op string, body any) (map[string]any, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, emu.URL()+"/auth/oauth2/token",
		strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(emulator.DefaultOVHClientID, emulator.DefaultOVHClientSecret)
	var token struct {
		AccessToken string `json:"access_token"`
	}
	if err := doJSON(req, http.StatusOK, &token); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err = http.NewRequestWithContext(context.Background(), http.MethodPost,
		emu.OKMSDataPlane()+"/api/"+emulator.DefaultOVHOKMSID+"/v1/servicekey/"+keyID+"/"+op, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token.AccessToken)
	want := http.StatusOK
	if op == "datakey" {
		want = http.StatusCreated
	}
	var out map[string]any
	return out, doJSON(req, want, &out)
}

func doJSON(req *http.Request, want int, out any) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: HTTP %d: %s", req.Method, req.URL.Path, resp.StatusCode, answer)
	}
	return json.Unmarshal(answer, out)
}

// dataKey asks the cloud's KMS for a data key wrapped by keyID, as the data
// path does at start: OpenBao transit datakey/wrapped on OUTSCALE (the
// plaintext comes from unwrapping it), OKMS datakey on OVHcloud.
func dataKey(emu *emulator.Emulator, cloudName, keyID string) (string, error) {
	if cloudName == cloud.OVH {
		data, err := okmsData(emu, keyID, "datakey", map[string]any{"name": "cohort", "size": 256})
		wrapped, _ := data["key"].(string)
		return wrapped, err
	}
	data, err := openBao(emu, "transit/datakey/wrapped/"+keyID, map[string]any{"bits": 256})
	if err != nil {
		return "", err
	}
	if _, leaked := data["plaintext"]; leaked {
		return "", fmt.Errorf("datakey/wrapped answered a plaintext")
	}
	wrapped, _ := data["ciphertext"].(string)
	return wrapped, nil
}

// unwrap asks the KMS for the plaintext of a wrapped data key: what the
// data path holds in memory only.
func unwrap(emu *emulator.Emulator, cloudName, keyID, wrapped string) ([]byte, error) {
	var data map[string]any
	var err error
	if cloudName == cloud.OVH {
		data, err = okmsData(emu, keyID, "datakey/decrypt", map[string]any{"key": wrapped})
	} else {
		data, err = openBao(emu, "transit/decrypt/"+keyID, map[string]any{"ciphertext": wrapped})
	}
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

// dataPathConfig is customerKeyReportConfig; without the key resource, the
// bucket names the key by var.kms_key_id (the retired key's id).
func dataPathConfig(emu *emulator.Emulator, cloudName, name string, withKey bool) string {
	if withKey {
		return customerKeyReportConfig(emu, cloudName, name, "health_warehouse_kms_key.test.id")
	}
	return customerKeyBucketConfig(emu, cloudName, name, "var.kms_key_id") + `
variable "kms_key_id" {
  type = string
}
`
}

// The data path under the customer's key, step by step, on both clouds,
// with the key the apply made: a data key from the KMS (OpenBao transit
// datakey/wrapped on OUTSCALE, the OKMS data plane's datakey on OVHcloud),
// the wrapped key kept beside the data, the object written with SSE-C under
// the unwrapped key. Without that key the store refuses the object; with
// it, the object reads back. Once the KMS key is destroyed, the wrapped key
// can no longer be unwrapped: the data is gone for everyone
// (crypto-shredding), and HW-ENC-02 says the key is missing.
func TestAccDataPath_customerKeyAndCryptoShredding(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "calls the emulated KMS with the emulator's seed credentials")
		emu := acctest.PrivateEmulator(t)
		name := "wh-datapath-" + cloudName
		bucket := name + "-raw"
		wrappedKey := cloud.WrappedKeyPrefix + "cohort.csv"
		var keyID, wrapped string
		ctx := context.Background()
		write := func(s *terraform.State) error {
			keyID = s.RootModule().Resources["health_warehouse_kms_key.test"].Primary.ID
			var err error
			if wrapped, err = dataKey(emu, cloudName, keyID); err != nil {
				return fmt.Errorf("a data key from the KMS: %w", err)
			}
			plain, err := unwrap(emu, cloudName, keyID, wrapped)
			if err != nil || len(plain) != 32 {
				return fmt.Errorf("unwrapping the data key: %d bytes, %v", len(plain), err)
			}
			api := pipeline(t, emu, cloudName, s)
			if _, err := api.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(wrappedKey),
				Body: strings.NewReader(wrapped)}); err != nil {
				return fmt.Errorf("keeping the wrapped key beside the data: %w", err)
			}
			alg, key, sum := sseC(plain)
			if _, err := api.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("cohort.csv"),
				Body: strings.NewReader("patient rows"), SSECustomerAlgorithm: alg, SSECustomerKey: key, SSECustomerKeyMD5: sum}); err != nil {
				return fmt.Errorf("a write with SSE-C: %w", err)
			}
			_, err = api.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("plain.csv"),
				Body: strings.NewReader("patient rows")})
			switch {
			case cloudName == cloud.OVH && s3Status(err) != http.StatusForbidden:
				return fmt.Errorf("a write without SSE-C on OVHcloud: %v, want 403 from the bucket user's policy", err)
			case cloudName == cloud.Outscale && err == nil:
				// OOS cannot refuse it: the data path must not write one.
				if _, err := api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("plain.csv")}); err != nil {
					return err
				}
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
			if plain, err = unwrap(emu, cloudName, keyID, string(kept)); err != nil {
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
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{
				{Config: dataPathConfig(emu, cloudName, name, true), Check: write},
				{
					// The report samples the object, not the wrapped key beside it.
					Config: dataPathConfig(emu, cloudName, name, true),
					Check:  finding("HW-ENC-02", "health_warehouse_storage", "pass", "the 1 newest of 1 objects carry SSE-C (cohort.csv)"),
				},
				{
					// The key is retired: destroyed in the KMS, named by its id alone.
					Config:          dataPathConfig(emu, cloudName, name, false),
					ConfigVariables: config.Variables{"kms_key_id": lazyString{&keyID}},
					Check: func(*terraform.State) error {
						if plain, err := unwrap(emu, cloudName, keyID, wrapped); err == nil {
							return fmt.Errorf("the wrapped key still unwraps (%d bytes) after the KMS key was destroyed", len(plain))
						}
						return nil
					},
				},
				{
					// The next report (read when Terraform plans) finds the key gone.
					Config:          dataPathConfig(emu, cloudName, name, false),
					ConfigVariables: config.Variables{"kms_key_id": lazyString{&keyID}},
					Check: resource.ComposeAggregateTestCheckFunc(
						func(s *terraform.State) error {
							return finding("HW-ENC-02", "health_warehouse_storage", "fail", "the bucket "+bucket+" names the key "+keyID+", which ")(s)
						},
						resource.TestCheckResourceAttr(reportAddr, "compliant", "false"),
					),
				},
			},
		})
	})
}
