package provider_test

import (
	"bytes"
	"context"
	"crypto/sha1" //nolint:gosec // OVH's request signature is SHA-1 by definition
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/gateway"
	"github.com/sovhealth/terraform-provider-health/internal/gateway/gatewaytest"
)

const gatewayAddr = "health_warehouse_data_gateway.test"

// gatewayClientSecret is what the tests' machines use against the gateway.
const gatewayClientSecret = "a-client-secret-of-32-characters-or-more"

// gatewayConfig is a network, a key, a raw bucket under it, its report,
// and a data gateway in front of the bucket.
func gatewayConfig(emu *emulator.Emulator, cloudName, name, cidr string) string {
	bucketKey, ephemeralKey := "", ""
	if cloudName == cloud.OVH {
		bucketKey = `
    access_key_id     = health_warehouse_storage.test.access_key_id
    secret_access_key = ephemeral.health_warehouse_storage_credentials.test.secret_access_key`
		ephemeralKey = `
ephemeral "health_warehouse_storage_credentials" "test" {
  bucket = health_warehouse_storage.test.id
}
`
	}
	return customerKeyReportConfig(emu, cloudName, name, "health_warehouse_kms_key.test.id") + ephemeralKey + fmt.Sprintf(`
resource "health_warehouse_network" "test" {
  name        = %[1]q
  cidr        = %[2]q
  admin_cidrs = ["203.0.113.7/32"]
}

resource "health_warehouse_data_gateway" "test" {
  network_id = health_warehouse_network.test.id
  name       = "%[1]s-gw"
  kms_key_id = health_warehouse_kms_key.test.id
  bucket = {
    name = health_warehouse_storage.test.name%[3]s
  }
  client_access_key_id     = "pipeline0000000001"
  client_secret_access_key = %[4]q
  client_secret_version    = 1
  tags                     = { project = "cohort" }
}
`, name, cidr, bucketKey, gatewayClientSecret)
}

// gatewayUserData is the user-data the emulator holds for the gateway's VM.
func gatewayUserData(emu *emulator.Emulator, cloudName, id string) ([]byte, error) {
	collection, field := "outscale.vms", "UserData"
	if cloudName == cloud.OVH {
		collection, field = "ovh.instances", "user_data"
	}
	obj, found, err := emu.Control().Object(context.Background(), collection, id)
	if err != nil || !found {
		return nil, fmt.Errorf("%s/%s: found=%v, %v", collection, id, found, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(obj.Doc, &doc); err != nil {
		return nil, err
	}
	raw, _ := doc[field].(string)
	if cloudName == cloud.Outscale {
		return base64.StdEncoding.DecodeString(raw)
	}
	return []byte(raw), nil
}

// emulatorBehindTLS puts an HTTPS proxy in front of the emulator, since the gateway
// speaks HTTPS only; the Host header goes through unchanged, so that
// signatures made for the proxy's address hold. It returns the proxy's
// URL and CA.
func emulatorBehindTLS(t *testing.T, emu *emulator.Emulator) (string, string) {
	t.Helper()
	target, err := url.Parse(emu.URL())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(target))
	t.Cleanup(srv.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return srv.URL, string(ca)
}

// bootGateway replays the gateway's first boot from its user-data, with
// every address of the emulator reached through front.
func bootGateway(t *testing.T, emu *emulator.Emulator, cloudName, id, front, ca string) (*gatewaytest.Machine, error) {
	ud, err := gatewayUserData(emu, cloudName, id)
	if err != nil {
		return nil, err
	}
	files, err := gateway.WrittenFiles(ud)
	if err != nil {
		return nil, err
	}
	override := map[string]string{"BAO_CACERT": "$ca"}
	for _, l := range strings.Split(files[gateway.PathEnv], "\n") {
		k, v, _ := strings.Cut(l, "=")
		switch {
		case strings.HasPrefix(v, emu.URL()):
			override[k] = front + strings.TrimPrefix(v, emu.URL())
		case k == "OKMS_ENDPOINT":
			// The API names OKMS's regional host; the emulator serves
			// its data plane under its own address.
			override[k] = front + strings.TrimPrefix(emu.OKMSDataPlane(), emu.URL())
		}
	}
	return gatewaytest.New(t, ud, override, map[string]string{"ca": ca}), nil
}

// The data path as the provider renders it, on both clouds: the gateway
// is a VM of the data tier; its first boot, replayed against the emulator,
// unwraps its own credential, has the KMS make a data key under the
// bucket's key, keeps the wrapped key beside the data and starts rclone with
// the plain key in its environment only. An object written with that key
// is stored under SSE-C and unreadable without it. A credential revoked out
// of band replaces the gateway; destroy revokes it.
func TestAccWarehouseDataGateway_dataPath(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "replays the gateway's first boot from the user-data the emulator holds")
		emu := acctest.PrivateEmulator(t)
		name := "wh-gw-" + cloudName
		bucket := name + "-raw"
		front, ca := emulatorBehindTLS(t, emu)
		ctx := context.Background()
		var first string // the first gateway's id, and its credential
		var credential string
		boot := func(s *terraform.State) error {
			attrs := s.RootModule().Resources[gatewayAddr].Primary.Attributes
			first, credential = attrs["id"], attrs["cloud_ids.key_credential"]
			keyID := s.RootModule().Resources["health_warehouse_kms_key.test"].Primary.ID
			m, err := bootGateway(t, emu, cloudName, attrs["id"], front, ca)
			if err != nil {
				return err
			}
			if code, out := m.Start(); code != 0 {
				return fmt.Errorf("the gateway's start failed (%d): %s", code, out)
			}
			args, env, ok := m.Rclone()
			if !ok {
				return errors.New("the start script did not start rclone")
			}
			if !strings.Contains(strings.Join(args, " "), "--s3-sse-customer-algorithm AES256") {
				return fmt.Errorf("rclone runs without SSE-C: %v", args)
			}
			plain, err := base64.StdEncoding.DecodeString(env["RCLONE_S3_SSE_CUSTOMER_KEY_BASE64"])
			if err != nil || len(plain) != 32 {
				return fmt.Errorf("rclone's data key: %d bytes, %v", len(plain), err)
			}
			// The wrapped key is beside the data, and the KMS unwraps it to
			// the key rclone got.
			api := pipeline(t, emu, cloudName, s)
			obj, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(attrs["data_key_object"])})
			if err != nil {
				return fmt.Errorf("the wrapped key %s: %w", attrs["data_key_object"], err)
			}
			wrapped, _ := io.ReadAll(obj.Body)
			_ = obj.Body.Close()
			if again, err := unwrap(emu, cloudName, keyID, string(wrapped)); err != nil || !bytes.Equal(again, plain) {
				return fmt.Errorf("the wrapped key does not unwrap to rclone's key: %v", err)
			}
			// What rclone writes with that key is stored under SSE-C.
			alg, key, sum := sseC(plain)
			if _, err := api.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("cohort.csv"),
				Body: strings.NewReader("patient rows"), SSECustomerAlgorithm: alg, SSECustomerKey: key, SSECustomerKeyMD5: sum}); err != nil {
				return fmt.Errorf("a write with the gateway's key: %w", err)
			}
			if _, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("cohort.csv")}); err == nil {
				return errors.New("the object reads without its key")
			}
			// A restart reuses the key kept beside the data.
			if code, out := m.Start(); code != 0 {
				return fmt.Errorf("the gateway's restart failed (%d): %s", code, out)
			}
			if _, env2, _ := m.Rclone(); env2["RCLONE_S3_SSE_CUSTOMER_KEY_BASE64"] != env["RCLONE_S3_SSE_CUSTOMER_KEY_BASE64"] {
				return errors.New("a restart made another data key")
			}
			if cloudName == cloud.Outscale {
				// The wrapping token in the user-data is spent: another machine
				// booted from it refuses to start, saying why.
				other, err := bootGateway(t, emu, cloudName, attrs["id"], front, ca)
				if err != nil {
					return err
				}
				if code, out := other.Start(); code != gateway.ExitIntercepted || !strings.Contains(out, "intercepted") {
					return fmt.Errorf("a second boot from the spent wrapping token: exit %d, %s", code, out)
				}
			}
			return nil
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			CheckDestroy: resource.ComposeAggregateTestCheckFunc(acctest.CheckNothingLeft(emu, cloudName),
				noKeyCredentialLeft(emu, cloudName)),
			Steps: []resource.TestStep{
				{
					Config: gatewayConfig(emu, cloudName, name, "10.64.0.0/16"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(gatewayAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(gatewayAddr, tfjsonpath.New("data_key_object"),
							knownvalue.StringExact(cloud.WrappedKeyPrefix+name+"-gw.key")),
						plancheck.ExpectKnownValue(gatewayAddr, tfjsonpath.New("port"), knownvalue.Int64Exact(443)),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(gatewayAddr, tfjsonpath.New("vm_state"), knownvalue.StringExact("running")),
						statecheck.ExpectKnownValue(gatewayAddr, tfjsonpath.New("endpoint"),
							knownvalue.StringRegexp(regexp.MustCompile(`^https://10\.64\.\d+\.\d+$`))),
						statecheck.ExpectKnownValue(gatewayAddr, tfjsonpath.New("tls_ca_certificate"),
							knownvalue.StringRegexp(regexp.MustCompile(`^-----BEGIN CERTIFICATE-----`))),
						statecheck.ExpectKnownValue(gatewayAddr, tfjsonpath.New("client_secret_access_key"), knownvalue.Null()),
					},
					Check: resource.ComposeAggregateTestCheckFunc(boot,
						resource.TestCheckResourceAttrSet(gatewayAddr, "cloud_ids.key_credential"),
						resource.TestCheckNoResourceAttr(gatewayAddr, "bucket.secret_access_key"),
					),
				},
				{
					// The report reads the object written with the gateway's key.
					Config: gatewayConfig(emu, cloudName, name, "10.64.0.0/16"),
					Check:  finding("HW-ENC-02", "health_warehouse_storage", "pass", "(cohort.csv)"),
				},
				{
					// The gateway's right to the key revoked out of band: the next
					// plan replaces the gateway, with a new credential.
					PreConfig: func() { revokeKeyCredential(t, emu, cloudName, credential) },
					Config:    gatewayConfig(emu, cloudName, name, "10.64.0.0/16"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(gatewayAddr, plancheck.ResourceActionReplace),
					}},
					Check: func(s *terraform.State) error {
						attrs := s.RootModule().Resources[gatewayAddr].Primary.Attributes
						if attrs["id"] == first || attrs["cloud_ids.key_credential"] == credential || attrs["cloud_ids.key_credential"] == "" {
							return fmt.Errorf("not replaced: id %s (was %s), credential %s (was %s)", attrs["id"], first,
								attrs["cloud_ids.key_credential"], credential)
						}
						return nil
					},
				},
				{
					ResourceName: gatewayAddr,
					ImportState:  true,
					ImportStateCheck: func(states []*terraform.InstanceState) error {
						if len(states) != 1 || states[0].Attributes["name"] != name+"-gw" || states[0].Attributes["vm_state"] != "running" {
							return fmt.Errorf("imported: %+v", states)
						}
						return nil
					},
				},
			},
		})
	})
}

// noKeyCredentialLeft is a CheckDestroy: no ACL policy of a key credential
// is left in OpenBao (OVHcloud's service accounts and IAM policies are in
// the ovh.* collections CheckNothingLeft reads).
func noKeyCredentialLeft(emu *emulator.Emulator, cloudName string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if cloudName != cloud.Outscale {
			return nil
		}
		left, err := emu.Control().Objects(context.Background(), "openbao.policies")
		if err != nil {
			return err
		}
		for _, o := range left {
			if strings.HasPrefix(o.ID, "health-kc-") {
				return fmt.Errorf("the key credential's policy %s is left in OpenBao", o.ID)
			}
		}
		return nil
	}
}

// revokeKeyCredential revokes a gateway's credential as an operator would:
// the OpenBao token by its accessor, the OVHcloud OAuth2 client.
func revokeKeyCredential(t *testing.T, emu *emulator.Emulator, cloudName, id string) {
	t.Helper()
	var req *http.Request
	var err error
	if cloudName == cloud.Outscale {
		body, _ := json.Marshal(map[string]string{"accessor": id})
		req, err = http.NewRequestWithContext(context.Background(), http.MethodPost,
			emu.OpenBaoAddress()+"/v1/auth/token/revoke-accessor", bytes.NewReader(body))
		if err == nil {
			req.Header.Set("X-Vault-Token", emulator.DefaultOpenBaoToken)
		}
	} else {
		req, err = ovhOperatorRequest(emu, http.MethodDelete, "/me/api/oauth2/client/"+id, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("revoking the credential %s: HTTP %d", id, resp.StatusCode)
	}
}

// ovhOperatorRequest is a call of the OVHcloud API signed with the
// emulator's seed application key, as an operator's script would make it.
func ovhOperatorRequest(emu *emulator.Emulator, method, path string, body any) (*http.Request, error) {
	u := emu.OVHEndpoint() + path
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(context.Background(), method, u, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := sha1.Sum([]byte(emulator.DefaultOVHApplicationSecret + "+" + emulator.DefaultOVHConsumerKey + "+" + method + "+" + //nolint:gosec // OVH's signature
		u + "+" + string(raw) + "+" + ts))
	req.Header.Set("X-Ovh-Application", emulator.DefaultOVHApplicationKey)
	req.Header.Set("X-Ovh-Consumer", emulator.DefaultOVHConsumerKey)
	req.Header.Set("X-Ovh-Timestamp", ts)
	req.Header.Set("X-Ovh-Signature", "$1$"+hex.EncodeToString(sum[:]))
	return req, nil
}
