package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/gateway"
	"github.com/sovhealth/terraform-provider-health/internal/workspace"
)

// withGateway gives workspace a of workspacesConfig a data gateway in
// front of bucket, serving prefixes (HCL), with the client secret secret at
// version.
func withGateway(config, bucket, ca, secret string, version int, prefixes string) string {
	block := fmt.Sprintf(`data_gateways  = [{
    bucket                   = %q
    endpoint                 = "https://10.66.128.10"
    tls_ca_certificate       = %q
    client_access_key_id     = "GWCLIENTKEY00001"
    client_secret_access_key = %q
    client_secret_version    = %d
    prefixes                 = %s
  }]
  tags           = { project = "a" }`, bucket, ca, secret, version, prefixes)
	return strings.Replace(config, `tags           = { project = "a" }`, block, 1)
}

// A dataset under a customer key is read through its data gateway: the
// machines' rclone goes to the gateway for that bucket, trusting its CA,
// with its client key; the secret is in the machines' user-data and never
// in the state; a new secret version rebuilds the machines with the new
// secret. A gateway on a bucket the workspace does not use is refused at
// plan, naming it, and so is one on the export bucket; a gateway serving
// its whole bucket for a dataset prefix fails HW-WS-02 at plan. A working
// bucket behind a gateway is reached through it only: the identity loses
// its direct access there.
func TestAccWarehouseWorkspace_dataGateway(t *testing.T) {
	acctest.ForEachCloud(t, func(t *testing.T, cloudName string) {
		emulatorOnly(t, "reads the machines' files from the user-data the emulator holds")
		emu := acctest.PrivateEmulator(t)
		name := "wh-wsgw-" + cloudName
		issued, err := gateway.IssueTLS("gw", "10.66.128.10", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		base := workspacesConfig(emu, cloudName, name, admins("alice", adminKey(t, "alice@laptop")))
		secret1, secret2 := "first-client-secret-0123456789abcdef", "second-client-secret-0123456789abcdef"
		var firstMachine string
		machineHolds := func(secret string) resource.TestCheckFunc {
			return func(s *terraform.State) error {
				attrs := s.RootModule().Resources["health_warehouse_workspace.a"].Primary.Attributes
				for _, rs := range s.RootModule().Resources {
					for k, v := range rs.Primary.Attributes {
						if strings.Contains(v, secret) {
							return fmt.Errorf("the gateway's client secret is in the state at %s.%s", rs.Type, k)
						}
					}
				}
				files, err := workspaceFiles(emu, cloudName, attrs["machines.0.id"])
				if err != nil {
					return err
				}
				if rc := files[workspace.PathRcloneConfig]; !strings.Contains(rc, "endpoint = https://10.66.128.10\n") ||
					!strings.Contains(rc, "remote = gateway1:"+name+"-pseudo/diabetes/\n") {
					return fmt.Errorf("the dataset is not read through the gateway:\n%s", rc)
				}
				if env := files[workspace.PathS3Env]; !strings.Contains(env, "'"+secret+"'") || !strings.Contains(env, "GWCLIENTKEY00001") {
					return fmt.Errorf("the machine does not hold the gateway's client key")
				}
				if firstMachine == attrs["machines.0.id"] {
					return fmt.Errorf("the machine %s was not rebuilt", firstMachine)
				}
				firstMachine = attrs["machines.0.id"]
				return nil
			}
		}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
			TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
			CheckDestroy:             acctest.CheckNothingLeft(emu, cloudName),
			Steps: []resource.TestStep{
				{
					Config:      withGateway(base, name+"-results", issued.CACertPEM, secret1, 1, `["diabetes/"]`),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`(?s)Invalid Data Gateway.*data_gateways\[0\]\.bucket.*-results".*none of the`),
				},
				{
					// A gateway of the whole bucket: the prefix no longer bounds
					// what the workspace reads, and the plan says so.
					Config:      withGateway(base, name+"-pseudo", issued.CACertPEM, secret1, 1, "null"),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`(?s)HW-WS-02.*data_gateways\[0\] serves the whole\s+bucket\s+s3://` + name + `-pseudo`),
				},
				{
					Config: withGateway(base, name+"-pseudo", issued.CACertPEM, secret1, 1, `["diabetes/"]`),
					Check:  machineHolds(secret1),
				},
				{
					Config: withGateway(base, name+"-pseudo", issued.CACertPEM, secret2, 2, `["diabetes/"]`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("health_warehouse_workspace.a", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("health_warehouse_workspace.b", plancheck.ResourceActionNoop),
					}},
					Check: machineHolds(secret2),
				},
				{
					// The export bucket stays out of a gateway: the airlock reads it.
					Config:      withGateway(base, name+"-a-export", issued.CACertPEM, secret2, 2, "null"),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(`(?s)Invalid Data Gateway.*data_gateways\[0\]\.bucket.*is the export bucket`),
				},
				{
					// The working bucket behind a gateway: reached through it only;
					// the identity can no longer write there directly.
					Config: withGateway(base, name+"-a-working", issued.CACertPEM, secret2, 2, "null"),
					Check: func(s *terraform.State) error {
						attrs := s.RootModule().Resources["health_warehouse_workspace.a"].Primary.Attributes
						if strings.Contains(attrs["identity_policy"], name+"-a-working") {
							return fmt.Errorf("the identity still reaches the working bucket: %s", attrs["identity_policy"])
						}
						files, err := workspaceFiles(emu, cloudName, attrs["machines.0.id"])
						if err != nil {
							return err
						}
						if !strings.Contains(files[workspace.PathRcloneConfig], "remote = gateway1:"+name+"-a-working\n") {
							return fmt.Errorf("the working bucket is not reached through its gateway:\n%s", files[workspace.PathRcloneConfig])
						}
						a, err := workspaceClient(emu, cloudName, s, "health_warehouse_workspace.a")
						if err != nil {
							return err
						}
						_, err = a.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(name + "-a-working"),
							Key: aws.String("plain.csv"), Body: strings.NewReader("x")})
						if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
							return fmt.Errorf("a plain write to the working bucket: %v, want AccessDenied", err)
						}
						return nil
					},
				},
			},
		})
	})
}
