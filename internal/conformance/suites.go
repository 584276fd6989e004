package conformance

import (
	"context"
	"crypto/sha1" //nolint:gosec // go-ovh's "$1$" signature is SHA-1, as the API defines it
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/outscale"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/ovh"
)

// Suites are the official providers, pinned, and the acceptance tests of
// theirs that cover what the emulator emulates.
func Suites() []Suite {
	return []Suite{outscaleSuite(), ovhSuite()}
}

// TargetOf describes emu to the suites: its URL and the seed's
// identifiers and credentials.
func TargetOf(emu *emulator.Emulator) Target {
	cfg := emu.Config()
	v := map[string]string{}
	if len(cfg.Outscale.Accounts) > 0 {
		a := cfg.Outscale.Accounts[0]
		v["osc_access_key"], v["osc_secret_key"], v["osc_region"], v["osc_account_id"] = a.AccessKey, a.SecretKey, a.Region, a.AccountID
		v["osc_image_id"] = outscale.PublicImageID(a.Region, outscale.DefaultImageName)
	}
	if len(cfg.OVH.Accounts) > 0 {
		a := cfg.OVH.Accounts[0]
		v["ovh_application_key"], v["ovh_application_secret"], v["ovh_consumer_key"] = a.ApplicationKey, a.ApplicationSecret, a.ConsumerKey
		if len(a.Projects) > 0 {
			p := a.Projects[0]
			v["ovh_project"] = p.ID
			if len(p.Regions) > 0 {
				v["ovh_region"] = p.Regions[0]
			}
		}
		if len(a.OKMS) > 0 {
			v["ovh_okms_id"], v["ovh_okms_region"] = a.OKMS[0].ID, a.OKMS[0].Region
		}
	}
	return Target{URL: emu.URL(), Values: v}
}

// WarehouseOf is cloud's warehouse configuration, checked against emu.
func WarehouseOf(cloud string, emu *emulator.Emulator) Warehouse {
	snapshot := func(ctx context.Context) (map[string]bool, error) {
		objects, err := emu.Control().Objects(ctx, cloud+".")
		if err != nil {
			return nil, err
		}
		ids := map[string]bool{}
		for _, o := range objects {
			ids[o.Collection+"/"+o.ID] = true
		}
		return ids, nil
	}
	wh := Warehouse{
		Dir:      filepath.Join(packageDir(), "testdata", "warehouse-"+cloud),
		Snapshot: snapshot,
		Empty: func(ctx context.Context, before map[string]bool) ([]string, error) {
			now, err := snapshot(ctx)
			if err != nil {
				return nil, err
			}
			var left []string
			for id := range now {
				if !before[id] {
					left = append(left, id)
				}
			}
			sort.Strings(left)
			return left, nil
		},
		ImportID: func(_ string, attrs map[string]any) string { return fmt.Sprint(attrs["id"]) },
	}
	switch cloud {
	case "outscale":
		wh.ImportID = outscaleImportID
		wh.NotImported = map[string]string{
			"outscale_keypair":                           "ReadKeypairs never returns a key pair's public key, so an imported one cannot match public_key",
			"outscale_security_group_rule.between_tiers": "the provider imports rules from an IP range only (its docs), not from another group",
		}
		wh.Vars = func(t Target) map[string]string {
			return map[string]string{"image_id": t.Values["osc_image_id"], "region": t.Values["osc_region"]}
		}
	case "ovh":
		wh.Vars = func(t Target) map[string]string {
			region := t.Values["ovh_region"]
			return map[string]string{"project": t.Values["ovh_project"], "region": region, "okms_id": t.Values["ovh_okms_id"],
				"image_id": ovh.PublicImageID(region, "Debian 12"), "flavor_id": ovh.PublicFlavorID(region, "b3-8")}
		}
		wh.ImportID = ovhImportID
		noImporter := "the provider's resource has no importer"
		wh.NotImported = map[string]string{
			"ovh_cloud_project_ssh_key":  noImporter,
			"ovh_cloud_project_instance": noImporter,
			"ovh_okms_service_key":       noImporter,
		}
	}
	return wh
}

// packageDir is this package's directory in the source tree.
func packageDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

func outscaleSuite() Suite {
	return Suite{
		Cloud:   "outscale",
		Module:  "github.com/outscale/terraform-provider-outscale",
		Version: "v1.8.0",
		Package: "./outscale",
		Address: "registry.terraform.io/outscale/outscale",
		// The provider's own precheck reads these (outscale/provider_test.go);
		// OSC_ENDPOINT_API carries the /api/v1 path, as osc-sdk-go v3's
		// profile does.
		Env: func(t Target) map[string]string {
			v := t.Values
			return map[string]string{
				"OSC_ACCESS_KEY": v["osc_access_key"], "OSC_SECRET_KEY": v["osc_secret_key"],
				"OSC_REGION": v["osc_region"], "OSC_ACCOUNT_ID": v["osc_account_id"],
				"OSC_IMAGE_ID": v["osc_image_id"], "OUTSCALE_IMAGEID": v["osc_image_id"],
				"OSC_ENDPOINT_API": t.URL + "/api/v1",
			}
		},
		Cases: outscaleCases,
		// Several of the tests' configurations name the Subregion
		// eu-west-2a, and some boot VMs with the key pair terraform-basic.
		Seed: func(cfg *emulator.Config) {
			for i := range cfg.Outscale.Accounts {
				cfg.Outscale.Accounts[i].Region = "eu-west-2"
			}
		},
		Prepare: func(ctx context.Context, t Target) error {
			return oapiCall(ctx, t, "CreateKeypair", `{"KeypairName":"terraform-basic"}`)
		},
	}
}

func ovhSuite() Suite {
	return Suite{
		Cloud:   "ovh",
		Module:  "github.com/ovh/terraform-provider-ovh/v2",
		Version: "v2.19.0",
		Package: "./ovh",
		Address: "registry.terraform.io/ovh/ovh",
		// go-ovh takes a URL as its endpoint; the tests' prechecks read the
		// project and region from these variables.
		Env: func(t Target) map[string]string {
			v := t.Values
			return map[string]string{
				"OVH_ENDPOINT": t.URL + "/1.0", "OVH_APPLICATION_KEY": v["ovh_application_key"],
				"OVH_APPLICATION_SECRET": v["ovh_application_secret"], "OVH_CONSUMER_KEY": v["ovh_consumer_key"],
				"OVH_CLOUD_PROJECT_SERVICE_TEST": v["ovh_project"], "OVH_CLOUD_PROJECT_REGION_TEST": "GRA11",
				"OVH_CLOUD_PROJECT_SSH_NAME_TEST": ovhTestSSHKey, "OVH_ATTACH_VRACK": "0",
				"OVH_OKMS": v["ovh_okms_id"],
			}
		},
		Cases: ovhCases,
		// The tests' configurations name GRA, GRA9 and GRA11; one boots an
		// instance with an SSH key that must exist already.
		Seed: func(cfg *emulator.Config) {
			for i := range cfg.OVH.Accounts {
				for j := range cfg.OVH.Accounts[i].Projects {
					p := &cfg.OVH.Accounts[i].Projects[j]
					for _, r := range []string{"GRA", "GRA9", "GRA11"} {
						if !slices.Contains(p.Regions, r) {
							p.Regions = append(p.Regions, r)
						}
					}
				}
			}
		},
		Prepare: func(ctx context.Context, t Target) error {
			body := fmt.Sprintf(`{"name":%q,"publicKey":"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG8lRxKwBlHoOg3vNlRfBDQzGGhEZYh1vJgoOSjAfA8O conformance"}`, ovhTestSSHKey)
			return ovhCall(ctx, t, http.MethodPost, "/cloud/project/"+t.Values["ovh_project"]+"/sshkey", body)
		},
	}
}

// ovhTestSSHKey is the SSH key the OVHcloud tests expect to find.
const ovhTestSSHKey = "conformance-key"

// ovhCall makes one OVHcloud API call signed with the application key and
// the consumer key ("$1$" + SHA-1), as go-ovh signs it.
func ovhCall(ctx context.Context, t Target, method, path, body string) error {
	url := t.URL + "/1.0" + path
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := sha1.Sum([]byte(strings.Join([]string{t.Values["ovh_application_secret"], t.Values["ovh_consumer_key"],
		method, url, body, ts}, "+")))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Ovh-Application", t.Values["ovh_application_key"])
	req.Header.Set("X-Ovh-Consumer", t.Values["ovh_consumer_key"])
	req.Header.Set("X-Ovh-Timestamp", ts)
	req.Header.Set("X-Ovh-Signature", "$1$"+hex.EncodeToString(sum[:]))
	return send(req, path)
}

// send does req and fails unless the API answered 200.
func send(req *http.Request, what string) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d: %s", what, resp.StatusCode, answer)
	}
	return nil
}

// outscaleImportID is the id each OUTSCALE resource's importer parses
// (the "Import" sections of the provider's docs/resources/*.md).
func outscaleImportID(typ string, attrs map[string]any) string {
	get := func(k string) string { return fmt.Sprint(attrs[k]) }
	switch typ {
	case "outscale_route":
		return get("route_table_id") + "_" + get("destination_ip_range")
	case "outscale_route_table_link":
		return get("route_table_id") + "_" + get("link_route_table_id")
	case "outscale_public_ip_link":
		return get("link_public_ip_id")
	case "outscale_internet_service_link":
		return get("internet_service_id")
	case "outscale_keypair":
		return get("keypair_name")
	case "outscale_security_group_rule":
		return securityGroupRuleImportID(attrs)
	}
	return get("id")
}

// securityGroupRuleImportID is SecurityGroupId_flow_IpProtocol_From_To_IpRange
// for a rule given by its top-level arguments; a rule given as "rules"
// blocks (between groups) is imported by its id.
func securityGroupRuleImportID(attrs map[string]any) string {
	get := func(k string) string { return fmt.Sprint(attrs[k]) }
	if r, _ := attrs["ip_range"].(string); r != "" {
		return strings.Join([]string{get("security_group_id"), strings.ToLower(get("flow")), get("ip_protocol"),
			get("from_port_range"), get("to_port_range"), r}, "_")
	}
	return get("id")
}

// oapiCall makes one signed OUTSCALE API call, as osc-sdk-go signs it.
func oapiCall(ctx context.Context, t Target, action, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL+"/api/v1/"+action, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: t.Values["osc_access_key"], SecretAccessKey: t.Values["osc_secret_key"]}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "oapi", t.Values["osc_region"], time.Now()); err != nil {
		return err
	}
	return send(req, action)
}

// ovhImportID is the id each OVHcloud resource's importer parses (the
// "Import" sections of the provider's docs/resources/*.md): the project,
// then the object's own ids, joined by "/".
func ovhImportID(typ string, attrs map[string]any) string {
	get := func(k string) string { return fmt.Sprint(attrs[k]) }
	join := func(keys ...string) string {
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = get(k)
		}
		return strings.Join(parts, "/")
	}
	switch typ {
	case "ovh_cloud_project_network_private_subnet":
		return join("service_name", "network_id", "id")
	case "ovh_cloud_project_user_s3_credential":
		return join("service_name", "user_id", "access_key_id")
	case "ovh_cloud_project_user_s3_policy":
		return join("service_name", "user_id")
	case "ovh_cloud_project_gateway":
		return join("service_name", "region", "id")
	case "ovh_cloud_project_storage":
		return join("service_name", "region_name", "name")
	}
	return join("service_name", "id")
}
