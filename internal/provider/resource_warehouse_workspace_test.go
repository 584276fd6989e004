package provider_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
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
	"github.com/sovhealth/terraform-provider-health/internal/workspace"
)

// workspacesConfig is a network, the shared pseudonymised bucket, a
// results bucket, and two workspaces (a and b) with their own working and
// airlock buckets; a's members are membersA.
func workspacesConfig(emu *emulator.Emulator, cloudName, name, membersA string) string {
	var exceptions []string
	if cloudName == cloud.Outscale {
		exceptions = append(exceptions, `{ control = "HW-STO-03", justification = "OOS cannot deny plain HTTP" }`)
	}
	bucket := func(label, zone string) string {
		mine := exceptions
		if zone == "pseudonymised" {
			mine = append(slices.Clone(mine), `{ control = "HW-ENC-02", justification = "test data, written in clear by the test" }`)
		}
		return fmt.Sprintf(`
resource "health_warehouse_storage" %[1]q {
  name                  = "%[2]s-%[1]s"
  zone                  = %[3]q
  force_destroy         = true
  compliance_exceptions = %[4]s
}
`, label, name, zone, "["+strings.Join(mine, ", ")+"]")
	}
	ws := func(label, members, prefix string) string {
		return fmt.Sprintf(`
resource "health_warehouse_workspace" %[1]q {
  network_id     = health_warehouse_network.test.id
  network_rules  = health_warehouse_network.test.rules
  name           = "%[2]s-%[1]s"
  members        = %[3]s
  datasets       = [{ bucket = health_warehouse_storage.pseudo.name, prefix = %[4]q }]
  working_bucket = health_warehouse_storage.%[1]s-working.name
  import_bucket  = health_warehouse_storage.%[1]s-import.name
  export_bucket  = health_warehouse_storage.%[1]s-export.name
  tags           = { project = %[1]q }
}
`, label, name, members, prefix)
	}
	return acctest.ProviderConfigAt(emu, cloudName) + fmt.Sprintf(`
resource "health_warehouse_network" "test" {
  name        = %[1]q
  cidr        = "10.66.0.0/16"
  admin_cidrs = ["203.0.113.7/32"]
}
`, name) + bucket("pseudo", "pseudonymised") + bucket("results", "results") +
		bucket("a-working", "workspace") + bucket("a-import", "workspace") + bucket("a-export", "workspace") +
		bucket("b-working", "workspace") + bucket("b-import", "workspace") + bucket("b-export", "workspace") +
		ws("a", membersA, "diabetes/") + ws("b", admins("carol", adminKeyFixed("carol")), "asthma/")
}

// workspacesReport is the compliance report over workspaces a and b.
const workspacesReport = `
data "health_warehouse_compliance" "test" {
  workspace_ids = [for w in [health_warehouse_workspace.a, health_warehouse_workspace.b] : "${w.network_id}/${w.name}/${w.id}"]
}
`

// adminKeyFixed is a fixed ed25519 public key for a member.
func adminKeyFixed(comment string) string {
	return "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl " + comment
}

// workspaceClient is an S3 client with the key a workspace's machines hold,
// read from their user-data as a machine reads it.
func workspaceClient(emu *emulator.Emulator, cloudName string, s *terraform.State, addr string) (*s3.Client, error) {
	attrs := s.RootModule().Resources[addr].Primary.Attributes
	files, err := workspaceFiles(emu, cloudName, attrs["machines.0.id"])
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for _, l := range strings.Split(files[workspace.PathS3Env], "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(l, "export "), "="); ok {
			env[k] = strings.Trim(v, `'"`)
		}
	}
	ak, sk := env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
	if ak == "" || sk == "" || ak != attrs["machine_access_key_id"] {
		return nil, fmt.Errorf("the machines' key is not in %s (%q, want %q)", workspace.PathS3Env, ak, attrs["machine_access_key_id"])
	}
	region := emulator.DefaultOutscaleRegion
	if cloudName == cloud.OVH {
		region = "eu-west-par"
	}
	return s3.New(s3.Options{Region: region, BaseEndpoint: aws.String(emu.S3Endpoint()), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(ak, sk, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, Retryer: aws.NopRetryer{}}), nil
}

// workspaceFiles are the files a workspace machine's first boot writes,
// read from the user-data the emulator holds for it.
func workspaceFiles(emu *emulator.Emulator, cloudName, machineID string) (map[string]string, error) {
	ud, err := gatewayUserData(emu, cloudName, machineID)
	if err != nil {
		return nil, err
	}
	text, err := workspace.Text(ud)
	if err != nil {
		return nil, err
	}
	return workspace.WrittenFiles(text)
}

// hostKeyPinned checks that workspace a's first machine publishes the host
// key its user-data installs, and that it is not lastKey (a rebuilt
// machine has a new one); it returns the key.
func hostKeyPinned(emu *emulator.Emulator, cloudName string, s *terraform.State, lastKey string) (string, error) {
	attrs := s.RootModule().Resources["health_warehouse_workspace.a"].Primary.Attributes
	ud, err := gatewayUserData(emu, cloudName, attrs["machines.0.id"])
	if err != nil {
		return "", err
	}
	text, err := workspace.Text(ud)
	if err != nil {
		return "", err
	}
	spec, err := workspace.Recover(text)
	if err != nil {
		return "", err
	}
	published := attrs["machines.0.host_public_key"]
	switch {
	case spec.HostKey == nil || !strings.HasPrefix(published, "ssh-ed25519 ") || published != spec.HostKey.Public:
		return "", fmt.Errorf("the machine's published host key %q is not the one its user-data installs (%+v)", published, spec.HostKey)
	case published == lastKey:
		return "", errors.New("the rebuilt machine kept the old machine's host key")
	}
	return published, nil
}

// Workspaces on both clouds, through the CLI: two workspaces in one
// network; each one's key (from its machines' user-data) reads its dataset
// prefix, writes its working and export buckets, and is refused on the
// other's buckets, on another prefix and on the results zone. Members
// change in place, rebuilding the machines; a policy changed out of band
// shows in the next plan, which restores it; import; destroy leaves
// nothing.
func TestAccWarehouseWorkspace_segregation(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "reads the machines' key from the user-data the emulator holds")
		emu := acctest.PrivateEmulator(t)
		name := "wh-ws-" + cloudName
		ctx := context.Background()
		aliceKey := adminKey(t, "alice@laptop")
		alice := admins("alice", aliceKey)
		aliceBob := fmt.Sprintf(`[{ name = "alice", ssh_public_key = %q }, { name = "bob", ssh_public_key = %q }]`,
			aliceKey, adminKey(t, "bob@laptop"))
		var firstMachine, firstKey, detachedMachine, hostKey string
		var state *terraform.State
		denied := func(err error) bool {
			return err != nil && (strings.Contains(err.Error(), "AccessDenied") || strings.Contains(err.Error(), "403"))
		}
		segregated := func(s *terraform.State) error {
			attrs := s.RootModule().Resources["health_warehouse_workspace.a"].Primary.Attributes
			firstMachine, firstKey = attrs["machines.0.id"], attrs["machine_access_key_id"]
			var err error
			if hostKey, err = hostKeyPinned(emu, cloudName, s, ""); err != nil {
				return err
			}
			owner := storageClient(t, emu, cloudName, s, "health_warehouse_storage.pseudo")
			for _, key := range []string{"diabetes/cohort.csv", "asthma/cohort.csv"} {
				if _, err := owner.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(name + "-pseudo"), Key: aws.String(key),
					Body: strings.NewReader("rows")}); err != nil {
					return fmt.Errorf("seeding %s: %w", key, err)
				}
			}
			a, err := workspaceClient(emu, cloudName, s, "health_warehouse_workspace.a")
			if err != nil {
				return err
			}
			out, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(name + "-pseudo"), Key: aws.String("diabetes/cohort.csv")})
			if err != nil {
				return fmt.Errorf("a reads its dataset: %w", err)
			}
			_, _ = io.Copy(io.Discard, out.Body)
			_ = out.Body.Close()
			for bucket, key := range map[string]string{name + "-a-working": "notes.txt", name + "-a-export": "tables/summary.csv"} {
				if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
					Body: strings.NewReader("x")}); err != nil {
					return fmt.Errorf("a writes %s: %w", bucket, err)
				}
			}
			refusals := []struct {
				what string
				err  func() error
			}{
				{"another dataset's prefix", func() error {
					_, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(name + "-pseudo"), Key: aws.String("asthma/cohort.csv")})
					return err
				}},
				{"b's working bucket", func() error {
					_, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(name + "-b-working"), Key: aws.String("x"),
						Body: strings.NewReader("x")})
					return err
				}},
				{"b's export bucket", func() error {
					_, err := a.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(name + "-b-export")})
					return err
				}},
				{"the results zone", func() error {
					_, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(name + "-results"), Key: aws.String("x"),
						Body: strings.NewReader("x")})
					return err
				}},
				{"listing the whole dataset bucket", func() error {
					_, err := a.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(name + "-pseudo")})
					return err
				}},
			}
			for _, r := range refusals {
				if err := r.err(); !denied(err) {
					return fmt.Errorf("a's key on %s: %v, want AccessDenied", r.what, err)
				}
			}
			return nil
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{
				{
					Config: workspacesConfig(emu, cloudName, name, alice),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("health_warehouse_workspace.a", tfjsonpath.New("machines"), knownvalue.ListSizeExact(1)),
						statecheck.ExpectKnownValue("health_warehouse_workspace.a", tfjsonpath.New("machines").AtSliceIndex(0).
							AtMapKey("state"), knownvalue.StringExact("running")),
						statecheck.ExpectKnownValue("health_warehouse_workspace.a", tfjsonpath.New("machines").AtSliceIndex(0).
							AtMapKey("private_ip"), knownvalue.StringRegexp(regexp.MustCompile(`^10\.66\.`))),
					},
					Check: segregated,
				},
				{
					// A member added: in place, the machines rebuilt with a new key,
					// the group and the identity kept.
					Config: workspacesConfig(emu, cloudName, name, aliceBob),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("health_warehouse_workspace.a", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("health_warehouse_workspace.b", plancheck.ResourceActionNoop),
					}},
					Check: func(s *terraform.State) error {
						attrs := s.RootModule().Resources["health_warehouse_workspace.a"].Primary.Attributes
						if attrs["machines.0.id"] == firstMachine || attrs["machine_access_key_id"] == firstKey {
							return errors.New("the machines were not rebuilt with a new key")
						}
						ud, err := gatewayUserData(emu, cloudName, attrs["machines.0.id"])
						if err != nil {
							return err
						}
						text, err := workspace.Text(ud)
						if err != nil {
							return err
						}
						spec, err := workspace.Recover(text)
						if err != nil || len(spec.Members) != 2 {
							return fmt.Errorf("the new machine's members: %+v, %v", spec.Members, err)
						}
						if _, err := hostKeyPinned(emu, cloudName, s, hostKey); err != nil {
							return err
						}
						state = s
						_, err = workspaceClient(emu, cloudName, s, "health_warehouse_workspace.a")
						return err
					},
				},
				{
					// The identity's policy opened out of band: the plan shows it,
					// the apply restores it.
					PreConfig: func() { widenWorkspacePolicy(t, emu, cloudName, state) },
					Config:    workspacesConfig(emu, cloudName, name, aliceBob),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("health_warehouse_workspace.a", plancheck.ResourceActionUpdate),
					}},
				},
				{
					// A machine taken out of the compute tier's group out of band
					// reads as detached: the plan rebuilds the machines.
					PreConfig: func() { detachedMachine = detachWorkspaceMachine(t, emu, cloudName, state) },
					Config:    workspacesConfig(emu, cloudName, name, aliceBob),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("health_warehouse_workspace.a", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("health_warehouse_workspace.b", plancheck.ResourceActionNoop),
					}},
					Check: func(s *terraform.State) error {
						attrs := s.RootModule().Resources["health_warehouse_workspace.a"].Primary.Attributes
						if attrs["machines.0.id"] == detachedMachine || attrs["machines.0.state"] != "running" {
							return fmt.Errorf("the detached machine %s was not rebuilt: %s is %s", detachedMachine,
								attrs["machines.0.id"], attrs["machines.0.state"])
						}
						return nil
					},
				},
				{
					// The report reads both workspaces back from the cloud.
					Config: workspacesConfig(emu, cloudName, name, aliceBob) + workspacesReport,
					Check: resource.ComposeAggregateTestCheckFunc(
						finding("HW-WS-01", "health_warehouse_workspace", "pass", ""),
						finding("HW-WS-03", "health_warehouse_workspace", "pass", ""),
					),
				},
				{
					ResourceName: "health_warehouse_workspace.a",
					ImportState:  true,
					ImportStateIdFunc: func(s *terraform.State) (string, error) {
						a := s.RootModule().Resources["health_warehouse_workspace.a"].Primary.Attributes
						return a["network_id"] + "/" + a["name"] + "/" + a["id"], nil
					},
					ImportStateCheck: func(states []*terraform.InstanceState) error {
						if len(states) != 1 || states[0].Attributes["name"] != name+"-a" || states[0].Attributes["machines.#"] != "1" {
							return fmt.Errorf("imported: %+v", states)
						}
						return nil
					},
				},
			},
		})
	})
}

// detachWorkspaceMachine leaves workspace a's first machine in the
// workspace's group alone, out of the compute tier's, as an operator's
// mistake would, and returns its id.
func detachWorkspaceMachine(t *testing.T, emu *emulator.Emulator, cloudName string, s *terraform.State) string {
	t.Helper()
	attrs := s.RootModule().Resources["health_warehouse_workspace.a"].Primary.Attributes
	id, group := attrs["machines.0.id"], attrs["id"]
	if cloudName == cloud.Outscale {
		body, _ := json.Marshal(map[string]any{"VmId": id, "SecurityGroupIds": []string{group}})
		if status, out := oapiCall(t, emu, "UpdateVm", string(body)); status != http.StatusOK {
			t.Fatalf("UpdateVm: HTTP %d: %s", status, out)
		}
		return id
	}
	ctx := context.Background()
	obj, found, err := emu.Control().Object(ctx, "ovh.instances", id)
	if err != nil || !found {
		t.Fatalf("the instance %s: found=%v, %v", id, found, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(obj.Doc, &doc); err != nil {
		t.Fatal(err)
	}
	doc["security_groups"] = []string{group}
	raw, _ := json.Marshal(doc)
	if err := emu.Control().PutObject(ctx, "ovh.instances", id, raw); err != nil {
		t.Fatal(err)
	}
	return id
}

// widenWorkspacePolicy lets workspace a's identity do anything on object
// storage, as an operator's mistake would.
func widenWorkspacePolicy(t *testing.T, emu *emulator.Emulator, cloudName string, s *terraform.State) {
	t.Helper()
	attrs := s.RootModule().Resources["health_warehouse_workspace.a"].Primary.Attributes
	open := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["*"]}]}`
	if cloudName == cloud.OVH {
		req, err := ovhOperatorRequest(emu, http.MethodPost, "/cloud/project/"+emulator.DefaultOVHProjectID+"/user/"+
			attrs["identity_id"]+"/policy", map[string]string{"policy": open})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("widening the policy of %s: HTTP %d", attrs["identity_id"], resp.StatusCode)
		}
		return
	}
	widenEIMPolicy(t, emu, attrs, open)
}

// widenEIMPolicy makes doc the default version of workspace a's EIM policy,
// as an operator would with the OAPI.
func widenEIMPolicy(t *testing.T, emu *emulator.Emulator, attrs map[string]string, doc string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"PolicyOrn": attrs["cloud_ids.eim_policy"], "Document": doc, "SetAsDefault": true})
	if status, out := oapiCall(t, emu, "CreatePolicyVersion", string(body)); status != http.StatusOK {
		t.Fatalf("CreatePolicyVersion: HTTP %d: %s", status, out)
	}
}

// Two members with one key are refused at plan, naming the second one,
// before any machine is touched.
func TestAccWarehouseWorkspace_membersCheckedAtPlan(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		key := adminKey(t, "shared@laptop")
		shared := fmt.Sprintf(`[{ name = "alice", ssh_public_key = %q }, { name = "bob", ssh_public_key = %q }]`, key, key)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      workspacesConfig(emu, cloudName, "wh-wsplan-"+cloudName, shared),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Workspace Member.*members\[1\]\.ssh_public_key.*also the key`),
			}},
		})
	})
}

// A network whose compute tier admits the compute tier is refused at plan
// by HW-WS-01, naming the rule: every workspace's machines are in the
// compute tier's group, so such a rule would let them reach each other.
func TestAccWarehouseWorkspace_computeTierCheckedAtPlan(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		open := `[
    { tier = "compute", direction = "inbound", protocol = "tcp", from_port = 22, to_port = 22, source = "tier:bastion" },
    { tier = "compute", direction = "inbound", protocol = "tcp", from_port = 8888, to_port = 8888, source = "tier:compute" },
  ]`
		config := strings.Replace(workspacesConfig(emu, cloudName, "wh-wsopen-"+cloudName, admins("alice", adminKeyFixed("alice"))),
			"network_rules  = health_warehouse_network.test.rules", "network_rules  = "+open, 1)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config:      config,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)HW-WS-01.*compute\s+tier's\s+rule\s+admitting\s+tcp/8888\s+from\s+tier:compute`),
			}},
		})
	})
}
