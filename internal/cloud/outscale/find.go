package outscale

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// Finders by name prefix. They find what a resource made whether or not a
// Terraform state names it, by the health:* tags every object carries, and
// return it as the reference its Delete function removes completely. They
// only read. make sweep (internal/sweep) uses them to clean what test runs
// left, and the acceptance tests' CheckDestroy to prove a destroy left
// nothing of a name.

// FindNetworks returns the warehouse networks whose name starts with
// prefix: each Net tagged cloud.TagNetwork, then the internet services and
// NAT addresses that a create which failed early made outside any of them
// (DeleteNetwork of a Network without a Net deletes those).
func (c *Client) FindNetworks(ctx context.Context, prefix string) ([]cloud.Network, error) {
	byKey := &[]string{cloud.TagNetwork}
	nets, err := c.readNetsTagged(ctx, osc.FiltersNet{TagKeys: byKey})
	if err != nil {
		return nil, fmt.Errorf("listing the Nets of warehouse networks: %w", err)
	}
	var out []cloud.Network
	tokens := map[string]bool{} // of the Nets found: their NAT addresses go with them
	for _, net := range nets {
		name := tagValue(net.GetTags(), cloud.TagNetwork)
		if !strings.HasPrefix(name, prefix) || net.GetState() == "deleted" {
			continue
		}
		if token := tagValue(net.GetTags(), cloud.TagClientToken); token != "" {
			tokens[token] = true
		}
		out = append(out, cloud.Network{ID: net.GetNetId(), Name: name, Region: c.cfg.Region,
			CloudIDs: map[string]string{keyNet: net.GetNetId()}})
	}

	services, err := readAll(ctx, c, "ReadInternetServices", func(ctx context.Context, page string) ([]osc.InternetService, string, *http.Response, error) {
		resp, httpResp, err := c.api.InternetServiceApi.ReadInternetServices(ctx).ReadInternetServicesRequest(osc.ReadInternetServicesRequest{
			Filters: &osc.FiltersInternetService{TagKeys: byKey}, NextPageToken: pageToken(page)}).Execute()
		return resp.GetInternetServices(), resp.GetNextPageToken(), httpResp, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing the internet services of warehouse networks: %w", err)
	}
	for _, igw := range services {
		name := tagValue(igw.GetTags(), cloud.TagNetwork)
		if strings.HasPrefix(name, prefix) && igw.GetNetId() == "" {
			out = append(out, cloud.Network{Name: name, Region: c.cfg.Region,
				CloudIDs: map[string]string{keyInternetService: igw.GetInternetServiceId()}})
		}
	}

	ips, err := c.readPublicIPsTagged(ctx, osc.FiltersPublicIp{TagKeys: byKey})
	if err != nil {
		return nil, fmt.Errorf("listing the public IPs of warehouse networks: %w", err)
	}
	for _, ip := range ips {
		tags := tagMap(ip.GetTags())
		name := tags[cloud.TagNetwork]
		// A bastion's or a key manager's address also names its network:
		// it is theirs, and goes with them.
		_, ofBastion := tags[cloud.TagBastion]
		_, ofKeyManager := tags[cloud.TagKeyManager]
		if !strings.HasPrefix(name, prefix) || ofBastion || ofKeyManager || tokens[tags[cloud.TagClientToken]] {
			continue
		}
		out = append(out, cloud.Network{Name: name, Region: c.cfg.Region,
			CloudIDs: map[string]string{keyNatPublicIP: ip.GetPublicIpId()}})
	}
	return out, nil
}

// FindBastions returns the bastions whose name starts with prefix: each
// VM tagged cloud.TagBastion that is not terminated, with the public IP of
// its name linked to it, then the bastions' addresses left without a VM.
func (c *Client) FindBastions(ctx context.Context, prefix string) ([]cloud.Bastion, error) {
	byKey := &[]string{cloud.TagBastion}
	vms, err := c.readVMs(ctx, osc.FiltersVm{TagKeys: byKey})
	if err != nil {
		return nil, fmt.Errorf("listing the VMs of bastions: %w", err)
	}
	ips, err := c.readPublicIPsTagged(ctx, osc.FiltersPublicIp{TagKeys: byKey})
	if err != nil {
		return nil, fmt.Errorf("listing the public IPs of bastions: %w", err)
	}
	var out []cloud.Bastion
	byVM := map[string]int{} // index in out
	for _, vm := range vms {
		name := tagValue(vm.GetTags(), cloud.TagBastion)
		if !strings.HasPrefix(name, prefix) || vm.GetState() == vmTerminated {
			continue
		}
		byVM[vm.GetVmId()] = len(out)
		out = append(out, cloud.Bastion{ID: vm.GetVmId(), Name: name, State: vm.GetState(),
			CloudIDs: map[string]string{keyVM: vm.GetVmId()}})
	}
	for _, ip := range ips {
		name := tagValue(ip.GetTags(), cloud.TagBastion)
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		if i, linked := byVM[ip.GetVmId()]; linked && out[i].CloudIDs[keyPublicIP] == "" {
			out[i].CloudIDs[keyPublicIP] = ip.GetPublicIpId()
			continue
		}
		out = append(out, cloud.Bastion{Name: name, CloudIDs: map[string]string{keyPublicIP: ip.GetPublicIpId()}})
	}
	return out, nil
}

// FindDataGateways returns the data gateways whose name starts with
// prefix: each VM tagged cloud.TagDataGateway that is not terminated.
func (c *Client) FindDataGateways(ctx context.Context, prefix string) ([]cloud.DataGateway, error) {
	vms, err := c.readVMs(ctx, osc.FiltersVm{TagKeys: &[]string{cloud.TagDataGateway}})
	if err != nil {
		return nil, fmt.Errorf("listing the VMs of data gateways: %w", err)
	}
	var out []cloud.DataGateway
	for _, vm := range vms {
		name := tagValue(vm.GetTags(), cloud.TagDataGateway)
		if strings.HasPrefix(name, prefix) && vm.GetState() != vmTerminated {
			out = append(out, cloud.DataGateway{ID: vm.GetVmId(), Name: name, State: vm.GetState(),
				CloudIDs: map[string]string{keyVM: vm.GetVmId()}})
		}
	}
	return out, nil
}

// FindWorkspaces returns the workspaces whose name starts with prefix: each
// security group tagged with a workspace's name. DeleteWorkspace finds
// their machines and identity from the group.
func (c *Client) FindWorkspaces(ctx context.Context, prefix string) ([]cloud.Workspace, error) {
	groups, err := readAll(ctx, c, "ReadSecurityGroups", func(ctx context.Context, page string) ([]osc.SecurityGroup, string, *http.Response, error) {
		resp, httpResp, err := c.api.SecurityGroupApi.ReadSecurityGroups(ctx).ReadSecurityGroupsRequest(osc.ReadSecurityGroupsRequest{
			Filters: &osc.FiltersSecurityGroup{TagKeys: &[]string{tagWorkspace}}, NextPageToken: pageToken(page)}).Execute()
		return resp.GetSecurityGroups(), resp.GetNextPageToken(), httpResp, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing the security groups of workspaces: %w", err)
	}
	var out []cloud.Workspace
	for _, g := range groups {
		if name := tagValue(g.GetTags(), tagWorkspace); strings.HasPrefix(name, prefix) {
			out = append(out, cloud.Workspace{ID: g.GetSecurityGroupId(), Name: name, NetworkID: g.GetNetId(),
				CloudIDs: map[string]string{"security_group": g.GetSecurityGroupId()}})
		}
	}
	return out, nil
}

// FindKeyManagers returns the key managers whose name starts with prefix:
// each cluster's security group tagged cloud.TagKeyManager, with its VMs,
// then the servers tagged with such a name that no group of it holds.
func (c *Client) FindKeyManagers(ctx context.Context, prefix string) ([]cloud.KeyManagerCluster, error) {
	byKey := &[]string{cloud.TagKeyManager}
	groups, err := readAll(ctx, c, "ReadSecurityGroups", func(ctx context.Context, page string) ([]osc.SecurityGroup, string, *http.Response, error) {
		resp, httpResp, err := c.api.SecurityGroupApi.ReadSecurityGroups(ctx).ReadSecurityGroupsRequest(osc.ReadSecurityGroupsRequest{
			Filters: &osc.FiltersSecurityGroup{TagKeys: byKey}, NextPageToken: pageToken(page)}).Execute()
		return resp.GetSecurityGroups(), resp.GetNextPageToken(), httpResp, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing the security groups of key managers: %w", err)
	}
	vms, err := c.readVMs(ctx, osc.FiltersVm{TagKeys: byKey})
	if err != nil {
		return nil, fmt.Errorf("listing the VMs of key managers: %w", err)
	}
	var out []cloud.KeyManagerCluster
	byGroup := map[string]int{} // index in out
	for _, g := range groups {
		tags := tagMap(g.GetTags())
		name := tags[cloud.TagKeyManager]
		// A tier's group also carries the network's tags, never this one;
		// the cluster's own group is the one its name says.
		if !strings.HasPrefix(name, prefix) || g.GetSecurityGroupName() != keyManagerGroupName(name) {
			continue
		}
		byGroup[g.GetSecurityGroupId()] = len(out)
		out = append(out, cloud.KeyManagerCluster{ID: g.GetSecurityGroupId(), Name: name, Backend: cloud.BackendOpenBao,
			NetworkID: g.GetNetId(), Region: c.cfg.Region,
			CloudIDs: map[string]string{keySecurityGroupOfCluster: g.GetSecurityGroupId()}})
	}
	strays := map[string]int{} // key manager name → index in out, for servers outside any group found
	for _, vm := range vms {
		tags := tagMap(vm.GetTags())
		name := tags[cloud.TagKeyManager]
		if !strings.HasPrefix(name, prefix) || vm.GetState() == vmTerminated {
			continue
		}
		i, inGroup := -1, false
		for _, sg := range vm.GetSecurityGroups() {
			if j, ok := byGroup[sg.GetSecurityGroupId()]; ok {
				i, inGroup = j, true
				break
			}
		}
		if !inGroup {
			j, seen := strays[name]
			if !seen {
				j = len(out)
				strays[name] = j
				out = append(out, cloud.KeyManagerCluster{Name: name, Backend: cloud.BackendOpenBao, Region: c.cfg.Region,
					CloudIDs: map[string]string{}})
			}
			i = j
		}
		index, err := strconv.Atoi(tags[cloud.TagKeyManagerNode])
		if err != nil || index < 1 {
			index = 1000 + len(out[i].CloudIDs) // not numbered: a key of its own all the same
		}
		out[i].CloudIDs[cloud.KeyManagerVMKey(index)] = vm.GetVmId()
	}
	return out, nil
}

// FindKeys returns the transit keys of the customer's OpenBao whose name
// starts with prefix.
func (c *Client) FindKeys(ctx context.Context, prefix string) ([]cloud.Key, error) {
	ob, err := c.keyManager()
	if err != nil {
		return nil, err
	}
	var list struct {
		Keys []string `json:"keys"`
	}
	err = c.baoCall(ctx, ob, true, "LIST", ob.mount+"/keys", nil, &list)
	if isNotFound(err) {
		return nil, nil // OpenBao answers 404 to the listing of an engine without keys
	}
	if err != nil {
		return nil, fmt.Errorf("listing the keys of %s: %w", ob.mount, err)
	}
	sort.Strings(list.Keys)
	var out []cloud.Key
	for _, name := range list.Keys {
		if strings.HasPrefix(name, prefix) {
			out = append(out, cloud.Key{ID: name, KeyID: name, Name: name, Backend: cloud.BackendOpenBao})
		}
	}
	return out, nil
}

// FindBuckets returns the account's buckets whose name starts with prefix.
func (c *Client) FindBuckets(ctx context.Context, prefix string) ([]cloud.Bucket, error) {
	if err := c.missingSettings(); err != nil {
		return nil, err
	}
	names, err := c.store().List(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the buckets: %w", err)
	}
	var out []cloud.Bucket
	for _, name := range names {
		if strings.HasPrefix(name, prefix) {
			out = append(out, c.bucketRef(name))
		}
	}
	return out, nil
}

// readPublicIPsTagged reads the addresses filters select by tag.
func (c *Client) readPublicIPsTagged(ctx context.Context, filters osc.FiltersPublicIp) ([]osc.PublicIp, error) {
	return readAll(ctx, c, "ReadPublicIps", func(ctx context.Context, page string) ([]osc.PublicIp, string, *http.Response, error) {
		resp, httpResp, err := c.api.PublicIpApi.ReadPublicIps(ctx).ReadPublicIpsRequest(osc.ReadPublicIpsRequest{
			Filters: &filters, NextPageToken: pageToken(page)}).Execute()
		return resp.GetPublicIps(), resp.GetNextPageToken(), httpResp, err
	})
}
