package provider_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"gopkg.in/yaml.v3"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
	"github.com/sovhealth/terraform-provider-health/internal/keymanager"
)

const keyManagerAddr = "health_warehouse_key_manager.test"

// keyManagerConfig is a warehouse network and a key manager in it, written
// the same for both clouds.
func keyManagerConfig(emu *emulator.Emulator, cloudName, name, cidr, extra string) string {
	return acctest.ProviderConfigAt(emu, cloudName) + keyManagerResources(name, cidr, extra)
}

func keyManagerResources(name, cidr, extra string) string {
	return fmt.Sprintf(`
resource "health_warehouse_network" "test" {
  name         = %[1]q
  cidr         = %[2]q
  admin_cidrs  = ["203.0.113.7/32"]
  egress_allow = `+firstBootEgress+`
}

resource "health_warehouse_key_manager" "test" {
  network_id    = health_warehouse_network.test.id
  network_rules = health_warehouse_network.test.rules
  name          = "%[1]s-kms"
%[3]s
}
`, name, cidr, extra)
}

// emulatedVM reads a VM of the emulator's OUTSCALE store.
func emulatedVM(emu *emulator.Emulator, id string) (map[string]any, error) {
	obj, found, err := emu.Control().Object(context.Background(), "outscale.vms", id)
	if err != nil || !found {
		return nil, fmt.Errorf("the VM %s: found=%v, %v", id, found, err)
	}
	var doc map[string]any
	return doc, json.Unmarshal(obj.Doc, &doc)
}

// emulatedDocs lists a collection of the emulator's store.
func emulatedDocs(emu *emulator.Emulator, collection string) ([]map[string]any, error) {
	objs, err := emu.Control().Objects(context.Background(), collection)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, o := range objs {
		var doc map[string]any
		if err := json.Unmarshal(o.Doc, &doc); err != nil {
			return nil, err
		}
		out = append(out, doc)
	}
	return out, nil
}

// stateNodes reads the nodes of the key manager from the state.
func stateNodes(s *terraform.State) ([]map[string]string, error) {
	rs, ok := s.RootModule().Resources[keyManagerAddr]
	if !ok {
		return nil, fmt.Errorf("%s is not in the state", keyManagerAddr)
	}
	a := rs.Primary.Attributes
	n, _ := strconv.Atoi(a["nodes.#"])
	out := make([]map[string]string, n)
	for i := range out {
		out[i] = map[string]string{}
		for _, k := range []string{"index", "id", "name", "private_ip", "vm_state"} {
			out[i][k] = a[fmt.Sprintf("nodes.%d.%s", i, k)]
		}
	}
	return out, nil
}

// serverUserData reads a server's user-data as the emulator stores it.
func serverUserData(emu *emulator.Emulator, vmID string) ([]byte, error) {
	doc, err := emulatedVM(emu, vmID)
	if err != nil {
		return nil, err
	}
	raw, _ := doc["UserData"].(string)
	return base64.StdEncoding.DecodeString(raw)
}

// serverTLS reads a server's certificate and key from its user-data.
func serverTLS(userData []byte) (certPEM, keyPEM string, err error) {
	var doc struct {
		WriteFiles []struct {
			Path    string `yaml:"path"`
			Content string `yaml:"content"`
		} `yaml:"write_files"`
	}
	if err := yaml.Unmarshal(userData, &doc); err != nil {
		return "", "", err
	}
	for _, f := range doc.WriteFiles {
		switch f.Path {
		case keymanager.PathServerCert:
			certPEM = f.Content
		case keymanager.PathServerKey:
			keyPEM = f.Content
		}
	}
	if certPEM == "" || keyPEM == "" {
		return "", "", fmt.Errorf("the user-data has no server certificate or key")
	}
	return certPEM, keyPEM, nil
}

// checkServersInKMSTier checks, in the emulator, that every server is a
// VM of the kms subnet, in the tier's and the cluster's security groups,
// at its private address, with no public address. Against real clouds
// (emu nil) it checks nothing: the cloud package does not read VMs' subnets
// and groups back.
func checkServersInKMSTier(emu *emulator.Emulator, want int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		if emu == nil {
			return nil
		}
		net := s.RootModule().Resources["health_warehouse_network.test"].Primary.Attributes
		km := s.RootModule().Resources[keyManagerAddr].Primary
		nodes, err := stateNodes(s)
		if err != nil {
			return err
		}
		if len(nodes) != want {
			return fmt.Errorf("%d nodes in the state, want %d", len(nodes), want)
		}
		for _, n := range nodes {
			vm, err := emulatedVM(emu, n["id"])
			if err != nil {
				return err
			}
			groups := []string{}
			sgs, _ := vm["SecurityGroups"].([]any)
			for _, g := range sgs {
				m, _ := g.(map[string]any)
				id, _ := m["SecurityGroupId"].(string)
				groups = append(groups, id)
			}
			slices.Sort(groups)
			wantGroups := []string{net["subnets.kms.security_group_id"], km.ID}
			slices.Sort(wantGroups)
			switch {
			case vm["SubnetId"] != net["subnets.kms.id"]:
				return fmt.Errorf("%s is in the subnet %v, not the kms subnet %s", n["name"], vm["SubnetId"], net["subnets.kms.id"])
			case !slices.Equal(groups, wantGroups):
				return fmt.Errorf("%s is in the groups %v, want %v", n["name"], groups, wantGroups)
			case vm["PrivateIp"] != n["private_ip"]:
				return fmt.Errorf("%s is at %v, the state says %s", n["name"], vm["PrivateIp"], n["private_ip"])
			case vm["PublicIp"] != nil && vm["PublicIp"] != "":
				return fmt.Errorf("%s has a public address %v", n["name"], vm["PublicIp"])
			}
		}
		// The network's NAT has an address; none is linked to a server.
		ips, err := emulatedDocs(emu, "outscale.public_ips")
		if err != nil {
			return err
		}
		for _, ip := range ips {
			if slices.ContainsFunc(nodes, func(n map[string]string) bool { return ip["VmId"] == n["id"] }) {
				return fmt.Errorf("the public IP %v is linked to the server %v", ip["PublicIp"], ip["VmId"])
			}
		}
		return nil
	}
}

func TestAccWarehouseKeyManager_basic(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("km")
		checks := []statecheck.StateCheck{
			statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("backend"), knownvalue.StringExact(backendOf(cloudName))),
			statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("servers"), knownvalue.Int64Exact(3)),
		}
		var check resource.TestCheckFunc
		if cloudName == cloud.Outscale {
			checks = append(checks,
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^sg-[0-9a-f]{8}$`))),
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("nodes"), knownvalue.ListSizeExact(3)),
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("nodes").AtSliceIndex(0).AtMapKey("name"),
					knownvalue.StringExact(name+"-kms-1")),
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("nodes").AtSliceIndex(2).AtMapKey("vm_state"),
					knownvalue.StringExact("running")),
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("address"),
					knownvalue.StringRegexp(regexp.MustCompile(`^https://10\.60\.\d+\.\d+:8200$`))),
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("ca_cert_pem"),
					knownvalue.StringRegexp(regexp.MustCompile(`^-----BEGIN CERTIFICATE-----\n`))),
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("init_instructions"),
					knownvalue.StringRegexp(regexp.MustCompile(`bao operator init -key-shares=5 -key-threshold=3`))),
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("cloud_ids"), knownvalue.MapSizeExact(4)),
			)
			check = resource.ComposeTestCheckFunc(checkServersInKMSTier(emu, 3), addressIsFirstServer, noPrivateKeyInState())
		} else {
			var okmsID, okmsAddress knownvalue.Check = knownvalue.StringExact(emulator.DefaultOVHOKMSID),
				knownvalue.StringExact("https://" + emulator.DefaultOVHOKMSRegion + ".okms.ovh.net")
			if acctest.RealCloud() {
				okmsID = knownvalue.StringExact(os.Getenv("OVH_OKMS_ID"))
				okmsAddress = knownvalue.StringRegexp(regexp.MustCompile(`^https://[a-z0-9-]+\.okms\.ovh\.net$`))
			}
			checks = append(checks,
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("id"), okmsID),
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("nodes"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("address"), okmsAddress),
				// OKMS's public CA, which the API gives only to ?publicCA=true.
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("ca_cert_pem"),
					knownvalue.StringRegexp(regexp.MustCompile(`^-----BEGIN CERTIFICATE-----\n`))),
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("init_instructions"),
					knownvalue.StringRegexp(regexp.MustCompile(`OVHcloud holds`))),
			)
			check = func(*terraform.State) error {
				if emu == nil {
					// The account is shared: no instance named after the key manager.
					c, err := acctest.Client(nil, cloudName)
					if err != nil {
						return err
					}
					instances, err := c.FindBastions(context.Background(), name)
					if err != nil || len(instances) > 0 {
						return fmt.Errorf("the key manager made %d instances on OVHcloud (%v): it must make none", len(instances), err)
					}
					return nil
				}
				instances, err := emulatedDocs(emu, "ovh.instances")
				if err != nil || len(instances) > 0 {
					return fmt.Errorf("the key manager made %d instances on OVHcloud (%v): it must make none", len(instances), err)
				}
				return nil
			}
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{
				{
					Config: keyManagerConfig(emu, cloudName, name, "10.60.0.0/16", ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyManagerAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("backend"), knownvalue.StringExact(backendOf(cloudName))),
					}},
					ConfigStateChecks: checks,
					Check:             check,
				},
				{
					Config:            keyManagerConfig(emu, cloudName, name, "10.60.0.0/16", "") + "\n",
					ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					ConfigStateChecks: checks[:2],
				},
			},
		})
	})
}

// addressIsFirstServer: address is https://<nodes[0].private_ip>:8200.
func addressIsFirstServer(s *terraform.State) error {
	a := s.RootModule().Resources[keyManagerAddr].Primary.Attributes
	if want := "https://" + a["nodes.0.private_ip"] + ":8200"; a["address"] != want {
		return fmt.Errorf("address is %q, want %q", a["address"], want)
	}
	return nil
}

// The CA certificate the state publishes verifies the server certificate
// each VM received in its user-data, as the cloud stores it, and that
// certificate names the server's private address.
func TestAccWarehouseKeyManager_tls_pinned(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "reads the servers' user-data as the emulator stores it")
		emu := acctest.PrivateEmulator(t)
		check := func(s *terraform.State) error {
			a := s.RootModule().Resources[keyManagerAddr].Primary.Attributes
			if cloudName == cloud.OVH {
				// Nothing is made: no certificate of the provider's to pin,
				// only the OKMS public CA the API publishes.
				if certs, err := keymanager.Certificates(a["ca_cert_pem"]); err != nil || len(certs) == 0 {
					return fmt.Errorf("ca_cert_pem on OVHcloud is %q, want the OKMS public CA (%v)", a["ca_cert_pem"], err)
				}
				return nil
			}
			return serversPinned(emu, s)
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{{
				Config: keyManagerConfig(emu, cloudName, "wh-kt", "10.61.0.0/16", "  servers = 5\n"),
				Check:  check,
			}},
		})
	})
}

// serversPinned checks every server's certificate against ca_cert_pem.
func serversPinned(emu *emulator.Emulator, s *terraform.State) error {
	a := s.RootModule().Resources[keyManagerAddr].Primary.Attributes
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(a["ca_cert_pem"])) {
		return fmt.Errorf("ca_cert_pem holds no certificate: %q", a["ca_cert_pem"])
	}
	nodes, err := stateNodes(s)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		userData, err := serverUserData(emu, n["id"])
		if err != nil {
			return err
		}
		certPEM, keyPEM, err := serverTLS(userData)
		if err != nil {
			return fmt.Errorf("%s: %w", n["name"], err)
		}
		pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
		if err != nil {
			return fmt.Errorf("%s: the key in the user-data is not the certificate's: %w", n["name"], err)
		}
		leaf, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			return err
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: n["private_ip"]}); err != nil {
			return fmt.Errorf("ca_cert_pem does not verify the certificate of %s for %s: %w", n["name"], n["private_ip"], err)
		}
		if !slices.ContainsFunc(leaf.IPAddresses, func(ip net.IP) bool { return ip.String() == n["private_ip"] }) {
			return fmt.Errorf("the certificate of %s names %v, not its address %s", n["name"], leaf.IPAddresses, n["private_ip"])
		}
		// The servers join each other at the addresses the state shows.
		rec, err := keymanager.Recover(userData)
		if err != nil {
			return err
		}
		if len(rec.Spec.Peers) != len(nodes) || rec.Spec.Node.IP != n["private_ip"] {
			return fmt.Errorf("%s's user-data names %d peers and the address %s", n["name"], len(rec.Spec.Peers), rec.Spec.Node.IP)
		}
	}
	return nil
}

func TestAccWarehouseKeyManager_import(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("km")
		config := keyManagerConfig(emu, cloudName, name, "10.62.0.0/16", `  servers = 1
  size    = "medium"
  tags    = { owner = "data-office" }`)
		// OUTSCALE: the group's tags and the servers' user-data give everything
		// back. OVHcloud: the OKMS knows nothing of the configuration; the next
		// apply takes it as declared, in place.
		ignore := []string{"timeouts"}
		importAction := plancheck.ResourceActionNoop
		if cloudName == cloud.OVH {
			ignore = append(ignore, "name", "network_id", "network_rules", "servers", "size", "tags")
			importAction = plancheck.ResourceActionUpdate
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{
				{Config: config},
				{
					Config:                  config,
					ResourceName:            keyManagerAddr,
					ImportState:             true,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: ignore,
				},
				{
					Config:             config,
					ResourceName:       keyManagerAddr,
					ImportState:        true,
					ImportStateKind:    resource.ImportBlockWithID,
					ExpectNonEmptyPlan: cloudName == cloud.OVH,
					ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyManagerAddr, importAction),
					}},
				},
			},
		})
	})
}

func TestAccWarehouseKeyManager_disappears(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		if cloudName == cloud.OVH {
			emulatorOnly(t, "on OVHcloud the key manager is the account's KMS: the emulator answers its read with a 404 (fault injection)")
		}
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("km")
		config := keyManagerConfig(emu, cloudName, name, "10.63.0.0/16", "  servers = 1\n")
		first := resource.TestStep{Config: config}
		if cloudName == cloud.Outscale {
			// The whole cluster deleted with the cloud package's own Delete:
			// its VMs and its security group are gone from the account.
			first.Check, first.ExpectNonEmptyPlan = acctest.Disappear(emu, cloudName, keyManagerAddr), true
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{
				first,
				{
					PreConfig: func() {
						if cloudName != cloud.OVH {
							return
						}
						rule := faults.Rule{Action: "ovh:GET /v2/okms/resource/{okmsId}", Nth: 1, Statuses: []int{404}}
						if _, err := emu.Control().AddFault(context.Background(), rule); err != nil {
							t.Fatal(err)
						}
					},
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyManagerAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("health_warehouse_network.test", plancheck.ResourceActionNoop),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("backend"), knownvalue.StringExact(backendOf(cloudName))),
					},
				},
			},
		})
	})
}

// A server terminated and another stopped outside Terraform: the next plan
// updates the key manager in place, making the first again at its address
// with a certificate from a new CA (added to ca_cert_pem) and starting the
// second; nothing else changes and the plan after is empty.
func TestAccWarehouseKeyManager_drift(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "terminates and stops servers through the control API")
		if cloudName == cloud.OVH {
			t.Skip("OVHcloud: the key manager is OVHcloud's KMS; the provider runs no server there that could drift")
		}
		emu := acctest.PrivateEmulator(t)
		config := keyManagerConfig(emu, cloudName, "wh-kd", "10.64.0.0/16", "")
		replacedID := statecheck.CompareValue(compareValuesDiffer)
		sameIP := statecheck.CompareValue(compareValuesSame)
		keptID := statecheck.CompareValue(compareValuesSame)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{
				{
					Config: config,
					ConfigStateChecks: []statecheck.StateCheck{
						replacedID.AddStateValue(keyManagerAddr, tfjsonpath.New("nodes").AtSliceIndex(1).AtMapKey("id")),
						sameIP.AddStateValue(keyManagerAddr, tfjsonpath.New("nodes").AtSliceIndex(1).AtMapKey("private_ip")),
						keptID.AddStateValue(keyManagerAddr, tfjsonpath.New("nodes").AtSliceIndex(2).AtMapKey("id")),
					},
					Check: func(s *terraform.State) error {
						nodes, err := stateNodes(s)
						if err != nil {
							return err
						}
						if err := editBastionObject(emu, "outscale.vms", nodes[1]["id"], func(doc map[string]any) { doc["State"] = "shutting-down" }); err != nil {
							return err
						}
						return editBastionObject(emu, "outscale.vms", nodes[2]["id"], func(doc map[string]any) { doc["State"] = "stopped" })
					},
					ExpectNonEmptyPlan: true,
				},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyManagerAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(keyManagerAddr, tfjsonpath.New("nodes").AtSliceIndex(1).AtMapKey("id")),
						plancheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("nodes").AtSliceIndex(2).AtMapKey("vm_state"),
							knownvalue.StringExact("running")),
						plancheck.ExpectUnknownValue(keyManagerAddr, tfjsonpath.New("ca_cert_pem")),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						replacedID.AddStateValue(keyManagerAddr, tfjsonpath.New("nodes").AtSliceIndex(1).AtMapKey("id")),
						sameIP.AddStateValue(keyManagerAddr, tfjsonpath.New("nodes").AtSliceIndex(1).AtMapKey("private_ip")),
						keptID.AddStateValue(keyManagerAddr, tfjsonpath.New("nodes").AtSliceIndex(2).AtMapKey("id")),
						statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("nodes").AtSliceIndex(1).AtMapKey("vm_state"),
							knownvalue.StringExact("running")),
						statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("nodes").AtSliceIndex(2).AtMapKey("vm_state"),
							knownvalue.StringExact("running")),
					},
					Check: resource.ComposeTestCheckFunc(
						checkServersInKMSTier(emu, 3),
						func(s *terraform.State) error { return serversPinned(emu, s) },
						func(s *terraform.State) error {
							certs, err := keymanager.Certificates(s.RootModule().Resources[keyManagerAddr].Primary.Attributes["ca_cert_pem"])
							if err != nil || len(certs) != 2 {
								return fmt.Errorf("ca_cert_pem holds %d CAs (%v), want the first and the replacement's", len(certs), err)
							}
							return nil
						}),
				},
				{
					Config:           config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
			},
		})
	})
}

// A create that fails once the cluster's group and a first server exist
// leaves a tainted key manager, which the next apply replaces; nothing of
// it survives destroy. On OVHcloud, where nothing is made, a failure leaves
// nothing and the next apply creates.
func TestAccWarehouseKeyManager_partial(t *testing.T) {
	failing := map[string]faults.Rule{
		cloud.Outscale: {Action: "outscale:CreateVms", Nth: 2, Statuses: []int{400}},
		cloud.OVH:      {Action: "ovh:GET /v2/okms/resource/{okmsId}", Nth: 1, Statuses: []int{400}},
	}
	next := map[string]plancheck.ResourceActionType{
		cloud.Outscale: plancheck.ResourceActionDestroyBeforeCreate,
		cloud.OVH:      plancheck.ResourceActionCreate,
	}
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "injects a fault into the cloud's API")
		emu := acctest.PrivateEmulator(t)
		config := keyManagerConfig(emu, cloudName, "wh-kp", "10.65.0.0/16", "")
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{
				{
					// The network calls neither: the fault hits the key manager.
					PreConfig: func() {
						if _, err := emu.Control().AddFault(context.Background(), failing[cloudName]); err != nil {
							t.Fatal(err)
						}
					},
					Config:      config,
					ExpectError: regexp.MustCompile(`Unable to Create the Warehouse Key Manager wh-kp-kms`),
				},
				{
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyManagerAddr, next[cloudName]),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("backend"), knownvalue.StringExact(backendOf(cloudName))),
					},
					Check: func(s *terraform.State) error {
						if cloudName == cloud.OVH {
							return nil
						}
						// Only the new cluster's objects remain: its group and three VMs.
						vms, err := emulatedDocs(emu, "outscale.vms")
						if err != nil || len(vms) != 3 {
							return fmt.Errorf("%d VMs in the account (%v), want the new cluster's 3", len(vms), err)
						}
						return checkServersInKMSTier(emu, 3)(s)
					},
				},
			},
		})
	})
}

// Bad input stops the plan, naming the attribute and the rule.
func TestAccWarehouseKeyManager_invalidInput(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		for _, c := range []struct {
			extra string
			want  []string
		}{
			{`  servers = 2`, []string{"Invalid Number of Key Manager Servers", "servers: 2 is not 1, 3 or 5", "splits votes"}},
			{`  servers = 7`, []string{"Invalid Number of Key Manager Servers", "servers: 7 is not 1, 3 or 5"}},
			{`  size = "huge"`, []string{"Invalid Key Manager Size", `size: "huge" is neither a size`}},
			{`  tags = { Name = "mine" }`, []string{"Reserved Tag Key", `the key "Name" is reserved`}},
			{`  compliance_exceptions = [{ control = "HW-KEY-02", justification = "no" }]`,
				[]string{"Invalid Compliance Exception", "does not concern health_warehouse_key_manager"}},
		} {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      acctest.ProviderConfig(cloudName, "") + keyManagerResources("wh-kx", "10.66.0.0/16", c.extra),
					PlanOnly:    true,
					ExpectError: expectError(c.want...),
				}},
			})
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: acctest.ProviderConfig(cloudName, "") + strings.Replace(keyManagerResources("wh-kx", "10.66.0.0/16", ""),
					`name          = "wh-kx-kms"`, `name          = "Cohort_KMS"`, 1),
				PlanOnly:    true,
				ExpectError: expectError("Invalid Key Manager Name", `"Cohort_KMS" is not a key manager name`),
			}},
		})
	})
}

// Without kms_id, the OVHcloud key manager fails at its first call with a
// diagnostic naming the setting. Not parallel: it hides the environment
// variable.
func TestAccWarehouseKeyManager_missingKMSID(t *testing.T) {
	emulatorOnly(t, "edits the emulator's provider block")
	t.Setenv("OVH_OKMS_ID", "")
	var kept []string
	for _, line := range strings.Split(acctest.ProviderConfig(cloud.OVH, ""), "\n") {
		if !strings.Contains(line, "kms_id") {
			kept = append(kept, line)
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      strings.Join(kept, "\n") + keyManagerResources("wh-kn", "10.67.0.0/16", ""),
			ExpectError: expectError("Missing Key Manager Settings", "ovh.kms_id", "OVH_OKMS_ID", "Control Panel"),
		}},
	})
}

// tlsFront serves, over TLS with a certificate set later, what the handler
// answers: the test's stand-in for the OpenBao cluster's address.
type tlsFront struct {
	URL    string
	cert   atomic.Pointer[tls.Certificate]
	served atomic.Int64
}

func startTLSFront(t *testing.T, backend string) *tlsFront {
	t.Helper()
	target, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	f := &tlsFront{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsLn := tls.NewListener(ln, &tls.Config{MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			if c := f.cert.Load(); c != nil {
				return c, nil
			}
			return nil, fmt.Errorf("no certificate yet")
		}})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.served.Add(1)
		proxy.ServeHTTP(w, r)
	}), ReadHeaderTimeout: time.Minute}
	go func() { _ = srv.Serve(tlsLn) }()
	t.Cleanup(func() { _ = srv.Close() })
	f.URL = "https://" + ln.Addr().String()
	return f
}

// The flow the documentation describes, in one configuration: the first
// apply makes the network and the key manager; the custodians initialise
// it (here, the emulator's OpenBao stands for the initialised cluster); the
// second apply configures a provider from the key manager's outputs and
// makes a key in it. On OUTSCALE that provider reaches OpenBao over TLS at
// an address served with the first server's own certificate and key (from
// its user-data), trusting only the key manager's ca_cert_pem: the CA the
// state publishes is what a client needs, and enough.
func TestAccWarehouseKeyManager_flow(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "stands the emulator's OpenBao in for the initialised cluster")
		emu := acctest.PrivateEmulator(t)
		front := startTLSFront(t, emu.OpenBaoAddress())
		stage1 := keyManagerConfig(emu, cloudName, "wh-kf", "10.68.0.0/16", "")
		// The second provider block: the harness serves one configuration per
		// provider name, so it is "healthalt" here, an alias of "health" in real use.
		second := strings.Replace(acctest.ProviderConfigAt(emu, cloudName), `provider "health" {`,
			`provider "`+acctest.AlternateProvider+`" {`, 1)
		if cloudName == cloud.Outscale {
			second = regexp.MustCompile(`kms_address\s+= "[^"]*"`).ReplaceAllString(second,
				fmt.Sprintf("kms_address = %q\n    kms_ca_cert = health_warehouse_key_manager.test.ca_cert_pem", front.URL))
		}
		stage2 := stage1 + second + `
resource "health_warehouse_kms_key" "test" {
  provider            = ` + acctest.AlternateProvider + `
  name                = "wh-kf-data"
  deletion_protection = false
  compliance_exceptions = [{ control = "HW-KEY-02", justification = "test key, destroyed at the end of the test" }]

  depends_on = [health_warehouse_key_manager.test]
}
`
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactoriesWithAlternate,
			CheckDestroy:             checkKeysGone(emu, cloudName, "wh-kf"),
			Steps: []resource.TestStep{
				{
					Config: stage1,
					Check: func(s *terraform.State) error {
						if cloudName != cloud.Outscale {
							return nil
						}
						nodes, err := stateNodes(s)
						if err != nil {
							return err
						}
						userData, err := serverUserData(emu, nodes[0]["id"])
						if err != nil {
							return err
						}
						certPEM, keyPEM, err := serverTLS(userData)
						if err != nil {
							return err
						}
						pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
						if err != nil {
							return err
						}
						front.cert.Store(&pair)
						return nil
					},
				},
				{
					Config: stage2,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyManagerAddr, plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionCreate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("backend"), knownvalue.StringExact(backendOf(cloudName))),
					},
					Check: func(s *terraform.State) error {
						coll := collTransitKeys
						if cloudName == cloud.OVH {
							coll = collOKMSKeys
						}
						keys, err := emu.Control().Objects(context.Background(), coll)
						if err != nil || len(keys) != 1 {
							return fmt.Errorf("%d keys in %s (%v), want the one the second apply made", len(keys), coll, err)
						}
						if cloudName == cloud.Outscale && front.served.Load() == 0 {
							return fmt.Errorf("the key was made without going through the key manager's TLS address")
						}
						return nil
					},
				},
			},
		})
	})
}

// needleFinder finds private key material in a text: fixed markers of the
// forms it takes (PEM, the user-data in clear or base64-encoded as OUTSCALE
// takes it, OpenSSH's key format) and the bodies of the keys the test saw
// the provider make.
type needleFinder struct {
	markers []string
	keys    []string // lines of the made keys' base64 bodies
}

var keyManagerMarkers = []string{
	"PRIVATE KEY",         // any PEM private key: the servers' TLS keys, the SSH host keys
	"I2Nsb3VkLWNvbmZpZw",  // "#cloud-config", base64-encoded: the user-data as CreateVms takes it
	"ssh_keys:",           // the user-data in clear
	"ed25519_private",     // the host key's field in the user-data
	"b3BlbnNzaC1rZXktdjE", // "openssh-key-v1", the start of any OpenSSH private key's body
	"server-key.pem",      // the TLS key's file in the user-data
}

// addKey records the body lines of a PEM private key the provider made.
func (f *needleFinder) addKey(pemText string) {
	for _, line := range strings.Split(pemText, "\n") {
		if len(line) >= 40 && !strings.HasPrefix(line, "-----") {
			f.keys = append(f.keys, line)
		}
	}
}

// find describes each finding, never the secret itself.
func (f *needleFinder) find(text string) []string {
	var found []string
	for _, m := range f.markers {
		if i := strings.Index(text, m); i >= 0 {
			found = append(found, fmt.Sprintf("the marker %q at byte %d", m, i))
		}
	}
	for i, k := range f.keys {
		if j := strings.Index(text, k); j >= 0 {
			found = append(found, fmt.Sprintf("line %d of a private key the provider made, at byte %d", i, j))
		}
	}
	return found
}

// noNeedleInPlan is a plan check: the plan holds no key material.
type noNeedleInPlan struct{ f *needleFinder }

func (c noNeedleInPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	raw, err := json.Marshal(req.Plan)
	if err != nil {
		resp.Error = err
		return
	}
	if got := c.f.find(string(raw)); len(got) > 0 {
		resp.Error = fmt.Errorf("the plan holds %v", got)
	}
}

// A create, the replacement of a terminated server and a destroy, with
// every log at TRACE, leave no private key (the servers' TLS keys, their
// SSH host keys, the CA's, which never leaves the provider's memory) in the
// plan, the state or the log. Not parallel: TF_LOG is process-wide.
func TestAccWarehouseKeyManager_noSecretsInLogs(t *testing.T) {
	emulatorOnly(t, "searches the log for the emulator's seed secrets")
	// The scan can fail: each kind of needle planted in a clean log is found.
	probe := &needleFinder{markers: keyManagerMarkers}
	_, caKey := keymanagerTestKey(t)
	probe.addKey(caKey)
	clean := `2026-12-01T09:00:00Z [DEBUG] provider: OUTSCALE API call: action=CreateVms status=200 vm=i-12345678 ` +
		`ca_cert_pem="-----BEGIN CERTIFICATE-----\nMIIBkTCCATegAwIBAgIQ..."`
	if got := probe.find(clean); len(got) != 0 {
		t.Fatalf("the scan flags a clean log: %v", got)
	}
	for name, needle := range map[string]string{
		"TLS key":          caKey,
		"TLS key, escaped": strings.ReplaceAll(caKey, "\n", `\n`),
		"user-data":        base64.StdEncoding.EncodeToString([]byte("#cloud-config\nhostname: x\n")),
		"SSH host key":     "ssh_keys:\n  ed25519_private: |\n",
		"OpenSSH body":     "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",
	} {
		if got := probe.find(clean + " " + needle); len(got) == 0 {
			t.Fatalf("the scan misses a planted %s", name)
		}
	}

	for _, cloudName := range acctest.Clouds {
		t.Run(cloudName, func(t *testing.T) {
			logPath := t.TempDir() + "/trace.log"
			t.Setenv("TF_ACC_LOG_PATH", logPath)
			t.Setenv("TF_ACC_LOG", "trace")
			t.Setenv("TF_LOG", "trace")
			t.Setenv("TF_LOG_PROVIDER", "trace")
			emu := acctest.PrivateEmulator(t)
			config := keyManagerConfig(emu, cloudName, "wh-kl", "10.69.0.0/16", "")
			finder := &needleFinder{markers: keyManagerMarkers}
			// collect records the keys the servers received.
			collect := func(s *terraform.State) error {
				if cloudName != cloud.Outscale {
					return nil
				}
				nodes, err := stateNodes(s)
				if err != nil {
					return err
				}
				for _, n := range nodes {
					userData, err := serverUserData(emu, n["id"])
					if err != nil {
						return err
					}
					_, keyPEM, err := serverTLS(userData)
					if err != nil {
						return err
					}
					finder.addKey(keyPEM)
					var doc struct {
						SSHKeys struct {
							Private string `yaml:"ed25519_private"`
						} `yaml:"ssh_keys"`
					}
					if err := yaml.Unmarshal(userData, &doc); err != nil || doc.SSHKeys.Private == "" {
						return fmt.Errorf("no host key in the user-data of %s (%v)", n["name"], err)
					}
					finder.addKey(doc.SSHKeys.Private)
				}
				return nil
			}
			scanState := func(s *terraform.State) error {
				for addr, rs := range s.RootModule().Resources {
					for k, v := range rs.Primary.Attributes {
						if got := finder.find(v); len(got) > 0 {
							return fmt.Errorf("%s.%s holds %v", addr, k, got)
						}
					}
				}
				return nil
			}
			first := resource.TestStep{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{noNeedleInPlan{finder}}},
				Check:            resource.ComposeTestCheckFunc(collect, scanState),
			}
			steps := []resource.TestStep{first}
			if cloudName == cloud.Outscale {
				steps[0].Check = resource.ComposeTestCheckFunc(collect, scanState, func(s *terraform.State) error {
					nodes, err := stateNodes(s)
					if err != nil {
						return err
					}
					return editBastionObject(emu, "outscale.vms", nodes[0]["id"], func(doc map[string]any) { doc["State"] = "shutting-down" })
				})
				steps[0].ExpectNonEmptyPlan = true
				steps = append(steps, resource.TestStep{
					Config:           config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{noNeedleInPlan{finder}}},
					Check:            resource.ComposeTestCheckFunc(collect, scanState),
				})
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
				CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
				Steps:                    steps,
			})
			log, err := os.ReadFile(logPath)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{" API call", "tf_rpc=ApplyResourceChange", "tf_rpc=ReadResource"} {
				if !strings.Contains(string(log), want) {
					t.Fatalf("the log (%d bytes) lacks %q: it is not the trace the test asked for", len(log), want)
				}
			}
			if cloudName == cloud.Outscale && len(finder.keys) < 4*8 {
				t.Fatalf("only %d key lines collected: the scan would prove little", len(finder.keys))
			}
			if got := finder.find(string(log)); len(got) > 0 {
				t.Fatalf("the TRACE log holds %v", got)
			}
		})
	}
}

// keymanagerTestKey makes a CA and a server key the way the provider does,
// for the scan's self-check.
func keymanagerTestKey(t *testing.T) (string, string) {
	t.Helper()
	node := keymanager.Node{Index: 1, Name: "wh-probe-1", IP: "10.0.3.10"}
	ca, err := keymanager.NewCA("wh-probe", []keymanager.Node{node}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := ca.Issue(node, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// Tags and the network's rules change in place; what shapes the servers
// replaces an OpenBao cluster (the plan warns that its keys go with it),
// and changes nothing but the state on OVHcloud, where no server exists.
func TestAccWarehouseKeyManager_update(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emu := acctest.PrivateEmulator(t)
		name := acctest.RandomName("km")
		base := keyManagerConfig(emu, cloudName, name, "10.70.0.0/16", "  servers = 1\n")
		tagged := keyManagerConfig(emu, cloudName, name, "10.70.0.0/16", "  servers = 1\n  tags = { owner = \"data-office\" }\n")
		widened := strings.Replace(tagged, `admin_cidrs  = ["203.0.113.7/32"]`, `admin_cidrs  = ["203.0.113.7/32", "198.51.100.0/28"]`, 1)
		resized := strings.Replace(widened, "  servers = 1\n", "  servers = 1\n  size    = \"medium\"\n", 1)
		resizeAction := plancheck.ResourceActionDestroyBeforeCreate
		if cloudName == cloud.OVH {
			resizeAction = plancheck.ResourceActionUpdate
		}
		vmTagged := func(s *terraform.State) error {
			if cloudName != cloud.Outscale || emu == nil {
				return nil // the cloud package does not read a server's own tags back
			}
			nodes, err := stateNodes(s)
			if err != nil {
				return err
			}
			vm, err := emulatedVM(emu, nodes[0]["id"])
			if err != nil {
				return err
			}
			tags, _ := vm["Tags"].([]any)
			for _, tag := range tags {
				if m, _ := tag.(map[string]any); m["Key"] == "owner" && m["Value"] == "data-office" {
					return nil
				}
			}
			return fmt.Errorf("the server's VM is not tagged owner=data-office: %v", tags)
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckDestroy(emu, cloudName, name),
			Steps: []resource.TestStep{
				{Config: base},
				{
					Config: tagged,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyManagerAddr, plancheck.ResourceActionUpdate),
					}},
					Check: vmTagged,
				},
				{
					Config: widened,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("health_warehouse_network.test", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(keyManagerAddr, plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("network_rules"), knownvalue.ListSizeExact(21+apiRules(cloudName))),
					},
				},
				{
					Config: resized,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyManagerAddr, resizeAction),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("size"), knownvalue.StringExact("medium")),
					},
					Check: func(s *terraform.State) error {
						if cloudName != cloud.Outscale {
							return nil
						}
						// The server as the cloud package reads it back.
						c, err := acctest.Client(emu, cloudName)
						if err != nil {
							return err
						}
						rs := s.RootModule().Resources[keyManagerAddr].Primary
						k, err := c.ReadKeyManager(context.Background(), cloud.KeyManagerCluster{ID: rs.ID, CloudIDs: acctest.CloudIDs(rs.Attributes)})
						if want := cloud.BastionType(cloud.Outscale, cloud.SizeMedium); err != nil || len(k.Nodes) != 1 || k.Nodes[0].Type != want {
							return fmt.Errorf("the new servers are %+v (%v), want one %s", k.Nodes, err, want)
						}
						return nil
					},
				},
			},
		})
	})
}
