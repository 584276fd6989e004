// Package sweep deletes what acceptance-test runs left in a cloud account:
// every object whose name starts with Prefix, the prefix every acceptance
// test names its objects with. Objects are found through the cloud
// packages' own finders (FindNetworks, FindBastions, …, which only read)
// and deleted with their own Delete functions, one resource type after
// another in dependency order: buckets, bastions and keys before the key
// managers that hold the keys, those before the networks they run in.
//
// `make sweep` runs these as terraform-plugin-testing sweepers, once per
// cloud named in SWEEP, against whatever the environment points at: a
// running emulator (the endpoint variables) or a real account.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/outscale"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/ovh"
)

// Prefix begins the name of every object an acceptance test makes. Nothing
// else in an account should be named so: a sweep deletes all of it.
const Prefix = "tf-acc-"

// EnvOVHRegion is the OVHcloud region acceptance tests and sweeps work in
// (the provider takes the region from its ovh block only).
const EnvOVHRegion = "HEALTH_TEST_OVH_REGION"

// Client is a cloud client that also finds objects by name prefix.
type Client interface {
	cloud.Cloud
	FindNetworks(ctx context.Context, prefix string) ([]cloud.Network, error)
	FindBastions(ctx context.Context, prefix string) ([]cloud.Bastion, error)
	FindDataGateways(ctx context.Context, prefix string) ([]cloud.DataGateway, error)
	FindWorkspaces(ctx context.Context, prefix string) ([]cloud.Workspace, error)
	FindKeyManagers(ctx context.Context, prefix string) ([]cloud.KeyManagerCluster, error)
	FindKeys(ctx context.Context, prefix string) ([]cloud.Key, error)
	FindBuckets(ctx context.Context, prefix string) ([]cloud.Bucket, error)
}

var (
	_ Client = (*outscale.Client)(nil)
	_ Client = (*ovh.Client)(nil)
)

// NewClient configures a client of cloudName from the provider's
// environment variables, read with getenv, in region; an empty region is
// OSC_REGION's on OUTSCALE, HEALTH_TEST_OVH_REGION's on OVHcloud.
// requestsPerSecond 0 is the cloud's default pace.
func NewClient(cloudName, region string, getenv func(string) string, requestsPerSecond float64) (Client, error) {
	opts := cloud.Options{UserAgent: "terraform-provider-health-sweep", RequestsPerSecond: requestsPerSecond}
	switch cloudName {
	case cloud.Outscale:
		if region == "" {
			region = getenv(outscale.SettingRegion.EnvVar)
		}
		return outscale.New(outscale.Config{
			AccessKey:       getenv(outscale.SettingAccessKey.EnvVar),
			SecretKey:       getenv(outscale.SettingSecretKey.EnvVar),
			Region:          region,
			Endpoint:        getenv(outscale.SettingEndpoint.EnvVar),
			StorageEndpoint: getenv(outscale.SettingStorageEndpoint.EnvVar),
			KMSAddress:      getenv(outscale.SettingKMSAddress.EnvVar),
			KMSToken:        getenv(outscale.SettingKMSToken.EnvVar),
			KMSMount:        getenv(outscale.SettingKMSMount.EnvVar),
			KMSCACert:       getenv(outscale.SettingKMSCACert.EnvVar),
		}, opts)
	case cloud.OVH:
		if region == "" {
			region = getenv(EnvOVHRegion)
		}
		cfg := ovh.Config{
			Endpoint:          getenv(ovh.SettingEndpoint.EnvVar),
			ApplicationKey:    getenv(ovh.SettingApplicationKey.EnvVar),
			ApplicationSecret: getenv(ovh.SettingApplicationSecret.EnvVar),
			ConsumerKey:       getenv(ovh.SettingConsumerKey.EnvVar),
			ClientID:          getenv(ovh.SettingClientID.EnvVar),
			ClientSecret:      getenv(ovh.SettingClientSecret.EnvVar),
			ProjectID:         getenv(ovh.SettingProjectID.EnvVar),
			Region:            region,
			StorageEndpoint:   getenv(ovh.SettingStorageEndpoint.EnvVar),
			KMSID:             getenv(ovh.SettingKMSID.EnvVar),
		}
		if cfg.ApplicationKey != "" {
			cfg.ClientID, cfg.ClientSecret = "", "" // one method at a time, as the provider's block does
		}
		return ovh.New(cfg, opts)
	}
	return nil, fmt.Errorf("unknown cloud %q: sweep %q or %q, optionally with :<region>", cloudName, cloud.Outscale, cloud.OVH)
}

// Sweeper names, one per resource type.
const (
	Storage    = "health_warehouse_storage"
	Bastion    = "health_warehouse_bastion"
	Gateway    = "health_warehouse_data_gateway"
	Workspace  = "health_warehouse_workspace"
	KMSKey     = "health_warehouse_kms_key"
	KeyManager = "health_warehouse_key_manager"
	Network    = "health_warehouse_network"
)

// kind is how one resource type is swept.
type kind struct {
	name string
	// dependencies are swept first: they live in, or hold on to, this one.
	dependencies []string
	sweep        func(ctx context.Context, c Client, prefix string) ([]string, error)
}

var kinds = []kind{
	{name: Storage, sweep: func(ctx context.Context, c Client, prefix string) ([]string, error) {
		found, err := c.FindBuckets(ctx, prefix)
		// force: a test bucket's data goes with it; locked versions stop it (LockedObjectsError).
		return each(ctx, found, err, func(b cloud.Bucket) string { return describe("bucket", b.Name, b.CloudIDs) },
			func(ctx context.Context, b cloud.Bucket) error { return c.DeleteBucket(ctx, b, true) })
	}},
	{name: Bastion, sweep: func(ctx context.Context, c Client, prefix string) ([]string, error) {
		found, err := c.FindBastions(ctx, prefix)
		return each(ctx, found, err, func(b cloud.Bastion) string { return describe("bastion", b.Name, b.CloudIDs) }, c.DeleteBastion)
	}},
	{name: Gateway, sweep: func(ctx context.Context, c Client, prefix string) ([]string, error) {
		// The gateway's VM; its key credential and bucket identity are named
		// after it, and go with their key manager's and the account's sweep.
		found, err := c.FindDataGateways(ctx, prefix)
		return each(ctx, found, err, func(g cloud.DataGateway) string { return describe("data gateway", g.Name, g.CloudIDs) },
			c.DeleteDataGateway)
	}},
	{name: Workspace, sweep: func(ctx context.Context, c Client, prefix string) ([]string, error) {
		found, err := c.FindWorkspaces(ctx, prefix)
		return each(ctx, found, err, func(w cloud.Workspace) string { return describe("workspace", w.Name, w.CloudIDs) },
			c.DeleteWorkspace)
	}},
	{name: KMSKey, dependencies: []string{Storage, Gateway}, sweep: func(ctx context.Context, c Client, prefix string) ([]string, error) {
		found, err := c.FindKeys(ctx, prefix)
		var missing *cloud.MissingSettingsError
		if errors.As(err, &missing) {
			// No key manager configured: there is nothing of it to sweep here.
			log.Printf("[INFO] sweep %s on %s: skipped, %s", KMSKey, c.Name(), missing)
			return nil, nil
		}
		return each(ctx, found, err, func(k cloud.Key) string { return describe("key", k.Name, map[string]string{"id": k.ID}) }, c.DeleteKey)
	}},
	{name: KeyManager, dependencies: []string{KMSKey}, sweep: func(ctx context.Context, c Client, prefix string) ([]string, error) {
		found, err := c.FindKeyManagers(ctx, prefix)
		return each(ctx, found, err, func(k cloud.KeyManagerCluster) string { return describe("key manager", k.Name, k.CloudIDs) },
			c.DeleteKeyManager)
	}},
	{name: Network, dependencies: []string{Bastion, Gateway, Workspace, KeyManager}, sweep: func(ctx context.Context, c Client, prefix string) ([]string, error) {
		found, err := c.FindNetworks(ctx, prefix)
		return each(ctx, found, err, func(n cloud.Network) string { return describe("network", n.Name, n.CloudIDs) }, c.DeleteNetwork)
	}},
}

// each deletes every object found, going on past failures, and returns
// what it deleted and every failure.
func each[T any](ctx context.Context, found []T, findErr error, describe func(T) string,
	del func(context.Context, T) error) ([]string, error) {
	if findErr != nil {
		return nil, findErr
	}
	var deleted []string
	var errs []error
	for _, o := range found {
		what := describe(o)
		log.Printf("[INFO] sweep: deleting the %s", what)
		if err := del(ctx, o); err != nil {
			errs = append(errs, fmt.Errorf("deleting the %s: %w", what, err))
			continue
		}
		deleted = append(deleted, what)
	}
	return deleted, errors.Join(errs...)
}

func describe(kind, name string, ids map[string]string) string {
	var parts []string
	for _, v := range ids {
		if v != "" {
			parts = append(parts, v)
		}
	}
	return fmt.Sprintf("%s %s (%s)", kind, name, strings.Join(parts, ", "))
}

// Timeout bounds one resource type's sweep in one cloud: deletes wait for
// VMs to terminate and gateways to go.
const Timeout = 30 * time.Minute

// Sweepers are the terraform-plugin-testing sweepers of every resource
// type, for resource.AddTestSweepers. Each one's region is the cloud
// ("outscale", "ovh") or "<cloud>:<region>", its client made by clients.
func Sweepers(prefix string, clients func(region string) (Client, error)) []*resource.Sweeper {
	out := make([]*resource.Sweeper, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, &resource.Sweeper{
			Name:         k.name,
			Dependencies: k.dependencies,
			F: func(region string) error {
				c, err := clients(region)
				if err != nil {
					return err
				}
				ctx, cancel := context.WithTimeout(context.Background(), Timeout)
				defer cancel()
				deleted, err := k.sweep(ctx, c, prefix)
				log.Printf("[INFO] sweep %s on %s: %d deleted", k.name, region, len(deleted))
				return err
			},
		})
	}
	return out
}

// EnvClients makes the clients of Sweepers from the process environment:
// region is "<cloud>" or "<cloud>:<region>".
func EnvClients(region string) (Client, error) {
	cloudName, cloudRegion, _ := strings.Cut(strings.TrimSpace(region), ":")
	return NewClient(cloudName, cloudRegion, os.Getenv, 0)
}

// Run runs sweepers in region the way terraform-plugin-testing's
// resource.TestMain does with -sweep: each after its dependencies, once.
// It goes on past failures and returns them all.
func Run(region string, sweepers []*resource.Sweeper) error {
	byName := map[string]*resource.Sweeper{}
	for _, s := range sweepers {
		byName[s.Name] = s
	}
	done := map[string]bool{}
	var errs []error
	var visit func(s *resource.Sweeper)
	visit = func(s *resource.Sweeper) {
		if done[s.Name] {
			return
		}
		done[s.Name] = true
		for _, dep := range s.Dependencies {
			if d, ok := byName[dep]; ok {
				visit(d)
			} else {
				errs = append(errs, fmt.Errorf("%s depends on %s, which is not a sweeper", s.Name, dep))
			}
		}
		if err := s.F(region); err != nil {
			errs = append(errs, fmt.Errorf("%s in %s: %w", s.Name, region, err))
		}
	}
	for _, s := range sweepers {
		visit(s)
	}
	return errors.Join(errs...)
}
