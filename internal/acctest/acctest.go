// Package acctest is the acceptance-test harness: it drives the real
// Terraform (or OpenTofu) CLI through terraform-plugin-testing against one
// in-process emulator per test binary, or against real clouds when
// HEALTH_REAL_CLOUD=1.
//
// A test package wires it in its TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(acctest.Run(m)) }
//
// or, to also run the sweepers it registers when given -sweep (see Main):
//
//	func TestMain(m *testing.M) { resource.TestMain(acctest.Main(m)) }
//
// then writes tests with ProtoV6ProviderFactories and the provider blocks
// from ProviderConfig, once per cloud with ForEachCloud.
//
// # Real clouds
//
// With HEALTH_REAL_CLOUD=1, a test that makes objects names them with
// RandomName or RandomKeyName (NamePrefix and a random suffix), so that
// runs sharing an account never collide and `make sweep` (internal/sweep)
// finds what a failed run left; its CheckDestroy is CheckDestroy, which
// asks the cloud through the provider's own cloud packages, and its
// _disappears step is Disappear, which deletes through them.
//
// These tests of internal/provider run against the emulator only, and
// skip against real clouds saying why (emulatorOnly):
//
//   - faults injected into the cloud's API: the _partial tests of the
//     network, bastion, key manager and key, and the key manager's
//     _disappears on OVHcloud (whose KMS a test cannot delete: the
//     emulator answers its read with a 404);
//   - objects edited, aged or deleted out of band through the control
//     API: the _drift tests of the network, bastion, key manager, key and
//     storage, TestAccWarehouseKMSKey_scheduledRotation,
//     TestAccWarehouseBastion_terminatedOutOfBand,
//     TestAccWarehouseStorage_object_lock and
//     TestAccWarehouseCompliance_evidenceFromTheCloud;
//   - what the emulator stores read back where the API does not return
//     it (user-data, a bucket's key): TestAccWarehouseBastion_host_key_pinned,
//     TestAccWarehouseKeyManager_tls_pinned, TestAccWarehouseStorage's
//     _customer_key, _force_destroy, _credentials and _s3Backend;
//   - the emulator's seed accounts and secrets: the _noSecretsInLogs
//     tests, TestAccCallerIdentity_ovhOAuth2,
//     TestAccProvider_refusedCredentials, TestAccWarehouseKMSKey_missingSettings,
//     TestAccWarehouseKeyManager_missingKMSID, and
//     TestAccWarehouseKeyManager_flow (the emulator's OpenBao stands in
//     for the initialised cluster).
//
// Tests that only plan run anywhere and make nothing.
package acctest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/provider"
	"github.com/sovhealth/terraform-provider-health/internal/tfcli"
)

// EnvRealCloud switches the acceptance tests to real clouds.
const EnvRealCloud = "HEALTH_REAL_CLOUD"

// ProtoV6ProviderFactories serves the provider in-process to the CLI.
var ProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"health": providerserver.NewProtocol6WithError(provider.New("test")()),
}

// AlternateProvider is a second name under which the provider is served.
//
// The harness serves each factory from one in-process server that Terraform
// reattaches to, so two aliased blocks of the same provider would share one
// configuration (the last one wins). A configuration that drives two clouds
// at once names the second block "healthalt" and its resources
// `provider = healthalt`; outside tests, aliases of "health" work as usual
// since Terraform starts one provider process per block.
const AlternateProvider = "healthalt"

// ProtoV6ProviderFactoriesWithAlternate also serves AlternateProvider.
var ProtoV6ProviderFactoriesWithAlternate = map[string]func() (tfprotov6.ProviderServer, error){
	"health":          providerserver.NewProtocol6WithError(provider.New("test")()),
	AlternateProvider: providerserver.NewProtocol6WithError(provider.New("test")()),
}

// Clouds are the clouds every acceptance test runs on.
var Clouds = []string{cloud.Outscale, cloud.OVH}

var (
	emu *emulator.Emulator
	cli tfcli.CLI
)

// Run prepares the harness, runs the tests and cleans up. It returns the
// exit code for os.Exit.
func Run(m *testing.M) int {
	if os.Getenv("TF_ACC") == "" {
		// Acceptance tests skip themselves; unit tests need nothing here.
		return m.Run()
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "health-acctest-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)

	root, err := tfcli.RepoRoot(".")
	if err != nil {
		return fail(err)
	}
	if cli, err = tfcli.Find(ctx, root); err != nil {
		return fail(err)
	}
	// Our own CLI configuration: never the user's, and never a missing file
	// (OpenTofu prints a warning on stdout that breaks version parsing).
	cfgFile, err := tfcli.WriteConfig(dir, "")
	if err != nil {
		return fail(err)
	}
	env := cli.Env()
	env["TF_CLI_CONFIG_FILE"] = cfgFile
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			return fail(err)
		}
	}

	if !RealCloud() {
		if emu, err = emulator.New(emulator.DefaultConfig()); err != nil {
			return fail(err)
		}
		if err := emu.Start("127.0.0.1:0"); err != nil {
			return fail(err)
		}
		defer emu.Close()
	}
	return m.Run()
}

// Main wraps m for terraform-plugin-testing's resource.TestMain, which a
// test package's TestMain calls with it:
//
//	func TestMain(m *testing.M) { resource.TestMain(acctest.Main(m)) }
//
// With -sweep, resource.TestMain runs the sweepers the package registered
// (resource.AddTestSweepers) and no test: no emulator starts, the sweepers
// reach what the environment names (see internal/sweep). Otherwise it runs
// the tests through Run.
func Main(m *testing.M) interface{ Run() int } { return mainRunner{m} }

type mainRunner struct{ m *testing.M }

func (r mainRunner) Run() int { return Run(r.m) }

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "acctest: "+err.Error())
	return 1
}

// Acceptance skips t unless TF_ACC is set: an acceptance test drives the
// Terraform CLI against the emulator (or a real cloud), which Run starts
// only then. `go test ./...` alone runs the unit tests and skips these.
func Acceptance(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does) to run it with the Terraform CLI")
	}
}

// RealCloud reports whether the tests target real clouds.
func RealCloud() bool { return os.Getenv(EnvRealCloud) == "1" }

// CLI is the Terraform CLI in use.
func CLI() tfcli.CLI { return cli }

// Emulator is the shared emulator, or nil against real clouds.
func Emulator() *emulator.Emulator { return emu }

// PreCheck skips a test that cannot run: against real clouds, when the
// cloud's credentials are not in the environment.
func PreCheck(t *testing.T, cloudName string) {
	t.Helper()
	Acceptance(t)
	if !RealCloud() {
		if emu == nil {
			t.Fatal("the emulator is not running: call acctest.Run from TestMain")
		}
		return
	}
	var required []string
	switch cloudName {
	case cloud.Outscale:
		required = []string{"OSC_ACCESS_KEY", "OSC_SECRET_KEY", "OSC_REGION"}
	case cloud.OVH:
		required = []string{"OVH_CLOUD_PROJECT_SERVICE", "HEALTH_TEST_OVH_REGION"}
		if os.Getenv("OVH_CLIENT_ID") == "" {
			required = append(required, "OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY")
		}
	}
	for _, v := range required {
		if os.Getenv(v) == "" {
			t.Skipf("%s=1 but %s is not set: skipping the %s tests", EnvRealCloud, v, cloudName)
		}
	}
}

// ForEachCloud runs test once per cloud, as parallel subtests of a parallel
// test: inside, use resource.Test (not ParallelTest).
func ForEachCloud(t *testing.T, test func(t *testing.T, cloudName string)) {
	t.Helper()
	Acceptance(t)
	t.Parallel()
	for _, c := range Clouds {
		t.Run(c, func(t *testing.T) {
			t.Parallel()
			PreCheck(t, c)
			test(t, c)
		})
	}
}

// ProviderConfig returns a "health" provider block for cloudName: pointed at
// the emulator with its seed credentials, or, against real clouds, taking
// everything from the environment. A non-empty alias names the block.
func ProviderConfig(cloudName, alias string) string {
	return providerBlock(emu, "health", cloudName, alias)
}

// AlternateProviderConfig returns the same block for AlternateProvider.
func AlternateProviderConfig(cloudName string) string {
	return providerBlock(emu, AlternateProvider, cloudName, "")
}

// ProviderConfigAt returns a "health" provider block for cloudName pointed
// at e (from PrivateEmulator); against real clouds it is ProviderConfig's.
func ProviderConfigAt(e *emulator.Emulator, cloudName string) string {
	return providerBlock(e, "health", cloudName, "")
}

func providerBlock(emu *emulator.Emulator, name, cloudName, alias string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "provider %q {\n", name)
	if alias != "" {
		fmt.Fprintf(&b, "  alias = %q\n", alias)
	}
	fmt.Fprintf(&b, "  cloud = %q\n", cloudName)
	if cloudName == cloud.OVH {
		// OVHcloud's Public Cloud regions are HDS-certified, not
		// SecNumCloud-qualified: the default profile refuses them.
		b.WriteString("  compliance_profile = \"hds\"\n")
	}
	if RealCloud() {
		if cloudName == cloud.OVH {
			fmt.Fprintf(&b, "  ovh {\n    region = %q\n  }\n", os.Getenv("HEALTH_TEST_OVH_REGION"))
		}
		b.WriteString("}\n")
		return b.String()
	}
	b.WriteString("  api_rate_limit = 500\n")
	switch cloudName {
	case cloud.Outscale:
		fmt.Fprintf(&b, "  outscale {\n    endpoint         = %q\n    region           = %q\n    access_key       = %q\n"+
			"    secret_key       = %q\n    storage_endpoint = %q\n    kms_address      = %q\n    kms_token        = %q\n  }\n",
			emu.OutscaleEndpoint(), emulator.DefaultOutscaleRegion, emulator.DefaultOutscaleAccessKey,
			emulator.DefaultOutscaleSecretKey, emu.S3Endpoint(), emu.OpenBaoAddress(), emulator.DefaultOpenBaoToken)
	case cloud.OVH:
		fmt.Fprintf(&b, "  ovh {\n    endpoint           = %q\n    region             = %q\n    project_id         = %q\n"+
			"    application_key    = %q\n    application_secret = %q\n    consumer_key       = %q\n"+
			"    storage_endpoint   = %q\n    kms_id             = %q\n  }\n",
			emu.OVHEndpoint(), emulator.DefaultOVHRegion, emulator.DefaultOVHProjectID,
			emulator.DefaultOVHApplicationKey, emulator.DefaultOVHApplicationSecret, emulator.DefaultOVHConsumerKey,
			emu.S3Endpoint(), emulator.DefaultOVHOKMSID)
	}
	b.WriteString("}\n")
	return b.String()
}

// Region is the region the tests of cloudName run in.
func Region(cloudName string) string {
	switch {
	case RealCloud() && cloudName == cloud.Outscale:
		return os.Getenv("OSC_REGION")
	case RealCloud():
		return os.Getenv("HEALTH_TEST_OVH_REGION")
	case cloudName == cloud.Outscale:
		return emulator.DefaultOutscaleRegion
	default:
		return emulator.DefaultOVHRegion
	}
}
