package provider_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// trailConfig is an audit bucket that receives its own access logs, a
// results bucket's and a bastion's trail, and the report over them.
func trailConfig(emu *emulator.Emulator, cloudName, name, adminKey string) string {
	var exceptions, report string
	if cloudName == cloud.Outscale {
		exceptions = `compliance_exceptions = [{ control = "HW-STO-03", justification = "OOS cannot deny plain HTTP" }]`
		report = `[{ control = "HW-STO-03", justification = "OOS cannot deny plain HTTP" }]`
	} else {
		report = "[]"
	}
	key := ""
	ephemeralKey := ""
	if cloudName == cloud.OVH {
		ephemeralKey = `
ephemeral "health_warehouse_storage_credentials" "audit" {
  bucket = health_warehouse_storage.audit.id
}
`
		key = `
    access_key_id     = health_warehouse_storage.audit.access_key_id
    secret_access_key = ephemeral.health_warehouse_storage_credentials.audit.secret_access_key`
	}
	return bastionConfig(emu, cloudName, name, "10.62.0.0/16", admins("alice", adminKey), `
  audit_bucket = {
    bucket = health_warehouse_storage.audit.name
    prefix = "bastions/"`+key+`
  }`) + ephemeralKey + fmt.Sprintf(`
resource "health_warehouse_storage" "audit" {
  name          = "%[1]s-audit"
  zone          = "audit"
  force_destroy = true
  object_lock   = { mode = "COMPLIANCE", retention_days = 180 }
  access_logs   = { bucket = "%[1]s-audit", prefix = "access-logs/audit/" }
  %[2]s
}

resource "health_warehouse_storage" "results" {
  name          = "%[1]s-results"
  zone          = "results"
  force_destroy = true
  access_logs   = { bucket = health_warehouse_storage.audit.name, prefix = "access-logs/results/" }
  %[2]s
}

data "health_warehouse_compliance" "test" {
  bucket_names = [health_warehouse_storage.audit.name, health_warehouse_storage.results.name]
  bastion_ids  = [health_warehouse_bastion.test.id]
  exceptions   = %[3]s
}
`, name, exceptions, report)
}

// auditObjects are the stored object versions of bucket whose key starts
// with prefix, as the control API lists them.
func auditObjects(emu *emulator.Emulator, bucket, prefix string) ([]emulator.Object, error) {
	all, err := emu.Control().Objects(context.Background(), "s3.objects")
	var out []emulator.Object
	for _, o := range all {
		var v struct{ Bucket, Key string }
		if json.Unmarshal(o.Doc, &v) == nil && v.Bucket == bucket && strings.HasPrefix(v.Key, prefix) {
			out = append(out, o)
		}
	}
	return out, err
}

// emulatorClock is the emulator's clock, which a test may turn back: what
// is written meanwhile is stamped in the past.
type emulatorClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *emulatorClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *emulatorClock) set(offset time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = offset
}

// After an apply, some writes and a shipped bastion record, the report's
// audit controls cite the records the audit bucket holds (keys, counts,
// dates); with the bastion's shipping broken they fail and name the
// stream: its newest record days old (written with the emulator's clock
// turned back), or no record at all. The bastion ships as its ship script
// does: with the write-only key from its user-data on OUTSCALE, with the
// audit bucket's user on OVHcloud, under <prefix><host name>/journal/.
func TestAccWarehouseCompliance_auditTrailEvidence(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "delivers access logs, reads the bastion's key and turns back the clock of the emulator")
		clock := &emulatorClock{}
		cfg := emulator.DefaultConfig()
		cfg.Now = clock.Now
		emu := emutest.Start(t, &cfg)
		name := acctest.RandomName("trail")
		config := trailConfig(emu, cloudName, name, adminKey(t, "alice@laptop"))
		audit, results, host := name+"-audit", name+"-results", name+"-bastion"
		trail := "s3://" + audit + "/bastions/" + host + "/journal/"
		// ship writes a journal export as the bastion's ship script does.
		ship := func(s *terraform.State, stamp string, withKey bool) error {
			var shipper *rawS3
			if cloudName == cloud.Outscale {
				ak, sk, err := shippingKeys(emu, s)
				if err != nil {
					return err
				}
				shipper = &rawS3{ak: ak, sk: sk, endpoint: emu.S3Endpoint(), region: emulator.DefaultOutscaleRegion, now: clock.Now}
			} else {
				ak, sk, region := storageKeys(t, emu, cloudName, s, "health_warehouse_storage.audit")
				shipper = &rawS3{ak: ak, sk: sk, endpoint: emu.S3Endpoint(), region: region, now: clock.Now}
			}
			if st := shipper.do(t, "PUT", "/"+audit+"/bastions/"+host+"/journal/journal-"+stamp+".export.gz", "session"); st != 200 {
				return fmt.Errorf("shipping the bastion's record: HTTP %d", st)
			}
			if cloudName == cloud.Outscale {
				// The account's API logs, pulled with the same key.
				status, logs := readAPILogs(t, emu, shipper)
				// The first pull finds the calls that made the warehouse; the
				// stale one, three days back, finds none.
				fresh := stamp == "20261203T110000Z"
				if status != 200 || (fresh && !strings.Contains(string(logs), `"QueryCallName":"CreateAccessKey"`)) {
					return fmt.Errorf("ReadApiLogs with the shipping key: HTTP %d %s", status, logs)
				}
				if st := shipper.do(t, "PUT", "/"+audit+"/bastions/"+host+"/api-logs/api-logs-"+stamp+"-0.json", string(logs)); st != 200 {
					return fmt.Errorf("shipping the API logs: HTTP %d", st)
				}
			}
			if cloudName == cloud.OVH {
				// The account's audit logs, pulled with the bastion's own
				// read-only service account from its user-data.
				id, secret, err := ovhAccountLogReader(emu, s)
				if err != nil {
					return err
				}
				status, logs := ovhBearerRead(t, emu.URL()+"/1.0/me/logs/audit", ovhClientToken(t, emu, id, secret))
				if status != 200 || (stamp == "20261203T110000Z" && !strings.Contains(string(logs), `"type":"POLICY_CREATED"`)) {
					return fmt.Errorf("the account's audit logs with the reader: HTTP %d %s", status, logs)
				}
				if st := shipper.do(t, "PUT", "/"+audit+"/bastions/"+host+"/account-logs/account-logs-"+stamp+".json", string(logs)); st != 200 {
					return fmt.Errorf("shipping the account's audit logs: HTTP %d", st)
				}
			}
			if withKey {
				key := "/" + audit + "/bastions/" + host + "/journal-seal/journal-verification-key-" + stamp + ".txt"
				if st := shipper.do(t, "PUT", key, "1a2b3c-4d5e6f-7a8b9c-0d1e2f/1b3f7-35a4e900"); st != 200 {
					return fmt.Errorf("shipping the journal's verification key: HTTP %d", st)
				}
			}
			return nil
		}
		// writeAndShip writes to the results bucket as the data pipeline
		// does, ships a bastion record, and has the store deliver the
		// access logs.
		writeAndShip := func(s *terraform.State) error {
			ak, sk, region := storageKeys(t, emu, cloudName, s, "health_warehouse_storage.results")
			pipe := &rawS3{ak: ak, sk: sk, endpoint: emu.S3Endpoint(), region: region}
			if st := pipe.do(t, "PUT", "/"+results+"/cohort-2026/summary.csv", "age,count"); st != 200 {
				return fmt.Errorf("writing to the results bucket: HTTP %d", st)
			}
			if st := pipe.do(t, "GET", "/"+results+"/cohort-2026/summary.csv", ""); st != 200 {
				return fmt.Errorf("reading the results bucket: HTTP %d", st)
			}
			if err := ship(s, "20261203T110000Z", true); err != nil {
				return err
			}
			_, err := emu.Control().DeliverAccessLogs(context.Background())
			return err
		}
		deleteShipped := func() error {
			shipped, err := auditObjects(emu, audit, "bastions/")
			if err == nil && len(shipped) == 0 {
				err = fmt.Errorf("no record of the bastion in %s", audit)
			}
			for _, o := range shipped {
				if err == nil {
					err = emu.Control().DeleteObject(context.Background(), o.Collection, o.ID)
				}
			}
			return err
		}
		// shipStale leaves the bastion's newest record three days old, as
		// when its shipping stopped three days ago.
		var state *terraform.State
		keepState := func(s *terraform.State) error { state = s; return nil }
		shipStale := func() {
			err := deleteShipped()
			if err == nil {
				clock.set(-72 * time.Hour)
				err = ship(state, "20261130T110000Z", true)
				clock.set(0)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		// The locked records would keep the audit bucket from going: they
		// are removed out of band before the destroy.
		unlock := func(*terraform.State) error {
			locked, err := auditObjects(emu, audit, "")
			for _, o := range locked {
				if err == nil {
					err = emu.Control().DeleteObject(context.Background(), o.Collection, o.ID)
				}
			}
			return err
		}
		found := "the audit trail of the bastion " + host + ": 1 record under " + trail +
			", the newest bastions/" + host + "/journal/journal-20261203T110000Z.export.gz ("
		// OUTSCALE returns the bastion's user-data: the report knows where
		// it ships and that it records sessions. OVHcloud does not: its
		// trail is looked for under its host name, and HW-ADM-03 stays
		// unknown while records arrive.
		admPass, admMissing := "pass", "fail"
		if cloudName == cloud.OVH {
			admPass, admMissing = "unknown", "unknown"
		}
		// On OUTSCALE the bastion's identity also pulls the account's API
		// logs into the trail; on OVHcloud its service account pulls the
		// account's audit logs.
		apiLogsCited := finding("HW-ADM-03", "health_warehouse_bastion", admPass, "the OUTSCALE API logs pulled by the bastion "+host+
			": 1 record under s3://"+audit+"/bastions/"+host+"/api-logs/, the newest bastions/"+host+"/api-logs/api-logs-20261203T110000Z-0.json")
		if cloudName == cloud.OVH {
			accountLogs := "the OVHcloud account's audit logs pulled by the bastion " + host + ": 1 record under s3://" + audit +
				"/bastions/" + host + "/account-logs/, the newest bastions/" + host + "/account-logs/account-logs-20261203T110000Z.json"
			apiLogsCited = resource.ComposeTestCheckFunc(
				finding("HW-ADM-03", "health_warehouse_bastion", admPass, accountLogs),
				finding("HW-LOG-01", "health_warehouse_storage", "pass", accountLogs),
				func(s *terraform.State) error {
					if err := finding("HW-ADM-03", "health_warehouse_bastion", admPass, "API logs")(s); err == nil {
						return fmt.Errorf("API logs cited on OVHcloud")
					}
					return nil
				})
		}
		// OUTSCALE's user-data also tells what the bastion's sshd forwards:
		// nothing, every way to the tiers is a recorded session.
		tierAccessCited := finding("HW-ADM-03", "health_warehouse_bastion", admPass, "tier_access = recorded-hop (sshd_config read back: "+
			"AllowTcpForwarding no, AllowStreamLocalForwarding no, PermitTunnel no, X11Forwarding no)")
		if cloudName == cloud.OVH {
			tierAccessCited = finding("HW-ADM-03", "health_warehouse_bastion", admPass, "does not return the bastion's user-data")
		}
		missing := []resource.TestCheckFunc{
			finding("HW-ADM-03", "health_warehouse_bastion", admMissing, ""),
			unlock,
		}
		if cloudName == cloud.Outscale {
			missing = append(missing,
				finding("HW-LOG-01", "health_warehouse_storage", "fail", "no record of the audit trail of the bastion "+host+
					" under "+trail),
				finding("HW-ADM-03", "health_warehouse_bastion", "fail", "its shipping is broken"),
				resource.TestCheckResourceAttr(reportAddr, "compliant", "false"))
		} else {
			// Nothing tells the report that it should find one.
			missing = append(missing, finding("HW-LOG-01", "health_warehouse_storage", "pass", "the access logs of "+results))
		}
		steps := []resource.TestStep{
			{
				// Just made: nothing has arrived yet, which proves nothing.
				Config: config,
				Check: resource.ComposeTestCheckFunc(
					finding("HW-LOG-01", "health_warehouse_storage", "unknown", "no record in s3://"+audit+" yet"),
					writeAndShip, keepState),
			},
			{
				Config: config,
				Check: resource.ComposeTestCheckFunc(
					finding("HW-LOG-01", "health_warehouse_storage", "pass",
						"the access logs of "+results+": 1 record under s3://"+audit+"/access-logs/results/, the newest access-logs/results/"),
					finding("HW-LOG-01", "health_warehouse_storage", "pass", found),
					finding("HW-LOG-01", "health_warehouse_storage", "pass", "COMPLIANCE until"),
					finding("HW-ADM-03", "health_warehouse_bastion", admPass, found),
					finding("HW-ADM-03", "health_warehouse_bastion", admPass, "the journal verification key of the bastion "+host+
						": 1 record under s3://"+audit+"/bastions/"+host+"/journal-seal/"),
					apiLogsCited, tierAccessCited,
					resource.TestCheckResourceAttr(reportAddr, "compliant", "true")),
			},
			{
				PreConfig: shipStale,
				Config:    config,
				Check: resource.ComposeTestCheckFunc(
					finding("HW-LOG-01", "health_warehouse_storage", "fail", "the newest record of the audit trail of the bastion "+
						host+", bastions/"+host+"/journal/journal-20261130T110000Z.export.gz, is from "),
					finding("HW-LOG-01", "health_warehouse_storage", "fail", "more than 48h0m0s ago: its shipping stopped"),
					finding("HW-ADM-03", "health_warehouse_bastion", "fail", "its shipping stopped"),
					resource.TestCheckResourceAttr(reportAddr, "compliant", "false")),
			},
		}
		if cloudName == cloud.Outscale {
			// The write-only key deleted out of band: the bastion's next
			// shipping is refused, so nothing newer arrives; the apply
			// replaces the bastion (a new identity), and the report fails
			// until its records arrive again.
			steps = append(steps, resource.TestStep{
				PreConfig: func() {
					ak, sk, err := shippingKeys(emu, state)
					if err == nil {
						err = emu.Control().DeleteObject(context.Background(), "outscale.access_keys", ak)
					}
					if err != nil {
						t.Fatal(err)
					}
					shipper := &rawS3{ak: ak, sk: sk, endpoint: emu.S3Endpoint(), region: emulator.DefaultOutscaleRegion}
					if st := shipper.do(t, "PUT", "/"+audit+"/bastions/"+host+"/journal/journal-20261203T120000Z.export.gz", "x"); st != 403 {
						t.Fatalf("shipping with the deleted key: HTTP %d, want 403", st)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(bastionAddr, plancheck.ResourceActionReplace),
				}},
				Check: resource.ComposeTestCheckFunc(
					finding("HW-LOG-01", "health_warehouse_storage", "fail", "journal-20261130T110000Z.export.gz, is from "),
					finding("HW-ADM-03", "health_warehouse_bastion", "fail", "its shipping stopped"),
					resource.TestCheckResourceAttr(reportAddr, "compliant", "false")),
			})
		}
		steps = append(steps, resource.TestStep{
			PreConfig: func() {
				if err := deleteShipped(); err != nil {
					t.Fatal(err)
				}
			},
			Config: config,
			Check:  resource.ComposeTestCheckFunc(missing...),
		})
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps:                    steps,
		})
	})
}

// storageKeys are the S3 keys that reach the bucket of the resource at
// addr: the account's on OUTSCALE, the bucket user's on OVHcloud.
func storageKeys(t *testing.T, emu *emulator.Emulator, cloudName string, s *terraform.State, addr string) (string, string, string) {
	t.Helper()
	if cloudName == cloud.Outscale {
		return emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, emulator.DefaultOutscaleRegion
	}
	access := s.RootModule().Resources[addr].Primary.Attributes["access_key_id"]
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

// readAPILogs calls OUTSCALE's ReadApiLogs with the key of c, as the
// bastion's ship script does, and returns the status and the body.
func readAPILogs(t *testing.T, emu *emulator.Emulator, c *rawS3) (int, []byte) {
	t.Helper()
	body := `{"ResultsPerPage":1000}`
	req, err := http.NewRequest(http.MethodPost, emu.OutscaleEndpoint()+"/ReadApiLogs", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.ak, SecretAccessKey: c.sk}, req,
		hex.EncodeToString(sum[:]), "api", emulator.DefaultOutscaleRegion, c.now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}
