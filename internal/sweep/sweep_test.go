package sweep_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sovhealth/terraform-provider-health/internal/acctest"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
	"github.com/sovhealth/terraform-provider-health/internal/sweep"
)

// warehouse makes, through the cloud package, what the acceptance tests
// make: a network, a bastion and a key manager in it, a key, and a bucket
// holding an object. Every name starts with name.
func warehouse(t *testing.T, c sweep.Client, name, cidr string) {
	t.Helper()
	ctx := context.Background()
	subnets, err := cloud.DefaultSubnets(cidr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.CreateNetwork(ctx, cloud.NetworkSpec{Name: name, CIDR: cidr, Subnets: subnets,
		AdminCIDRs: []string{"203.0.113.7/32"}, NATEgress: true, ClientToken: token(name, "network")})
	if err != nil {
		t.Fatal(err)
	}
	image, err := c.ResolveImage(ctx, cloud.ImageDebian12)
	if err != nil {
		t.Fatal(err)
	}
	vmType := cloud.BastionType(c.Name(), cloud.SizeSmall)
	if _, err := c.CreateBastion(ctx, cloud.BastionSpec{Name: name + "-bastion", Network: n, Type: vmType, ImageID: image.ID,
		UserData: []byte("#cloud-config\n"), ClientToken: token(name, "bastion")}); err != nil {
		t.Fatal(err)
	}
	address, err := c.DataGatewayAddress(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDataGateway(ctx, cloud.DataGatewaySpec{Name: name + "-gw", Network: n, Type: vmType, ImageID: image.ID,
		UserData: []byte("#cloud-config\n"), PrivateIP: address, ClientToken: token(name, "gateway")}); err != nil {
		t.Fatal(err)
	}
	// A workspace with a machine: its group, its machine and its object
	// storage identity.
	wspec := cloud.WorkspaceSpec{Name: name + "-ws", Network: n, Buckets: cloud.WorkspaceBuckets{Working: name + "-ws-working"},
		ClientToken: token(name, "workspace")}
	ws, _, err := c.CreateWorkspace(ctx, wspec)
	if err != nil {
		t.Fatal(err)
	}
	wspec.Machines = []cloud.WorkspaceMachineSpec{{Name: name + "-ws-1", Type: vmType, ImageID: image.ID,
		UserData: []byte("#cloud-config\n"), ClientToken: token(name, "ws-1")}}
	if _, err := c.CreateWorkspaceMachines(ctx, ws, wspec); err != nil {
		t.Fatal(err)
	}
	addresses, err := c.KeyManagerAddresses(ctx, n, 1)
	if err != nil {
		t.Fatal(err)
	}
	km := cloud.KeyManagerSpec{Name: name + "-kms", Network: n, Type: vmType, ImageID: image.ID, ClientToken: token(name, "kms")}
	for i, ip := range addresses {
		km.Nodes = append(km.Nodes, cloud.KeyManagerNodeSpec{Index: i + 1, Name: cloud.KeyManagerNodeName(km.Name, i+1), PrivateIP: ip,
			UserData: []byte("#cloud-config\n"), ClientToken: token(name, fmt.Sprintf("kms-%d", i+1))})
	}
	if _, err := c.CreateKeyManager(ctx, km); err != nil {
		t.Fatal(err)
	}
	// Protected, as keys are by default: a sweep deletes test keys all the same.
	if _, err := c.CreateKey(ctx, cloud.KeySpec{Name: name + "-key", Algorithm: cloud.AlgorithmAES256, Usage: cloud.UsageEncryptDecrypt,
		RotationPeriod: 90 * 24 * time.Hour, DeletionProtection: true, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	bucket := name + "-" + c.Name()
	if _, err := c.CreateBucket(ctx, cloud.BucketSpec{Name: bucket, Versioning: true, Encryption: cloud.EncryptionProviderManaged}); err != nil {
		t.Fatal(err)
	}
	creds, err := c.BucketCredentials(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	api := s3.New(s3.Options{Region: creds.Region, BaseEndpoint: aws.String(creds.Endpoint), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, Retryer: aws.NopRetryer{}})
	if _, err := api.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("cohort.csv"),
		Body: strings.NewReader("rows")}); err != nil {
		t.Fatal(err)
	}
}

func token(name, part string) string {
	return fmt.Sprintf("%x", name+"/"+part)
}

// halfMadeNetwork is what a create that failed half-way leaves and no
// state names: the cloud refuses one of its calls for good.
func halfMadeNetwork(t *testing.T, emu *emulator.Emulator, c sweep.Client, name, cidr string) {
	t.Helper()
	ctx := context.Background()
	failing := map[string]string{
		cloud.Outscale: "outscale:CreateRouteTable",
		cloud.OVH:      "ovh:POST /1.0/cloud/project/{serviceName}/network/private/{networkId}/subnet",
	}[c.Name()]
	rule, err := emu.Control().AddFault(ctx, faults.Rule{Action: failing, Nth: 2, Statuses: []int{400}})
	if err != nil {
		t.Fatal(err)
	}
	subnets, err := cloud.DefaultSubnets(cidr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.CreateNetwork(ctx, cloud.NetworkSpec{Name: name, CIDR: cidr, Subnets: subnets,
		AdminCIDRs: []string{"203.0.113.7/32"}, NATEgress: true, ClientToken: token(name, "network")})
	if err == nil || len(n.CloudIDs) == 0 {
		t.Fatalf("the create with %s failing was to fail half-way: %v, made %v", rule.Action, err, n.CloudIDs)
	}
	if err := emu.Control().ClearFaults(ctx); err != nil {
		t.Fatal(err)
	}
}

// held lists what the emulator holds for cloudName's API, its buckets and
// its keys, as collection/id. Operations are left out: the emulator keeps
// or forgets them with time, as the API does.
func held(t *testing.T, emu *emulator.Emulator, cloudName string) []string {
	t.Helper()
	objs, err := acctest.Objects(emu, cloudName)
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"s3.", "openbao."} {
		more, err := emu.Control().Objects(context.Background(), prefix)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, more...)
	}
	var out []string
	for _, o := range objs {
		if !strings.HasSuffix(o.Collection, "operations") {
			out = append(out, o.Collection+"/"+o.ID)
		}
	}
	sort.Strings(out)
	return out
}

// The sweepers delete everything named with the prefix, a create's debris
// included, in an order the cloud accepts (servers before their network),
// and nothing else: a warehouse whose names hold the prefix elsewhere than
// at their start is left as it was.
func TestSweepers_deleteOnlyPrefixedObjects(t *testing.T) {
	for _, cloudName := range cloud.Names {
		t.Run(cloudName, func(t *testing.T) {
			t.Parallel()
			emu := emutest.Start(t, nil)
			c, err := acctest.Client(emu, cloudName)
			if err != nil {
				t.Fatal(err)
			}
			warehouse(t, c, "kept-"+sweep.Prefix+"wh", "10.80.0.0/16")
			kept := held(t, emu, cloudName)

			warehouse(t, c, sweep.Prefix+"wh1", "10.81.0.0/16")
			warehouse(t, c, sweep.Prefix+"wh2", "10.82.0.0/16")
			halfMadeNetwork(t, emu, c, sweep.Prefix+"wh3", "10.83.0.0/16")
			if before := held(t, emu, cloudName); len(before) <= len(kept) {
				t.Fatalf("the prefixed objects are not in the emulator: %d objects before, %d kept", len(before), len(kept))
			}

			sweepers := sweep.Sweepers(sweep.Prefix, func(region string) (sweep.Client, error) {
				if region != cloudName {
					return nil, fmt.Errorf("swept %q, want %q", region, cloudName)
				}
				return c, nil
			})
			if err := sweep.Run(cloudName, sweepers); err != nil {
				t.Fatal(err)
			}

			if after := held(t, emu, cloudName); !slices.Equal(after, kept) {
				var gone, left []string
				for _, o := range kept {
					if !slices.Contains(after, o) {
						gone = append(gone, o)
					}
				}
				for _, o := range after {
					if !slices.Contains(kept, o) {
						left = append(left, o)
					}
				}
				t.Fatalf("after the sweep, %d objects of the kept warehouse are gone: %v; %d others are left: %v", len(gone), gone, len(left), left)
			}
			// The finders agree: nothing of the prefix is left.
			if left, err := acctest.Named(context.Background(), c, strings.TrimSuffix(sweep.Prefix, "-")); err != nil || len(left) > 0 {
				t.Fatalf("found after the sweep: %v (%v)", left, err)
			}
			// A second sweep finds nothing to do.
			if err := sweep.Run(cloudName, sweepers); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A sweeper whose cloud cannot be reached says so, and the others of the
// run still run.
func TestRun_goesOnPastFailures(t *testing.T) {
	t.Parallel()
	sweepers := sweep.Sweepers(sweep.Prefix, func(region string) (sweep.Client, error) {
		return nil, errors.New("no credentials for " + region)
	})
	err := sweep.Run("outscale", sweepers)
	if err == nil {
		t.Fatal("a run without a client succeeded")
	}
	for _, name := range []string{sweep.Storage, sweep.Bastion, sweep.Gateway, sweep.Workspace, sweep.KMSKey, sweep.KeyManager, sweep.Network} {
		if !strings.Contains(err.Error(), name+" in outscale: no credentials for outscale") {
			t.Errorf("the error does not report %s: %v", name, err)
		}
	}
}

// The sweepers run in dependency order: a resource type after those whose
// objects live in its own.
func TestSweepers_dependencies(t *testing.T) {
	t.Parallel()
	var order []string
	sweepers := sweep.Sweepers(sweep.Prefix, func(string) (sweep.Client, error) { return nil, errors.New("not called") })
	for _, s := range sweepers {
		name := s.Name
		s.F = func(string) error { order = append(order, name); return nil }
	}
	if err := sweep.Run("ovh", sweepers); err != nil {
		t.Fatal(err)
	}
	before := func(a, b string) {
		if slices.Index(order, a) > slices.Index(order, b) {
			t.Errorf("%s ran after %s: %v", a, b, order)
		}
	}
	before(sweep.Bastion, sweep.Network)
	before(sweep.KeyManager, sweep.Network)
	before(sweep.KMSKey, sweep.KeyManager)
	before(sweep.Storage, sweep.KMSKey)
	before(sweep.Gateway, sweep.Network)
	before(sweep.Gateway, sweep.KMSKey)
	before(sweep.Workspace, sweep.Network)
	if len(order) != 7 {
		t.Errorf("ran %v, want each of the seven once", order)
	}
}

// Clients come from the provider's environment variables.
func TestNewClient_fromTheEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{"OSC_REGION": "cloudgouv-eu-west-1", sweep.EnvOVHRegion: "GRA11"}
	getenv := func(k string) string { return env[k] }
	for region, want := range map[string]string{"outscale": "cloudgouv-eu-west-1", "ovh": "GRA11", "ovh:SBG5": "SBG5"} {
		cloudName, r, _ := strings.Cut(region, ":")
		c, err := sweep.NewClient(cloudName, r, getenv, 0)
		if err != nil {
			t.Fatalf("%s: %v", region, err)
		}
		if c.Name() != cloudName || c.Region() != want {
			t.Errorf("%s: a client of %s in %s, want %s", region, c.Name(), c.Region(), want)
		}
	}
	if _, err := sweep.NewClient("azure", "", getenv, 0); err == nil || !strings.Contains(err.Error(), `unknown cloud "azure"`) {
		t.Errorf("an unknown cloud: %v", err)
	}
}
