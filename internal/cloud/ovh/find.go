package ovh

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// Finders by name prefix. The API holds no tags: objects are found by
// their names (a create's provisional name starts with the final one), and
// returned as the reference their Delete function removes completely. They
// only read. make sweep (internal/sweep) uses them to clean what test runs
// left, and the acceptance tests' CheckDestroy to prove a destroy left
// nothing of a name.

// FindNetworks returns the project's private networks whose name starts
// with prefix (their subnets and gateways go with them).
func (c *Client) FindNetworks(ctx context.Context, prefix string) ([]cloud.Network, error) {
	if err := c.networkSettings(); err != nil {
		return nil, err
	}
	networks, err := c.listNetworks(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the private networks: %w", err)
	}
	var out []cloud.Network
	for _, pn := range networks {
		if strings.HasPrefix(pn.Name, prefix) && pn.Status != networkDeleting {
			out = append(out, cloud.Network{ID: pn.ID, Name: pn.Name, Region: c.cfg.Region,
				CloudIDs: map[string]string{keyNetwork: pn.ID}})
		}
	}
	return out, nil
}

// FindBastions returns the region's instances whose name starts with
// prefix (DeleteBastion finds the floating IP that reaches each).
func (c *Client) FindBastions(ctx context.Context, prefix string) ([]cloud.Bastion, error) {
	if err := c.networkSettings(); err != nil {
		return nil, err
	}
	all, err := c.listInstances(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the instances of %s: %w", c.cfg.Region, err)
	}
	var out []cloud.Bastion
	for _, in := range all {
		if strings.HasPrefix(in.Name, prefix) {
			out = append(out, cloud.Bastion{ID: in.ID, Name: in.Name, CloudIDs: map[string]string{keyInstance: in.ID}})
		}
	}
	return out, nil
}

// FindDataGateways returns nothing of its own: instances have no tags on
// OVHcloud, and FindBastions returns every instance of the prefix, data
// gateways included, which DeleteBastion deletes alike.
func (c *Client) FindDataGateways(context.Context, string) ([]cloud.DataGateway, error) {
	return nil, nil
}

// FindWorkspaces returns the workspaces whose name starts with prefix:
// each Neutron group described as a workspace's
// ("health_warehouse_workspace:<name> network:<id>") among the groups of
// the networks' OpenStack users, a create's provisional group included,
// with the object storage user described as that workspace's; then the
// workspaces' users that no such group accounts for (a create that died
// before its group, a group deleted out of band). DeleteWorkspace removes
// the machines (those named "<workspace>-…" whose port is in the group,
// and those a create left under a provisional name), the group and the
// user; FindBastions finds the machines by name as well.
func (c *Client) FindWorkspaces(ctx context.Context, prefix string) ([]cloud.Workspace, error) {
	if err := c.workspaceSettings(); err != nil {
		return nil, err
	}
	users, err := c.listUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the users of the project: %w", err)
	}
	workspaceUsers := map[string]int64{} // workspace → its object storage user
	networkUsers := map[int64]string{}   // OpenStack user → the network whose groups it holds
	for _, u := range users {
		if u.Status == userStatusDelete || u.Status == userStatusGone {
			continue
		}
		if name, ok := strings.CutPrefix(u.Description, workspaceUserDescription("")); ok && strings.HasPrefix(name, prefix) {
			workspaceUsers[name] = u.ID
		}
		if networkID, ok := strings.CutPrefix(u.Description, openstackUserDescription("")); ok {
			networkUsers[u.ID] = networkID
		}
	}
	var out []cloud.Workspace
	claimed := map[string]bool{}
	for _, userID := range slices.Sorted(maps.Keys(networkUsers)) {
		networkID := networkUsers[userID]
		groups, err := c.listSecurityGroups(ctx, userID)
		if isNotFound(err) {
			continue // the user is being deleted with its network
		}
		if err != nil {
			return nil, fmt.Errorf("listing the security groups of the private network %s: %w", networkID, err)
		}
		for _, sg := range groups {
			rest, ok := strings.CutPrefix(sg.Description, workspaceUserDescription(""))
			name, network, described := strings.Cut(rest, " network:")
			if !ok || !described || network != networkID || !strings.HasPrefix(name, prefix) {
				continue
			}
			w := cloud.Workspace{ID: sg.ID, Name: name, NetworkID: networkID, CloudIDs: map[string]string{
				keyWorkspaceGroup: sg.ID, keyOpenstackUser: strconv.FormatInt(userID, 10)}}
			if id, ok := workspaceUsers[name]; ok && !claimed[name] {
				w.CloudIDs[keyUser], claimed[name] = strconv.FormatInt(id, 10), true
			}
			out = append(out, w)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(workspaceUsers)) {
		if !claimed[name] {
			out = append(out, cloud.Workspace{Name: name, CloudIDs: map[string]string{keyUser: strconv.FormatInt(workspaceUsers[name], 10)}})
		}
	}
	return out, nil
}

// FindKeyManagers returns nothing: on OVHcloud the key manager is the
// account's KMS, which the provider never makes nor deletes.
func (c *Client) FindKeyManagers(context.Context, string) ([]cloud.KeyManagerCluster, error) {
	return nil, nil
}

// FindKeys returns the keys of the KMS whose name starts with prefix, by
// their first version; a later version whose first is gone comes back as
// a key of its own. DeleteKey deletes every version of each.
func (c *Client) FindKeys(ctx context.Context, prefix string) ([]cloud.Key, error) {
	if err := c.kmsSettings(); err != nil {
		return nil, err
	}
	all, err := c.listServiceKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the service keys of the KMS %s: %w", c.cfg.KMSID, err)
	}
	live := map[string]bool{}
	for _, k := range all {
		if !k.gone() {
			live[k.Name] = true
		}
	}
	var out []cloud.Key
	for _, k := range all {
		if k.gone() || !strings.HasPrefix(k.Name, prefix) {
			continue
		}
		if base, n := splitVersion(k.Name); n > 1 && live[base] {
			continue // deleted with its first version
		}
		out = append(out, cloud.Key{ID: k.ID, KeyID: k.ID, Name: k.Name, Backend: cloud.BackendOKMS})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// splitVersion reads a service key's name as "<key>.v<n>"; a first
// version is (name, 1).
func splitVersion(name string) (string, int) {
	i := strings.LastIndex(name, ".v")
	if i < 0 {
		return name, 1
	}
	if n := versionOf(name[:i], name); n > 1 {
		return name[:i], n
	}
	return name, 1
}

// FindBuckets returns the region's buckets whose name starts with prefix,
// then the users made for such a bucket that no bucket of the region names
// any more (DeleteBucket of a Bucket without a name deletes the user).
func (c *Client) FindBuckets(ctx context.Context, prefix string) ([]cloud.Bucket, error) {
	if err := c.storageSettings(); err != nil {
		return nil, err
	}
	var containers []container
	err := c.call(ctx, http.MethodGet, fill(routeStorages, c.cfg.ProjectID, c.cfg.Region), routeStorages, nil, &containers)
	if err != nil {
		return nil, fmt.Errorf("listing the buckets of %s: %w", c.cfg.Region, err)
	}
	users, err := c.listUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the users of the project: %w", err)
	}
	var out []cloud.Bucket
	owners := map[int64]bool{}
	for _, ct := range containers {
		if strings.HasPrefix(ct.Name, prefix) {
			b := c.bucketRef(ct.Name)
			b.CloudIDs[keyUser] = strconv.FormatInt(ct.OwnerID, 10)
			out = append(out, b)
		}
		owners[ct.OwnerID] = true
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	for _, u := range users {
		bucket, ours := strings.CutPrefix(u.Description, userDescription(""))
		if !ours || !strings.HasPrefix(bucket, prefix) || owners[u.ID] || u.Status == userStatusGone || u.Status == userStatusDelete {
			continue
		}
		b := c.bucketRef("")
		b.CloudIDs[keyUser] = strconv.FormatInt(u.ID, 10)
		out = append(out, b)
	}
	return out, nil
}
