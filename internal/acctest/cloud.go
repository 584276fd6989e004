package acctest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	tfacctest "github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/sweep"
)

// NamePrefix begins the name of every object an acceptance test makes, so
// that `make sweep` finds what a failed run left (see internal/sweep).
const NamePrefix = sweep.Prefix

// RandomName is a fresh name for the objects of one test: NamePrefix, what
// (a short word of lower-case letters), then random digits
// (terraform-plugin-testing's acctest.RandomWithPrefix). Runs on the same
// account, at the same time or not, never share a name. It is a valid
// network, bucket, bastion and key manager name, and leaves room for the
// suffixes tests add ("-bastion", "-kms", "-renamed").
func RandomName(what string) string {
	return tfacctest.RandomWithPrefix(NamePrefix + what)
}

// RandomKeyName is a fresh key name: NamePrefix and ten random lower-case
// letters and digits, 17 characters, within cloud.MaxKeyNameLength with
// room for a short suffix.
func RandomKeyName() string {
	return NamePrefix + tfacctest.RandStringFromCharSet(10, "abcdefghijklmnopqrstuvwxyz0123456789")
}

// Client is a client of cloudName's API, through the cloud packages the
// provider uses: pointed at e with the seed credentials, or, when e is nil
// (against real clouds), configured from the environment like the
// provider. Tests use it to ask the cloud itself, the way the provider
// does, rather than the emulator's control API.
func Client(e *emulator.Emulator, cloudName string) (sweep.Client, error) {
	if e == nil {
		if !RealCloud() {
			e = emu
		}
		if e == nil {
			return sweep.NewClient(cloudName, Region(cloudName), os.Getenv, 0)
		}
	}
	env := EmulatorEnv(e)
	return sweep.NewClient(cloudName, Region(cloudName), func(k string) string { return env[k] }, 500)
}

// CheckDestroy is the CheckDestroy of tests that make objects: it asks the
// cloud, through the cloud packages' own readers and finders, that every
// health_warehouse_* resource of the last state is gone (its Read answers
// not found), and that nothing named base, or base followed by "-" or
// ".", is left of any kind (a network, bastion, key manager, key or
// bucket), whether a state names it or not. Against the private emulator
// e, it also checks that e holds no object of cloudName's API at all
// (CheckNothingLeft). It means the same against a real cloud.
func CheckDestroy(e *emulator.Emulator, cloudName, base string) resource.TestCheckFunc {
	nothingLeft := CheckNothingLeft(e, cloudName)
	return func(s *terraform.State) error {
		c, err := Client(e, cloudName)
		if err != nil {
			return err
		}
		ctx := context.Background()
		var errs []error
		for addr, rs := range s.RootModule().Resources {
			if err := checkGone(ctx, c, rs); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", addr, err))
			}
		}
		left, err := Named(ctx, c, base)
		if err != nil {
			errs = append(errs, err)
		}
		if len(left) > 0 {
			errs = append(errs, fmt.Errorf("%d objects named %s left after destroy: %s", len(left), base, strings.Join(left, ", ")))
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		return nothingLeft(s)
	}
}

// checkGone reads a resource of the state from the cloud: nil when the
// cloud answers that it is gone.
func checkGone(ctx context.Context, c sweep.Client, rs *terraform.ResourceState) error {
	if rs.Primary == nil || rs.Primary.ID == "" {
		return nil
	}
	a := rs.Primary.Attributes
	id, ids := rs.Primary.ID, CloudIDs(a)
	var err error
	switch rs.Type {
	case "health_warehouse_network":
		_, err = c.ReadNetwork(ctx, cloud.Network{ID: id, Name: a["name"], CloudIDs: ids})
	case "health_warehouse_bastion":
		_, err = c.ReadBastion(ctx, cloud.Bastion{ID: id, Name: a["name"], CloudIDs: ids})
	case "health_warehouse_data_gateway":
		_, err = c.ReadDataGateway(ctx, cloud.DataGateway{ID: id, Name: a["name"], CloudIDs: ids})
	case "health_warehouse_workspace":
		_, err = c.ReadWorkspace(ctx, cloud.Workspace{ID: id, Name: a["name"], NetworkID: a["network_id"], CloudIDs: ids})
	case "health_warehouse_key_manager":
		if c.KeyManagerBackend() == cloud.BackendOKMS {
			return nil // the account's KMS: destroying the resource forgets it
		}
		_, err = c.ReadKeyManager(ctx, cloud.KeyManagerCluster{ID: id, Name: a["name"], CloudIDs: ids})
	case "health_warehouse_kms_key":
		_, err = c.ReadKey(ctx, cloud.Key{ID: id, Name: a["name"]})
	case "health_warehouse_storage":
		_, err = c.ReadBucket(ctx, cloud.Bucket{Name: id, CloudIDs: ids})
	default:
		return nil
	}
	switch {
	case err == nil:
		return fmt.Errorf("%s still exists after destroy", id)
	case errors.Is(err, cloud.ErrNotFound):
		return nil
	}
	return fmt.Errorf("reading %s after destroy: %w", id, err)
}

// Named lists, through the cloud packages' finders, the objects of every
// kind named base, or base followed by "-" or "." (the names a test
// derives from its random name, a create's provisional names, a key's
// later versions). A kind whose settings are missing (no key manager
// configured) is not looked at.
func Named(ctx context.Context, c sweep.Client, base string) ([]string, error) {
	var out []string
	add := func(kind, name, id string) {
		if name == base || (strings.HasPrefix(name, base) && strings.ContainsRune("-.", rune(name[len(base)]))) {
			out = append(out, fmt.Sprintf("%s %s (%s)", kind, name, id))
		}
	}
	var errs []error
	found := func(kind string, err error) bool {
		var missing *cloud.MissingSettingsError
		if err != nil && !errors.As(err, &missing) {
			errs = append(errs, fmt.Errorf("finding the %ss named %s: %w", kind, base, err))
		}
		return err == nil
	}
	if networks, err := c.FindNetworks(ctx, base); found("network", err) {
		for _, n := range networks {
			add("network", n.Name, firstID(n.ID, n.CloudIDs))
		}
	}
	if bastions, err := c.FindBastions(ctx, base); found("bastion", err) {
		for _, b := range bastions {
			add("bastion", b.Name, firstID(b.ID, b.CloudIDs))
		}
	}
	if gateways, err := c.FindDataGateways(ctx, base); found("data gateway", err) {
		for _, g := range gateways {
			add("data gateway", g.Name, firstID(g.ID, g.CloudIDs))
		}
	}
	if workspaces, err := c.FindWorkspaces(ctx, base); found("workspace", err) {
		for _, w := range workspaces {
			add("workspace", w.Name, firstID(w.ID, w.CloudIDs))
		}
	}
	if clusters, err := c.FindKeyManagers(ctx, base); found("key manager", err) {
		for _, k := range clusters {
			add("key manager", k.Name, firstID(k.ID, k.CloudIDs))
		}
	}
	if keys, err := c.FindKeys(ctx, base); found("key", err) {
		for _, k := range keys {
			add("key", k.Name, k.ID)
		}
	}
	if buckets, err := c.FindBuckets(ctx, base); found("bucket", err) {
		for _, b := range buckets {
			add("bucket", b.Name, firstID(b.Name, b.CloudIDs))
		}
	}
	sort.Strings(out)
	return out, errors.Join(errs...)
}

func firstID(id string, ids map[string]string) string {
	if id != "" {
		return id
	}
	var all []string
	for _, v := range ids {
		all = append(all, v)
	}
	sort.Strings(all)
	return strings.Join(all, ", ")
}

// CloudIDs reads a resource's cloud_ids map from its state attributes.
func CloudIDs(attrs map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range attrs {
		if key, ok := strings.CutPrefix(k, "cloud_ids."); ok && key != "%" {
			out[key] = v
		}
	}
	return out
}

// Disappear is a Check that deletes the resource at addr behind
// Terraform's back, the way an operator would with the cloud's own tools:
// it reads the resource from the cloud with the cloud package's Read (by
// the id and cloud ids of the state), then deletes what that found with
// the cloud package's Delete. A bastion loses its VM only: what goes with
// it is the cloud's business (on OUTSCALE its address stays allocated).
// On OVHcloud a key manager is the account's KMS, which no test deletes:
// Disappear fails there.
func Disappear(e *emulator.Emulator, cloudName, addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[addr]
		if !ok || rs.Primary == nil {
			return fmt.Errorf("%s is not in the state", addr)
		}
		c, err := Client(e, cloudName)
		if err != nil {
			return err
		}
		ctx := context.Background()
		a := rs.Primary.Attributes
		id, ids := rs.Primary.ID, CloudIDs(a)
		switch rs.Type {
		case "health_warehouse_network":
			n, err := c.ReadNetwork(ctx, cloud.Network{ID: id, Name: a["name"], CloudIDs: ids})
			if err != nil {
				return err
			}
			return c.DeleteNetwork(ctx, n)
		case "health_warehouse_bastion":
			b, err := c.ReadBastion(ctx, cloud.Bastion{ID: id, Name: a["name"], CloudIDs: ids})
			if err != nil {
				return err
			}
			return c.DeleteBastion(ctx, cloud.Bastion{ID: b.ID, Name: b.Name})
		case "health_warehouse_data_gateway":
			g, err := c.ReadDataGateway(ctx, cloud.DataGateway{ID: id, Name: a["name"], CloudIDs: ids})
			if err != nil {
				return err
			}
			return c.DeleteDataGateway(ctx, g)
		case "health_warehouse_key_manager":
			if c.KeyManagerBackend() == cloud.BackendOKMS {
				return fmt.Errorf("%s is the account's KMS, which a test cannot delete", addr)
			}
			k, err := c.ReadKeyManager(ctx, cloud.KeyManagerCluster{ID: id, Name: a["name"], CloudIDs: ids})
			if err != nil {
				return err
			}
			return c.DeleteKeyManager(ctx, k)
		case "health_warehouse_kms_key":
			k, err := c.ReadKey(ctx, cloud.Key{ID: id, Name: a["name"]})
			if err != nil {
				return err
			}
			return c.DeleteKey(ctx, k)
		case "health_warehouse_storage":
			b, err := c.ReadBucket(ctx, cloud.Bucket{Name: id, CloudIDs: ids})
			if err != nil {
				return err
			}
			return c.DeleteBucket(ctx, b, true)
		case "health_warehouse_workspace":
			w, err := c.ReadWorkspace(ctx, cloud.Workspace{ID: id, Name: a["name"], NetworkID: a["network_id"],
				IdentityID: a["identity_id"], CloudIDs: ids})
			if err != nil {
				return err
			}
			return c.DeleteWorkspace(ctx, w)
		}
		return fmt.Errorf("no way to make a %s disappear", rs.Type)
	}
}
