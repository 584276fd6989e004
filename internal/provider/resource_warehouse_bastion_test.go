package provider_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
	"golang.org/x/crypto/ssh"
	"gopkg.in/yaml.v3"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

const bastionAddr = "health_warehouse_bastion.test"

// adminKey makes an ed25519 public key for a test administrator.
func adminKey(t *testing.T, comment string) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) + " " + comment
}

var (
	weakKeyOnce sync.Once
	weakKey     string
)

// weakRSAKey is a 2048-bit RSA key: below the bastion's 3072.
func weakRSAKey(t *testing.T) string {
	t.Helper()
	weakKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := ssh.NewPublicKey(&k.PublicKey)
		weakKey = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " bob@old-laptop"
	})
	return weakKey
}

// admins writes an admins list.
func admins(pairs ...string) string {
	var b strings.Builder
	b.WriteString("[\n")
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(&b, "    { name = %q, ssh_public_key = %q },\n", pairs[i], pairs[i+1])
	}
	b.WriteString("  ]")
	return b.String()
}

// firstBootEgress lets the bastion and kms tiers reach the mirrors they
// install software from at first boot: Debian's archive and GitHub (The
// Bastion, OpenBao's releases). The blocks are documentation ranges: the
// emulator starts no machine.
const firstBootEgress = `[{
    name      = "debian"
    cidr      = "198.51.100.0/24"
    from_port = 80
    tiers     = ["bastion", "kms"]
    hosts     = ["deb.debian.org"]
  }, {
    name      = "github"
    cidr      = "192.0.2.0/24"
    from_port = 443
    tiers     = ["bastion", "kms"]
    hosts     = ["github.com"]
  }]`

// bastionConfig is a warehouse network and a bastion in it, written the
// same for both clouds.
func bastionConfig(emu *emulator.Emulator, cloudName, name, cidr, adminList, extra string) string {
	return acctest.ProviderConfigAt(emu, cloudName) + fmt.Sprintf(`
resource "health_warehouse_network" "test" {
  name         = %[1]q
  cidr         = %[2]q
  admin_cidrs  = ["203.0.113.7/32"]
  egress_allow = `+firstBootEgress+`
}

resource "health_warehouse_bastion" "test" {
  network_id    = health_warehouse_network.test.id
  network_rules = health_warehouse_network.test.rules
  name          = "%[1]s-bastion"
  admins        = %[3]s
%[4]s
}
`, name, cidr, adminList, extra)
}

func TestAccWarehouseBastion_basic(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("bas")
		alice := adminKey(t, "alice@laptop")
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{{
				Config: bastionConfig(emu, cloudName, name, "10.50.0.0/16", admins("alice", alice), ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(bastionAddr, plancheck.ResourceActionCreate),
					// Known before apply: the type, the second factor, the targets.
					plancheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("vm_type"),
						knownvalue.StringExact(cloud.BastionType(cloudName, cloud.SizeSmall))),
					plancheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("mfa"), knownvalue.StringExact("totp")),
					plancheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("allowed_targets"), knownvalue.SetSizeExact(3)),
					plancheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("tier_access"), knownvalue.StringExact("recorded-hop")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("vm_state"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("id"),
						knownvalue.StringRegexp(regexp.MustCompile(`^(i-[0-9a-f]{8}|[0-9a-f-]{36})$`))),
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("public_ip"),
						knownvalue.StringRegexp(regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`))),
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("private_ip"),
						knownvalue.StringRegexp(regexp.MustCompile(`^10\.50\.`))),
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("host_key_fingerprint"),
						knownvalue.StringRegexp(regexp.MustCompile(`^SHA256:[A-Za-z0-9+/]{43}$`))),
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("host_public_key"),
						knownvalue.StringRegexp(regexp.MustCompile(`^ssh-ed25519 AAAA`))),
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("ssh_config"),
						knownvalue.StringRegexp(regexp.MustCompile(`(?s)Host `+regexp.QuoteMeta(name)+`-bastion\n  HostName \d.*StrictHostKeyChecking yes.*`+
							`Host 10\.50\.\d+\.\*.*HostKeyAlias `+regexp.QuoteMeta(name)+`-bastion.*ForwardAgent yes\n  RequestTTY force\n  `+
							`RemoteCommand ssh -tt -- %n\n`))),
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("tier_access"), knownvalue.StringExact("recorded-hop")),
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("user_data_sha256"),
						knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{64}$`))),
					statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("image_id"), knownvalue.NotNull()),
					statecheck.CompareValuePairs(bastionAddr, tfjsonpath.New("id"), bastionAddr, tfjsonpath.New("vm_id"), compareValuesSame),
					// The bastion's address is the one known_hosts pins.
					statecheck.CompareValuePairs(bastionAddr, tfjsonpath.New("public_ip"), bastionAddr, tfjsonpath.New("known_hosts"),
						prefixOf(" ")),
				},
				Check: noPrivateKeyInState(),
			}},
		})
	})
}

// prefixOf compares the first value with the second's first field (up to
// the first comma or space): the known_hosts line's first host.
type prefixOf string

func (p prefixOf) CompareValues(values ...any) error {
	if len(values) != 2 {
		return fmt.Errorf("want two values, got %d", len(values))
	}
	ip, _ := values[0].(string)
	line, _ := values[1].(string)
	first, _, _ := strings.Cut(line, string(p))
	first, _, _ = strings.Cut(first, ",")
	if ip == "" || first != ip {
		return fmt.Errorf("known_hosts %q does not start with the public IP %q", line, ip)
	}
	return nil
}

// noPrivateKeyInState fails if a private key reached the state.
func noPrivateKeyInState() resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for addr, r := range s.RootModule().Resources {
			for k, v := range r.Primary.Attributes {
				if strings.Contains(v, "PRIVATE KEY") {
					return fmt.Errorf("%s.%s holds a private key", addr, k)
				}
			}
		}
		return nil
	}
}

// Changing the administrators replaces the bastion (cloud-init configures
// it once); tags change in place.
func TestAccWarehouseBastion_update_admins(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("bas")
		alice, bob := adminKey(t, "alice@laptop"), adminKey(t, "bob@laptop")
		before := bastionConfig(emu, cloudName, name, "10.51.0.0/16", admins("alice", alice), "")
		after := bastionConfig(emu, cloudName, name, "10.51.0.0/16", admins("alice", alice, "bob", bob), "")
		tagged := bastionConfig(emu, cloudName, name, "10.51.0.0/16", admins("alice", alice, "bob", bob),
			`  tags = { owner = "data-office" }`)
		fingerprint := statecheck.CompareValue(compareValuesDiffer)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{
				{
					Config: before,
					ConfigStateChecks: []statecheck.StateCheck{
						fingerprint.AddStateValue(bastionAddr, tfjsonpath.New("host_key_fingerprint")),
					},
				},
				{
					Config: after,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(bastionAddr, plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction("health_warehouse_network.test", plancheck.ResourceActionNoop),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("admins"), knownvalue.ListSizeExact(2)),
						// A new bastion has a new host key, published again.
						fingerprint.AddStateValue(bastionAddr, tfjsonpath.New("host_key_fingerprint")),
					},
				},
				{
					Config: after + "\n",
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
				{
					Config: tagged,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(bastionAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("tags"), knownvalue.MapExact(map[string]knownvalue.Check{
							"owner": knownvalue.StringExact("data-office")})),
					},
				},
				{
					Config: strings.Replace(tagged, `name          = "`+name+`-bastion"`, `name          = "`+name+`-bastion"
  mfa           = "none"
  compliance_exceptions = [{ control = "HW-ADM-02", justification = "break-glass bastion, RSSI ticket 42" }]`, 1),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(bastionAddr, plancheck.ResourceActionReplace),
					}},
				},
			},
		})
	})
}

// compareValuesDiffer passes when consecutive values differ.
var compareValuesDiffer = differ{}

type differ struct{}

func (differ) CompareValues(values ...any) error {
	for i := 1; i < len(values); i++ {
		if values[i] == values[i-1] {
			return fmt.Errorf("value %d equals the previous one: %v", i, values[i])
		}
	}
	return nil
}

func TestAccWarehouseBastion_import(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("bas")
		config := bastionConfig(emu, cloudName, name, "172.20.0.0/20", admins("alice", adminKey(t, "alice@laptop")),
			`  idle_timeout = "30m"
  tags         = { owner = "data-office" }`)
		// OUTSCALE returns the user-data: the import recovers everything but
		// the write-only secret. OVHcloud returns none: the configuration is
		// taken as declared by the next apply, in place, and the host key
		// stays unknown.
		ignore := []string{"timeouts"}
		importAction := plancheck.ResourceActionNoop
		if cloudName == cloud.OVH {
			ignore = append(ignore, "admins", "mfa", "session_recording", "idle_timeout", "allowed_targets", "network_rules",
				"mode", "size", "image", "package_mirror", "host_public_key", "host_key_fingerprint", "known_hosts", "user_data_sha256", "tags",
				"tier_access")
			importAction = plancheck.ResourceActionUpdate
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{
				{Config: config},
				{
					Config:                  config,
					ResourceName:            bastionAddr,
					ImportState:             true,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: ignore,
				},
				{
					Config:             config,
					ResourceName:       bastionAddr,
					ImportState:        true,
					ImportStateKind:    resource.ImportBlockWithID,
					ExpectNonEmptyPlan: cloudName == cloud.OVH,
					ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(bastionAddr, importAction),
					}},
				},
			},
		})
	})
}

// terminate ends the bastion's VM behind Terraform's back, the way the
// cloud does when an operator terminates it: the VM goes through its
// terminating state, its address stays allocated.
func terminate(emu *emulator.Emulator, cloudName string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id := s.RootModule().Resources[bastionAddr].Primary.ID
		collection, field, value := "outscale.vms", "State", "shutting-down"
		if cloudName == cloud.OVH {
			collection, field, value = "ovh.instances", "status", "DELETING"
		}
		return editBastionObject(emu, collection, id, func(doc map[string]any) { doc[field] = value })
	}
}

// editBastionObject changes a stored object through the emulator's control API.
func editBastionObject(emu *emulator.Emulator, collection, id string, edit func(doc map[string]any)) error {
	ctx := context.Background()
	obj, found, err := emu.Control().Object(ctx, collection, id)
	if err != nil || !found {
		return fmt.Errorf("%s/%s: found=%v, %v", collection, id, found, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(obj.Doc, &doc); err != nil {
		return err
	}
	edit(doc)
	raw, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return emu.Control().PutObject(ctx, collection, id, raw)
}

// A VM deleted outside Terraform with the cloud package's own Delete (on
// OUTSCALE its address stays allocated; on OVHcloud its floating IP goes
// with it): the next plan replaces the bastion, releasing what the old one
// left, and nothing is orphaned.
func TestAccWarehouseBastion_disappears(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("bas")
		config := bastionConfig(emu, cloudName, name, "10.58.0.0/16", admins("alice", adminKey(t, "alice@laptop")), "")
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{
				{
					Config:             config,
					Check:              acctest.Disappear(emu, cloudName, bastionAddr),
					ExpectNonEmptyPlan: true,
				},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(bastionAddr, plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction("health_warehouse_network.test", plancheck.ResourceActionNoop),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("vm_state"), knownvalue.StringExact("running")),
					},
				},
			},
		})
	})
}

// A VM terminated outside Terraform, its address left allocated (and, on
// OVHcloud, still associated): the next plan replaces the bastion,
// releasing the address the old one left, and nothing is orphaned.
func TestAccWarehouseBastion_terminatedOutOfBand(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "terminates the VM through the control API, leaving its address as it was")
		emu := acctest.PrivateEmulator(t)
		config := bastionConfig(emu, cloudName, "wh-bg", "10.52.0.0/16", admins("alice", adminKey(t, "alice@laptop")), "")
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{
				{
					Config:             config,
					Check:              terminate(emu, cloudName),
					ExpectNonEmptyPlan: true,
				},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(bastionAddr, plancheck.ResourceActionReplace),
						plancheck.ExpectResourceAction("health_warehouse_network.test", plancheck.ResourceActionNoop),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("vm_state"), knownvalue.StringExact("running")),
					},
				},
			},
		})
	})
}

// A VM stopped and an address unlinked outside Terraform: the next plan
// updates the bastion in place, starting it and linking the address.
func TestAccWarehouseBastion_drift(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "stops the VM and unlinks its address through the control API")
		emu := acctest.PrivateEmulator(t)
		config := bastionConfig(emu, cloudName, "wh-bd", "10.53.0.0/16", admins("alice", adminKey(t, "alice@laptop")), "")
		ip := statecheck.CompareValue(compareValuesSame)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{
				{
					Config:             config,
					ConfigStateChecks:  []statecheck.StateCheck{ip.AddStateValue(bastionAddr, tfjsonpath.New("public_ip"))},
					Check:              stopAndUnlink(emu, cloudName),
					ExpectNonEmptyPlan: true,
				},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(bastionAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("vm_state"), knownvalue.StringExact("running")),
						plancheck.ExpectUnknownValue(bastionAddr, tfjsonpath.New("public_ip")),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("vm_state"), knownvalue.StringExact("running")),
						// The same address, linked again: known_hosts still holds.
						ip.AddStateValue(bastionAddr, tfjsonpath.New("public_ip")),
					},
				},
			},
		})
	})
}

var compareValuesSame = same{}

type same struct{}

func (same) CompareValues(values ...any) error {
	for i := 1; i < len(values); i++ {
		if values[i] != values[0] {
			return fmt.Errorf("value %d is %v, not %v", i, values[i], values[0])
		}
	}
	return nil
}

// stopAndUnlink stops the VM and unlinks its address as an operator would.
func stopAndUnlink(emu *emulator.Emulator, cloudName string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		attrs := s.RootModule().Resources[bastionAddr].Primary.Attributes
		id := attrs["id"]
		if cloudName == cloud.Outscale {
			if err := editBastionObject(emu, "outscale.vms", id, func(doc map[string]any) { doc["State"] = "stopped" }); err != nil {
				return err
			}
			return editBastionObject(emu, "outscale.public_ips", attrs["cloud_ids.public_ip"], func(doc map[string]any) {
				for _, k := range []string{"LinkPublicIpId", "VmId", "NicId", "NicAccountId", "PrivateIp"} {
					delete(doc, k)
				}
			})
		}
		if err := editBastionObject(emu, "ovh.instances", id, func(doc map[string]any) { doc["status"] = "SHUTOFF" }); err != nil {
			return err
		}
		return editBastionObject(emu, "ovh.floating_ips", attrs["cloud_ids.floating_ip"], func(doc map[string]any) {
			doc["associatedEntity"], doc["status"] = nil, "down"
		})
	}
}

// The known_hosts line the provider publishes pins the key the bastion
// received in its user-data, as the cloud stores it.
func TestAccWarehouseBastion_host_key_pinned(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "reads the user-data as the emulator stores it (OVHcloud's API never returns it)")
		emu := acctest.PrivateEmulator(t)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{{
				Config: bastionConfig(emu, cloudName, "wh-bk", "10.54.0.0/16", admins("alice", adminKey(t, "alice@laptop")), ""),
				Check:  hostKeyMatchesUserData(emu, cloudName),
			}},
		})
	})
}

func hostKeyMatchesUserData(emu *emulator.Emulator, cloudName string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		attrs := s.RootModule().Resources[bastionAddr].Primary.Attributes
		collection, field := "outscale.vms", "UserData"
		if cloudName == cloud.OVH {
			collection, field = "ovh.instances", "user_data"
		}
		obj, found, err := emu.Control().Object(context.Background(), collection, attrs["id"])
		if err != nil || !found {
			return fmt.Errorf("%s/%s: found=%v, %v", collection, attrs["id"], found, err)
		}
		var doc map[string]any
		if err := json.Unmarshal(obj.Doc, &doc); err != nil {
			return err
		}
		raw, _ := doc[field].(string)
		userData := []byte(raw)
		if cloudName == cloud.Outscale {
			if userData, err = base64.StdEncoding.DecodeString(raw); err != nil {
				return fmt.Errorf("the stored user-data is not base64: %w", err)
			}
		}
		rec, err := bastion.Recover(userData)
		if err != nil {
			return err
		}
		// The private key the VM got derives the public key the line pins.
		var parsed struct {
			SSHKeys struct {
				Private string `yaml:"ed25519_private"`
			} `yaml:"ssh_keys"`
		}
		if err := yaml.Unmarshal(userData, &parsed); err != nil {
			return err
		}
		signer, err := ssh.ParsePrivateKey([]byte(parsed.SSHKeys.Private))
		if err != nil {
			return fmt.Errorf("the user-data's host key: %w", err)
		}
		derived := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
		want := attrs["public_ip"] + "," + attrs["name"] + " " + derived
		if attrs["known_hosts"] != want || !strings.HasPrefix(rec.HostPublicKey, derived) {
			return fmt.Errorf("known_hosts is %q; the user-data's private key gives %q (its public key %q)",
				attrs["known_hosts"], want, rec.HostPublicKey)
		}
		if fp := ssh.FingerprintSHA256(signer.PublicKey()); attrs["host_key_fingerprint"] != fp {
			return fmt.Errorf("host_key_fingerprint is %s, the user-data's key is %s", attrs["host_key_fingerprint"], fp)
		}
		return nil
	}
}

func TestAccWarehouseBastion_bad_key(t *testing.T) {
	acctest.Acceptance(t)
	t.Parallel()
	for name, c := range map[string]struct {
		admins string
		want   []string
	}{
		"short RSA": {admins("alice", adminKey(t, "a"), "bob", weakRSAKey(t)),
			[]string{`The SSH key of the administrator "bob" (admins[1]) is refused`, "has 2048 bits, fewer than 3072",
				"RSA of at least 3072 bits"}},
		"private key": {admins("carol", "-----BEGIN OPENSSH PRIVATE KEY-----"),
			[]string{`"carol"`, "never the private key"}},
		"root": {admins("root", adminKey(t, "r")), []string{"admins[0].name", `"root" is an account the system`}},
		"fido2 without security keys": {admins("dave", adminKey(t, "d")) + "\n  mfa = \"fido2\"",
			[]string{`mfa = "fido2" needs FIDO2 security keys, but the key of "dave" is ssh-ed25519`}},
		"no second factor": {admins("erin", adminKey(t, "e")) + "\n  mfa = \"none\"",
			[]string{"Compliance Control HW-ADM-02 Failed", "mfa = none", "compliance_exceptions"}},
		"no recording": {admins("fay", adminKey(t, "f")) + "\n  session_recording = false",
			[]string{"Compliance Control HW-ADM-03 Failed", "session_recording = false"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: acctest.ProviderConfig(cloud.Outscale, "") + fmt.Sprintf(`
resource "health_warehouse_bastion" "test" {
  network_id    = "vpc-12345678"
  network_rules = []
  name          = "wh-bad"
  admins        = %s
}
`, c.admins),
					PlanOnly:    true,
					ExpectError: expectError(c.want...),
				}},
			})
		})
	}
}

// A create that fails once the VM and its address exist leaves a tainted
// bastion, which the next apply replaces; nothing of it survives destroy.
func TestAccWarehouseBastion_partial(t *testing.T) {
	failing := map[string]faults.Rule{
		cloud.Outscale: {Action: "outscale:LinkPublicIp", Nth: 1, Statuses: []int{400}},
		// The rename that ends the create, once the instance and its floating IP exist.
		cloud.OVH: {Action: "ovh:PUT /1.0/cloud/project/{serviceName}/instance/{instanceId}", Nth: 1, Statuses: []int{400}},
	}
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "injects a fault into the cloud's API")
		emu := acctest.PrivateEmulator(t)
		config := bastionConfig(emu, cloudName, "wh-bp", "10.55.0.0/16", admins("alice", adminKey(t, "alice@laptop")), "")
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{
				{
					PreConfig: func() {
						if _, err := emu.Control().AddFault(context.Background(), failing[cloudName]); err != nil {
							t.Fatal(err)
						}
					},
					Config:      config,
					ExpectError: regexp.MustCompile(`Unable to Create the Warehouse Bastion`),
				},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(bastionAddr, plancheck.ResourceActionReplace),
					}},
				},
			},
		})
	})
}

// A create and a destroy with every log at TRACE leave neither the host's
// private key, nor the user-data that carries it, nor the audit bucket's
// secret in the log or the state. Not parallel: TF_LOG is process-wide.
func TestAccWarehouseBastion_noSecretsInLogs(t *testing.T) {
	emulatorOnly(t, "searches the log for the emulator's seed secrets")
	const bucketSecret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
	needles := []string{
		"PRIVATE KEY",         // the host key in PEM form
		"I2Nsb3VkLWNvbmZpZw",  // "#cloud-config", base64-encoded as OUTSCALE takes it
		"ssh_keys:",           // the user-data in clear, as OVHcloud takes it
		"ed25519_private",     // its key's name
		bucketSecret,          // the write-only secret
		"b3BlbnNzaC1rZXktdjE", // "openssh-key-v1", the start of any OpenSSH private key's body
	}
	for _, cloudName := range acctest.Clouds {
		t.Run(cloudName, func(t *testing.T) {
			logPath := t.TempDir() + "/trace.log"
			t.Setenv("TF_ACC_LOG_PATH", logPath)
			t.Setenv("TF_ACC_LOG", "trace")
			t.Setenv("TF_LOG", "trace")
			t.Setenv("TF_LOG_PROVIDER", "trace")
			// The secret comes from the environment, as operators should pass it.
			t.Setenv("TF_VAR_audit_secret", bucketSecret)
			emu := acctest.PrivateEmulator(t)
			config := `
variable "audit_secret" {
  type      = string
  sensitive = true
}
` + bastionConfig(emu, cloudName, "wh-bl", "10.56.0.0/16", admins("alice", adminKey(t, "alice@laptop")), `
  audit_bucket = {
    bucket            = "wh-audit"
    access_key_id     = "AKIAWHAUDIT00000001"
    secret_access_key = var.audit_secret
  }`)
			scanState := func(s *terraform.State) error {
				for addr, rs := range s.RootModule().Resources {
					for k, v := range rs.Primary.Attributes {
						for _, n := range needles {
							if strings.Contains(v, n) {
								return fmt.Errorf("%s.%s holds %q", addr, k, n)
							}
						}
					}
				}
				return nil
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				// audit_bucket's secret is a write-only attribute.
				TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
				CheckDestroy:           acctest.CheckNothingLeft(emu, cloudName),
				Steps: []resource.TestStep{{
					Config: config,
					Check: resource.ComposeTestCheckFunc(scanState,
						resource.TestCheckResourceAttr(bastionAddr, "audit_bucket.bucket", "wh-audit"),
						resource.TestCheckNoResourceAttr(bastionAddr, "audit_bucket.secret_access_key")),
				}},
			})
			log, err := os.ReadFile(logPath)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{" API call", "tf_rpc=ApplyResourceChange"} {
				if !strings.Contains(string(log), want) {
					t.Fatalf("the log (%d bytes) lacks %q: it is not the trace the test asked for", len(log), want)
				}
			}
			for _, n := range needles {
				if i := strings.Index(string(log), n); i >= 0 {
					t.Fatalf("the TRACE log holds %q at byte %d: …%s…", n, i, string(log[max(0, i-200):min(len(log), i+100)]))
				}
			}
		})
	}
}

// New administrators' addresses change the network's rules in place and
// replace the bastion, whose firewall applies them from first boot on.
func TestAccWarehouseBastion_admin_cidrs_follow(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("bas")
		config := bastionConfig(emu, cloudName, name, "10.57.0.0/16", admins("alice", adminKey(t, "alice@laptop")), "")
		widened := strings.Replace(config, `admin_cidrs  = ["203.0.113.7/32"]`, `admin_cidrs  = ["203.0.113.7/32", "198.51.100.0/28"]`, 1)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{
				{Config: config},
				{
					Config: widened,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("health_warehouse_network.test", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(bastionAddr, plancheck.ResourceActionReplace),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(bastionAddr, tfjsonpath.New("network_rules"), knownvalue.ListSizeExact(21+apiRules(cloudName))),
					},
				},
			},
		})
	})
}
