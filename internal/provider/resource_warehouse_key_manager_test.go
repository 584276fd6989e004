package provider_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"

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
  name        = %[1]q
  cidr        = %[2]q
  admin_cidrs = ["203.0.113.7/32"]
}

resource "health_warehouse_key_manager" "test" {
  network_id    = health_warehouse_network.test.id
  network_rules = health_warehouse_network.test.rules
  name          = "%[1]s-kms"
%[3]s
}
`, name, cidr, extra)
}

// emulatedDoc reads an object of the emulator's store.
func emulatedDoc(emu *emulator.Emulator, collection, id string) (map[string]any, error) {
	obj, found, err := emu.Control().Object(context.Background(), collection, id)
	if err != nil || !found {
		return nil, fmt.Errorf("%s/%s: found=%v, %v", collection, id, found, err)
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
	doc, err := emulatedDoc(emu, "outscale.vms", vmID)
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
// at its private address, with no public address.
func checkServersInKMSTier(emu *emulator.Emulator, want int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
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
			vm, err := emulatedDoc(emu, "outscale.vms", n["id"])
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
					knownvalue.StringExact("wh-kb-kms-1")),
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
			checks = append(checks,
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("id"), knownvalue.StringExact(emulator.DefaultOVHOKMSID)),
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("nodes"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("address"),
					knownvalue.StringExact("https://"+emulator.DefaultOVHOKMSRegion+".okms.ovh.net")),
				// The emulated API carries no publicCa (unverified whether the real one always does).
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("ca_cert_pem"), knownvalue.Null()),
				statecheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("init_instructions"),
					knownvalue.StringRegexp(regexp.MustCompile(`OVHcloud holds`))),
			)
			check = func(*terraform.State) error {
				instances, err := emulatedDocs(emu, "ovh.instances")
				if err != nil || len(instances) > 0 {
					return fmt.Errorf("the key manager made %d instances on OVHcloud (%v): it must make none", len(instances), err)
				}
				return nil
			}
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{
				{
					Config: keyManagerConfig(emu, cloudName, "wh-kb", "10.60.0.0/16", ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(keyManagerAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(keyManagerAddr, tfjsonpath.New("backend"), knownvalue.StringExact(backendOf(cloudName))),
					}},
					ConfigStateChecks: checks,
					Check:             check,
				},
				{
					Config:            keyManagerConfig(emu, cloudName, "wh-kb", "10.60.0.0/16", "") + "\n",
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
