package provider_test

import (
	"context"
	"crypto/sha256"
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

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
)

// On OUTSCALE the bastion reaches the API, whose logs it pulls, without any
// 0.0.0.0/0: the plan shows its HTTPS rule to service:cloud-api, the
// network makes a Net access point to the API service on the bastion's
// route table, and one deleted outside Terraform shows in the next plan as
// an update that makes it again.
func TestAccWarehouseNetwork_apiAccessPoint(t *testing.T) {
	emulatorOnly(t, "deletes a Net access point out of band")
	t.Parallel()
	emu := acctest.PrivateEmulator(t)
	name := acctest.RandomName("net")
	config := networkConfig(emu, cloud.Outscale, name, "10.67.0.0/16", "")
	var first string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             acctest.CheckNothingLeft(emu, cloud.Outscale),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					// After the bastion's three SSH rules, before object storage.
					plancheck.ExpectKnownValue(networkAddr, tfjsonpath.New("rules").AtSliceIndex(4),
						outboundRule("bastion", "tcp", 443, 443, cloud.ServiceAPI,
							"the cloud's API (HTTPS), to pull the account's API logs", knownvalue.Null())),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(networkAddr, tfjsonpath.New("cloud_ids").AtMapKey(cloud.CloudIDAPIAccessPoint),
						knownvalue.StringRegexp(regexp.MustCompile(`^vpce-`))),
				},
				Check: func(s *terraform.State) error {
					attrs := s.RootModule().Resources[networkAddr].Primary.Attributes
					first = attrs["cloud_ids."+cloud.CloudIDAPIAccessPoint]
					return checkAPIAccessPoint(emu, first, attrs["cloud_ids.route_table.public"])
				},
			},
			{
				Config: config,
				PreConfig: func() {
					if status, body := oapiCall(t, emu, "DeleteNetAccessPoint", fmt.Sprintf(`{"NetAccessPointId":%q}`, first)); status != http.StatusOK {
						t.Fatalf("DeleteNetAccessPoint %s: %d %s", first, status, body)
					}
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(networkAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(networkAddr, tfjsonpath.New("cloud_ids")),
				}},
				Check: func(s *terraform.State) error {
					attrs := s.RootModule().Resources[networkAddr].Primary.Attributes
					again := attrs["cloud_ids."+cloud.CloudIDAPIAccessPoint]
					if again == "" || again == first {
						return fmt.Errorf("after the apply the API's access point is %q; the one deleted was %s", again, first)
					}
					return checkAPIAccessPoint(emu, again, attrs["cloud_ids.route_table.public"])
				},
			},
		},
	})
}

// checkAPIAccessPoint checks in the emulator that the Net access point id
// reaches the API service from the route table only.
func checkAPIAccessPoint(emu *emulator.Emulator, id, table string) error {
	obj, found, err := emu.Control().Object(context.Background(), "outscale.net_access_points", id)
	if err != nil || !found {
		return fmt.Errorf("the Net access point %q: found=%v, %v", id, found, err)
	}
	var doc struct {
		ServiceName   string
		State         string
		RouteTableIds []string
	}
	if err := json.Unmarshal(obj.Doc, &doc); err != nil {
		return err
	}
	want := "com.outscale." + emulator.DefaultOutscaleRegion + ".api"
	if doc.ServiceName != want || doc.State != "available" || len(doc.RouteTableIds) != 1 || doc.RouteTableIds[0] != table {
		return fmt.Errorf("the Net access point %s = %s, want %s, available, on the route table %s only", id, obj.Doc, want, table)
	}
	return nil
}

// oapiCall sends an OAPI action with the emulator's account, as an
// operator's CLI would, and returns the status and the body.
func oapiCall(t *testing.T, emu *emulator.Emulator, action, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, emu.OutscaleEndpoint()+"/"+action, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: emulator.DefaultOutscaleAccessKey,
		SecretAccessKey: emulator.DefaultOutscaleSecretKey}, req, hex.EncodeToString(sum[:]), "api", emulator.DefaultOutscaleRegion,
		time.Now()); err != nil {
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
	return resp.StatusCode, string(out)
}

// A bastion that will pull the API logs (its own identity, on OUTSCALE)
// from a network whose rules do not let its tier reach the API fails at
// plan, naming audit_bucket, network_rules and the rule; with the
// network's rules as they are, the plan goes through.
func TestAccWarehouseBastion_apiLogsNeedTheAPI(t *testing.T) {
	acctest.PreCheck(t, cloud.Outscale)
	t.Parallel()
	emu := acctest.PrivateEmulator(t)
	name := acctest.RandomName("bst")
	config := auditWriterConfig(emu, cloud.Outscale, name, adminKey(t, "alice@laptop"))
	cut := strings.Replace(config, "network_rules = health_warehouse_network.test.rules",
		`network_rules = [for r in health_warehouse_network.test.rules : r if r.destination != "service:cloud-api"]`, 1)
	if cut == config {
		t.Fatal("the configuration sets network_rules otherwise")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             acctest.CheckDestroy(emu, cloud.Outscale, name),
		Steps: []resource.TestStep{
			{
				Config:   cut,
				PlanOnly: true,
				ExpectError: expectError("OUTSCALE API Not Reachable From the Bastion", "audit_bucket: without access_key_id",
					"network_rules", "bastion outbound tcp/443 to service:cloud-api", "HW-ADM-03"),
			},
			{
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
}
