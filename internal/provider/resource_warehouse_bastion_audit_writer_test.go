package provider_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

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
)

// auditWriterConfig is a bastion shipping to an audit bucket with no key
// given: on OUTSCALE the provider makes its write-only identity.
func auditWriterConfig(emu *emulator.Emulator, cloudName, name, adminKey string) string {
	return bastionConfig(emu, cloudName, name, "10.58.0.0/16", admins("alice", adminKey), `
  audit_bucket = {
    bucket = health_warehouse_storage.audit.name
    prefix = "bastions/"
  }`) + fmt.Sprintf(`
resource "health_warehouse_storage" "audit" {
  name          = "%[1]s-audit"
  force_destroy = true
%[2]s}
`, name, complianceExceptions(cloudName))
}

// rawS3 signs plain S3 requests with one key, at now (time.Now when nil).
type rawS3 struct {
	ak, sk, endpoint, region string
	now                      func() time.Time
}

// do sends method path (under the S3 endpoint) and returns the status.
func (c *rawS3) do(t *testing.T, method, path, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, c.endpoint+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	at := time.Now()
	if c.now != nil {
		at = c.now()
	}
	if err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.ak, SecretAccessKey: c.sk}, req,
		req.Header.Get("X-Amz-Content-Sha256"), "s3", c.region, at); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// shippingKeys reads the key the bastion ships with from its user-data, as
// the VM reads it at first boot.
func shippingKeys(emu *emulator.Emulator, s *terraform.State) (string, string, error) {
	id := s.RootModule().Resources[bastionAddr].Primary.ID
	o, found, err := emu.Control().Object(context.Background(), "outscale.vms", id)
	if err != nil || !found {
		return "", "", fmt.Errorf("the VM %s: found %v, %v", id, found, err)
	}
	var vm struct{ UserData string }
	if err := json.Unmarshal(o.Doc, &vm); err != nil {
		return "", "", err
	}
	ud, err := base64.StdEncoding.DecodeString(vm.UserData)
	if err != nil {
		return "", "", err
	}
	ak := regexp.MustCompile(`RCLONE_CONFIG_AUDIT_ACCESS_KEY_ID='([^']+)'`).FindSubmatch(ud)
	sk := regexp.MustCompile(`RCLONE_CONFIG_AUDIT_SECRET_ACCESS_KEY='([^']+)'`).FindSubmatch(ud)
	if ak == nil || sk == nil {
		return "", "", fmt.Errorf("the user-data of %s holds no shipping key", id)
	}
	return string(ak[1]), string(sk[1]), nil
}

// On OUTSCALE the bastion gets its own write-only identity: an EIM user
// whose key may put objects under the audit prefix and nothing else; its
// secret is in the user-data only; a key deleted out of band replaces the
// bastion; destroy removes the identity.
func TestAccWarehouseBastion_auditWriter(t *testing.T) {
	emu := acctest.PrivateEmulator(t)
	if emu == nil {
		t.Skip("reads the user-data and the EIM users from the emulator's store")
	}
	name := acctest.RandomName("aw")
	config := auditWriterConfig(emu, cloud.Outscale, name, adminKey(t, "alice@laptop"))
	var firstKey string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		CheckDestroy:             acctest.CheckNothingLeft(emu, cloud.Outscale),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("audit_bucket").AtMapKey("access_key_id"),
						knownvalue.StringRegexp(regexp.MustCompile(`^[A-Z0-9]{20}$`))),
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("audit_bucket").AtMapKey("secret_access_key"), knownvalue.Null()),
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("cloud_ids").AtMapKey(cloud.AuditWriterUser),
						knownvalue.StringRegexp(regexp.MustCompile(`^health-audit-`+name+`-bastion-[0-9a-f]{8}$`))),
				},
				Check: func(s *terraform.State) error {
					ak, sk, err := shippingKeys(emu, s)
					if err != nil {
						return err
					}
					firstKey = ak
					if got := s.RootModule().Resources[bastionAddr].Primary.Attributes["audit_bucket.access_key_id"]; got != ak {
						return fmt.Errorf("the state's access_key_id %s is not the user-data's %s", got, ak)
					}
					shipper := &rawS3{ak: ak, sk: sk, endpoint: emu.S3Endpoint(), region: emulator.DefaultOutscaleRegion}
					bucket := name + "-audit"
					if st := shipper.do(t, "PUT", "/"+bucket+"/bastions/host/journal/j1.export.gz", "journal"); st != 200 {
						return fmt.Errorf("shipping under bastions/: HTTP %d", st)
					}
					for _, c := range []struct{ method, path string }{
						{"PUT", "/" + bucket + "/elsewhere"}, {"GET", "/" + bucket + "/bastions/host/journal/j1.export.gz"},
						{"DELETE", "/" + bucket + "/bastions/host/journal/j1.export.gz"}, {"GET", "/" + bucket + "?list-type=2"},
					} {
						if st := shipper.do(t, c.method, c.path, "x"); st != 403 {
							return fmt.Errorf("%s %s with the shipping key: HTTP %d, want 403", c.method, c.path, st)
						}
					}
					return nil
				},
			},
			{
				// The key deleted out of band: the bastion can no longer
				// ship, and the next plan replaces it with a new identity.
				Config: config,
				PreConfig: func() {
					if err := emu.Control().DeleteObject(context.Background(), "outscale.access_keys", firstKey); err != nil {
						t.Fatal(err)
					}
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(bastionAddr, plancheck.ResourceActionReplace),
				}},
				Check: func(s *terraform.State) error {
					ak, _, err := shippingKeys(emu, s)
					if err == nil && ak == firstKey {
						err = fmt.Errorf("the replaced bastion ships with the deleted key %s", ak)
					}
					return err
				},
			},
			{Config: config, PlanOnly: true},
		},
	})
}

// OVHcloud ships with the audit bucket's own key: a bastion without one is
// refused at plan time, saying what to give.
func TestAccWarehouseBastion_auditWriterNeedsKeyOnOVH(t *testing.T) {
	emu := acctest.PrivateEmulator(t)
	name := acctest.RandomName("aw")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      auditWriterConfig(emu, cloud.OVH, name, adminKey(t, "alice@laptop")),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`Missing Audit Bucket Key`),
		}},
	})
}

// ovhAccountLogReader reads the account-log reader the bastion's user-data
// holds, as the VM reads it at first boot: its client id and secret.
func ovhAccountLogReader(emu *emulator.Emulator, s *terraform.State) (string, string, error) {
	id := s.RootModule().Resources[bastionAddr].Primary.ID
	o, found, err := emu.Control().Object(context.Background(), "ovh.instances", id)
	if err != nil || !found {
		return "", "", fmt.Errorf("the instance %s: found %v, %v", id, found, err)
	}
	var vm struct {
		UserData string `json:"user_data"`
	}
	if err := json.Unmarshal(o.Doc, &vm); err != nil {
		return "", "", err
	}
	cid := regexp.MustCompile(`OVH_ACCOUNT_LOGS_CLIENT_ID='([^']+)'`).FindStringSubmatch(vm.UserData)
	secret := regexp.MustCompile(`OVH_ACCOUNT_LOGS_CLIENT_SECRET='([^']+)'`).FindStringSubmatch(vm.UserData)
	if cid == nil || secret == nil {
		return "", "", fmt.Errorf("the user-data of %s holds no account-log reader", id)
	}
	return cid[1], secret[1], nil
}

// On OVHcloud the bastion ships with the audit bucket's own key and gets
// its own read-only service account for the account's audit logs: its
// secret is in the user-data only, its token reads the audit logs and
// nothing else; its policy deleted out of band replaces the bastion;
// destroy removes it.
func TestAccWarehouseBastion_accountLogReaderOnOVH(t *testing.T) {
	emu := acctest.PrivateEmulator(t)
	if emu == nil {
		t.Skip("reads the user-data and the service accounts from the emulator's store")
	}
	t.Setenv("TF_VAR_audit_secret", "audit-bucket-secret-0001")
	name := acctest.RandomName("ar")
	config := `
variable "audit_secret" {
  type      = string
  sensitive = true
}
` + bastionConfig(emu, cloud.OVH, name, "10.59.0.0/16", admins("alice", adminKey(t, "alice@laptop")), `
  audit_bucket = {
    bucket            = "wh-audit"
    access_key_id     = "AKIAWHAUDIT00000001"
    secret_access_key = var.audit_secret
  }`)
	var firstClient string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		CheckDestroy:             acctest.CheckNothingLeft(emu, cloud.OVH),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("audit_bucket").AtMapKey("access_key_id"),
						knownvalue.StringExact("AKIAWHAUDIT00000001")),
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("cloud_ids").AtMapKey(cloud.AuditWriterAccessKey),
						knownvalue.StringRegexp(regexp.MustCompile(`^EU\.[0-9a-f]{16}$`))),
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("cloud_ids").AtMapKey(cloud.AuditWriterPolicyID),
						knownvalue.NotNull()),
				},
				Check: func(s *terraform.State) error {
					id, secret, err := ovhAccountLogReader(emu, s)
					if err != nil {
						return err
					}
					firstClient = id
					if got := s.RootModule().Resources[bastionAddr].Primary.Attributes["cloud_ids."+cloud.AuditWriterAccessKey]; got != id {
						return fmt.Errorf("the state's reader %s is not the user-data's %s", got, id)
					}
					for k, v := range s.RootModule().Resources[bastionAddr].Primary.Attributes {
						if strings.Contains(v, secret) {
							return fmt.Errorf("the state's %s holds the reader's secret", k)
						}
					}
					token := ovhClientToken(t, emu, id, secret)
					for path, want := range map[string]int{"/1.0/me/logs/audit": 200, "/1.0/cloud/project": 403, "/1.0/me/api/oauth2/client": 403} {
						if got := ovhBearerGet(t, emu.URL()+path, token); got != want {
							return fmt.Errorf("GET %s with the reader's token: HTTP %d, want %d", path, got, want)
						}
					}
					return nil
				},
			},
			{
				// The policy deleted out of band: the bastion can no longer
				// read the audit logs, and the next plan replaces it.
				Config: config,
				PreConfig: func() {
					objs, err := emu.Control().Objects(context.Background(), "ovh.iam_policies")
					if err != nil || len(objs) != 1 {
						t.Fatalf("IAM policies: %v %v", objs, err)
					}
					if err := emu.Control().DeleteObject(context.Background(), "ovh.iam_policies", objs[0].ID); err != nil {
						t.Fatal(err)
					}
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(bastionAddr, plancheck.ResourceActionReplace),
				}},
				Check: func(s *terraform.State) error {
					id, _, err := ovhAccountLogReader(emu, s)
					if err == nil && id == firstClient {
						err = fmt.Errorf("the replaced bastion reads with the broken reader %s", id)
					}
					return err
				},
			},
			{Config: config, PlanOnly: true},
		},
	})
}

func ovhClientToken(t *testing.T, emu *emulator.Emulator, id, secret string) string {
	t.Helper()
	resp, err := http.PostForm(emu.URL()+"/auth/oauth2/token", map[string][]string{
		"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		t.Fatalf("the reader's token: HTTP %d %v", resp.StatusCode, err)
	}
	return out.AccessToken
}

func ovhBearerGet(t *testing.T, u, token string) int {
	t.Helper()
	status, _ := ovhBearerRead(t, u, token)
	return status
}

func ovhBearerRead(t *testing.T, u, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}
