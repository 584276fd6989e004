package outscale

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	osc "github.com/outscale/osc-sdk-go/v2"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// A warehouse bastion on OUTSCALE is a VM in the network's bastion subnet,
// in the bastion tier's security group (which admits SSH from the
// administrators' blocks only), with a public IP of its own linked to it.
// Its user-data (cloud-init) configures everything else at first boot.
//
// No keypair: the administrators' keys come with the user-data, and an
// OUTSCALE keypair would only install one more key for the image's
// default account, which the user-data does not create.
//
// What the API shows of it: ReadVms returns the user-data, base64-encoded,
// to any identity of the account allowed to call ReadVms. It holds the
// host's private key: restrict ReadVms with EIM policies to those who may
// impersonate the bastion.

// Keys of Bastion.CloudIDs on OUTSCALE.
const (
	keyVM           = "vm"
	keyPublicIP     = "public_ip"
	keyPublicIPLink = "public_ip.link"
)

// machineRole is what a VM made here is for: the bastion (public, in the
// bastion tier) or a data gateway (private, in the data tier). Both are
// made, read and deleted the same way.
type machineRole struct {
	kind   string // in messages: "bastion", "data gateway"
	tag    string // the tag holding the machine's name
	tier   string
	public bool // a public IP of its own, linked to it
}

var (
	roleBastion     = machineRole{kind: "bastion", tag: cloud.TagBastion, tier: cloud.TierBastion, public: true}
	roleDataGateway = machineRole{kind: "data gateway", tag: cloud.TagDataGateway, tier: cloud.TierData}
)

// imagesAccountAlias owns OUTSCALE's official OMIs.
const imagesAccountAlias = "Outscale"

// imagePrefixes are the name prefixes of the official OMIs of each family
// ("Debian-12-2025.03.18-0").
var imagePrefixes = map[string]string{
	cloud.ImageDebian12: "Debian-12-",
	cloud.ImageUbuntu24: "Ubuntu-24.04-",
}

// VM states (Vm.State).
const (
	vmPending      = "pending"
	vmRunning      = "running"
	vmStopping     = "stopping"
	vmStopped      = "stopped"
	vmShuttingDown = "shutting-down"
	vmTerminated   = "terminated"
)

// ResolveImage implements cloud.Bastions: the newest available official
// OMI of a family, or the OMI whose id is given.
func (c *Client) ResolveImage(ctx context.Context, image string) (cloud.Image, error) {
	prefix, family := imagePrefixes[image]
	if !family {
		images, err := c.readImages(ctx, osc.FiltersImage{ImageIds: &[]string{image}})
		if err != nil {
			return cloud.Image{}, fmt.Errorf("reading the OMI %s: %w", image, err)
		}
		if len(images) == 0 {
			return cloud.Image{}, fmt.Errorf("the OMI %s does not exist in %s, or the account may not launch it: %w", image, c.cfg.Region, cloud.ErrNotFound)
		}
		return cloud.Image{ID: images[0].GetImageId(), Name: images[0].GetImageName()}, nil
	}
	// Names are matched here rather than with a wildcard filter, whose
	// support by OAPI is not documented.
	images, err := c.readImages(ctx, osc.FiltersImage{AccountAliases: &[]string{imagesAccountAlias}, States: &[]string{"available"}})
	if err != nil {
		return cloud.Image{}, fmt.Errorf("listing the official OMIs: %w", err)
	}
	var found []osc.Image
	for _, img := range images {
		if strings.HasPrefix(img.GetImageName(), prefix) {
			found = append(found, img)
		}
	}
	if len(found) == 0 {
		return cloud.Image{}, fmt.Errorf("no official %s* OMI is available in %s: %w", prefix, c.cfg.Region, cloud.ErrNotFound)
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].GetCreationDate() != found[j].GetCreationDate() {
			return found[i].GetCreationDate() < found[j].GetCreationDate()
		}
		return found[i].GetImageName() < found[j].GetImageName()
	})
	newest := found[len(found)-1]
	return cloud.Image{ID: newest.GetImageId(), Name: newest.GetImageName()}, nil
}

// CreateBastion implements cloud.Bastions.
//
// The VM and its public IP carry cloud.TagCreating, the create's lease,
// until the create returns; a create first deletes the bastions of its
// name whose lease has expired, and refuses to go on beside one whose
// lease runs (see cloud.Lease).
func (c *Client) CreateBastion(ctx context.Context, spec cloud.BastionSpec) (cloud.Bastion, error) {
	return c.createMachine(ctx, roleBastion, spec, "")
}

// CreateDataGateway implements cloud.DataGateways, as CreateBastion
// without the public IP.
func (c *Client) CreateDataGateway(ctx context.Context, spec cloud.DataGatewaySpec) (cloud.DataGateway, error) {
	return c.createMachine(ctx, roleDataGateway, cloud.BastionSpec{Name: spec.Name, Network: spec.Network, Type: spec.Type,
		ImageID: spec.ImageID, UserData: spec.UserData, Tags: spec.Tags, ClientToken: spec.ClientToken}, spec.PrivateIP)
}

// DataGatewayAddress implements cloud.DataGateways: a free address of the
// data subnet, among those its VMs do not hold.
func (c *Client) DataGatewayAddress(ctx context.Context, network cloud.Network) (string, error) {
	sub, ok := network.Subnets[cloud.TierData]
	if !ok || sub.ID == "" || sub.CIDR == "" {
		return "", fmt.Errorf("the network %s has no data subnet (was it changed outside Terraform?)", network.ID)
	}
	vms, err := c.readVMs(ctx, osc.FiltersVm{SubnetIds: &[]string{sub.ID}})
	if err != nil {
		return "", fmt.Errorf("listing the VMs of the data subnet %s: %w", sub.ID, err)
	}
	var used []string
	for _, vm := range vms {
		if vm.GetState() != vmTerminated {
			used = append(used, vm.GetPrivateIp())
		}
	}
	free, err := cloud.FreeAddresses(cloud.TierData, sub.CIDR, used, 1, "data gateways")
	if err != nil {
		return "", err
	}
	return free[0], nil
}

func (c *Client) createMachine(ctx context.Context, role machineRole, spec cloud.BastionSpec, privateIP string) (cloud.Bastion, error) {
	b := cloud.Bastion{Name: spec.Name, NetworkID: spec.Network.ID, ImageID: spec.ImageID, Type: spec.Type, Tags: spec.Tags,
		CloudIDs: map[string]string{}}
	var lease cloud.Lease
	if spec.ClientToken != "" {
		defer c.creating.Start(spec.ClientToken)()
		lease = cloud.NewLease(ctx, spec.ClientToken, c.now())
	}
	if err := c.removeLeftoverMachines(ctx, role, spec.Name); err != nil {
		return b, fmt.Errorf("creating the %s %s: %w", role.kind, spec.Name, err)
	}
	if err := c.buildMachine(ctx, role, &b, spec, lease, privateIP); err != nil {
		return b, fmt.Errorf("creating the %s %s: %w", role.kind, spec.Name, err)
	}
	if spec.ClientToken != "" {
		made := []string{b.CloudIDs[keyVM]}
		if ip := b.CloudIDs[keyPublicIP]; ip != "" {
			made = append(made, ip)
		}
		if err := c.deleteTags(ctx, made, map[string]string{cloud.TagCreating: lease.Tag()}); err != nil {
			return b, fmt.Errorf("creating the %s %s: marking it made: %w", role.kind, spec.Name, err)
		}
	}
	read, err := c.readMachine(ctx, role, b)
	if err != nil {
		return b, fmt.Errorf("reading the %s %s back after creating it: %w", role.kind, spec.Name, err)
	}
	return read, nil
}

func (c *Client) buildMachine(ctx context.Context, role machineRole, b *cloud.Bastion, spec cloud.BastionSpec, lease cloud.Lease, privateIP string) error {
	sub, ok := spec.Network.Subnets[role.tier]
	if !ok || sub.ID == "" || sub.SecurityGroupID == "" {
		return fmt.Errorf("the network %s has no %s subnet with its security group (was it changed outside Terraform?)", spec.Network.ID, role.tier)
	}
	req := osc.CreateVmsRequest{
		ImageId:                     spec.ImageID,
		VmType:                      ptr(spec.Type),
		SubnetId:                    ptr(sub.ID),
		SecurityGroupIds:            &[]string{sub.SecurityGroupID},
		UserData:                    ptr(base64.StdEncoding.EncodeToString(spec.UserData)),
		BootOnCreation:              ptr(true),
		VmInitiatedShutdownBehavior: ptr("stop"),
	}
	if spec.ClientToken != "" {
		req.ClientToken = ptr(spec.ClientToken)
	}
	if privateIP != "" {
		req.PrivateIps = &[]string{privateIP}
	}
	vm, err := c.createVM(ctx, req)
	if err != nil {
		if spec.ClientToken != "" && errors.Is(err, cloud.ErrUnavailable) {
			// The VM may exist although the answer was lost: its token finds it.
			if vms, _ := c.readVMs(ctx, osc.FiltersVm{ClientTokens: &[]string{spec.ClientToken}}); len(vms) == 1 {
				b.ID, b.CloudIDs[keyVM] = vms[0].GetVmId(), vms[0].GetVmId()
			}
		}
		return fmt.Errorf("creating the VM (%s, %s) in the subnet %s: %w", spec.Type, spec.ImageID, sub.ID, err)
	}
	id := vm.GetVmId()
	b.ID, b.CloudIDs[keyVM] = id, id
	t := bastionTagger{role: role, name: spec.Name, network: spec.Network.Name, token: spec.ClientToken, lease: lease, user: spec.Tags}
	if err := c.createTags(ctx, []string{id}, t.creating(t.vm(spec.HostKeyFingerprint))); err != nil {
		return err
	}
	if !role.public {
		return c.waitVM(ctx, id, vmRunning)
	}
	// The address is allocated while the VM boots.
	var ip osc.PublicIp
	var mu sync.Mutex
	err = cloud.Parallel(ctx,
		func(ctx context.Context) error { return c.waitVM(ctx, id, vmRunning) },
		func(ctx context.Context) error {
			var err error
			if ip, err = c.createPublicIP(ctx); err != nil {
				return fmt.Errorf("allocating the bastion's public IP: %w", err)
			}
			mu.Lock()
			b.CloudIDs[keyPublicIP] = ip.GetPublicIpId()
			mu.Unlock()
			return c.createTags(ctx, []string{ip.GetPublicIpId()}, t.creating(t.publicIP()))
		})
	if err != nil {
		return err
	}
	link, err := c.linkPublicIP(ctx, ip.GetPublicIpId(), id)
	if err != nil {
		return fmt.Errorf("linking the public IP %s to the VM %s: %w", ip.GetPublicIp(), id, err)
	}
	b.CloudIDs[keyPublicIPLink] = link
	return nil
}

// bastionTagger computes the tags of the bastion's objects.
type bastionTagger struct {
	role                 machineRole
	name, network, token string
	lease                cloud.Lease // the mark of the create in progress
	user                 map[string]string
}

func (t bastionTagger) base() map[string]string {
	out := map[string]string{}
	for k, v := range t.user {
		out[k] = v
	}
	out[cloud.TagName] = t.name
	out[t.role.tag] = t.name
	if t.network != "" {
		out[cloud.TagNetwork] = t.network
	}
	if t.token != "" {
		out[cloud.TagClientToken] = t.token
	}
	return out
}

// creating adds the mark of a create in progress, its lease, to tags.
func (t bastionTagger) creating(tags map[string]string) map[string]string {
	if t.token != "" {
		tags[cloud.TagCreating] = t.lease.Tag()
	}
	return tags
}

func (t bastionTagger) vm(fingerprint string) map[string]string {
	out := t.base()
	if fingerprint != "" {
		out[cloud.TagHostKey] = fingerprint
	}
	return out
}

func (t bastionTagger) publicIP() map[string]string { return t.base() }

// removeLeftoverMachines deletes the VMs and public IPs of machines of role called
// name that a create which died left behind: they still carry
// cloud.TagCreating, whose lease has expired. Those whose lease runs may
// be another live run's: they are left alone, and the create refused
// (cloud.InProgressError).
func (c *Client) removeLeftoverMachines(ctx context.Context, role machineRole, name string) error {
	byName := &[]string{role.tag + "=" + name}
	marked := &[]string{cloud.TagCreating}
	var vms []osc.Vm
	var ips []osc.PublicIp
	err := cloud.Parallel(ctx,
		func(ctx context.Context) error {
			var err error
			vms, err = c.readVMs(ctx, osc.FiltersVm{Tags: byName, TagKeys: marked})
			return err
		},
		func(ctx context.Context) error {
			var err error
			ips, err = readAll(ctx, c, "ReadPublicIps", func(ctx context.Context, page string) ([]osc.PublicIp, string, *http.Response, error) {
				resp, httpResp, err := c.api.PublicIpApi.ReadPublicIps(ctx).ReadPublicIpsRequest(osc.ReadPublicIpsRequest{
					Filters: &osc.FiltersPublicIp{Tags: byName, TagKeys: marked}, NextPageToken: pageToken(page)}).Execute()
				return resp.GetPublicIps(), resp.GetNextPageToken(), httpResp, err
			})
			return err
		})
	if err != nil {
		return fmt.Errorf("looking for what an interrupted create of %s left: %w", name, err)
	}
	left := map[string]*cloud.Bastion{} // by token
	var live *cloud.InProgressError
	leftover := func(tags []osc.ResourceTag, id string) *cloud.Bastion {
		lease := cloud.ParseLeaseTag(tagValue(tags, cloud.TagCreating))
		if tagValue(tags, role.tag) != name || c.creating.Running(lease.Token) {
			return nil
		}
		if !lease.Abandoned(c.now(), c.takeOver) {
			if live == nil {
				live = &cloud.InProgressError{Kind: role.kind, Name: name, Lease: lease}
			}
			live.Objects = append(live.Objects, id)
			return nil
		}
		if left[lease.Token] == nil {
			left[lease.Token] = &cloud.Bastion{Name: name, CloudIDs: map[string]string{}}
		}
		return left[lease.Token]
	}
	for _, vm := range vms {
		if vm.GetState() == vmTerminated {
			continue
		}
		if b := leftover(vm.GetTags(), vm.GetVmId()); b != nil {
			b.ID, b.CloudIDs[keyVM] = vm.GetVmId(), vm.GetVmId()
		}
	}
	for _, ip := range ips {
		if b := leftover(ip.GetTags(), ip.GetPublicIpId()); b != nil {
			b.CloudIDs[keyPublicIP] = ip.GetPublicIpId()
		}
	}
	if live != nil {
		return live
	}
	for _, b := range left {
		if err := c.DeleteBastion(ctx, *b); err != nil {
			return fmt.Errorf("deleting what an interrupted create of %s left: %w", name, err)
		}
	}
	return nil
}

// waitVM waits until the VM reaches state; a VM that terminates meanwhile
// is ErrNotFound.
func (c *Client) waitVM(ctx context.Context, id, state string) error {
	return cloud.WaitFor(ctx, c.retry, "the VM "+id+" to be "+state, func(ctx context.Context) (bool, error) {
		vms, err := c.readVMs(ctx, osc.FiltersVm{VmIds: &[]string{id}})
		if err != nil {
			return false, fmt.Errorf("reading the VM %s: %w", id, err)
		}
		if len(vms) == 0 {
			return false, fmt.Errorf("the VM %s disappeared: %w", id, cloud.ErrNotFound)
		}
		switch current := vms[0].GetState(); current {
		case state:
			return true, nil
		case vmTerminated, vmShuttingDown:
			return false, fmt.Errorf("the VM %s is %s instead of becoming %s: %w", id, current, state, cloud.ErrNotFound)
		case "quarantine":
			return false, fmt.Errorf("the VM %s is in quarantine (%s): ask OUTSCALE's support", id, vms[0].GetStateReason())
		}
		return false, nil
	})
}

// vmID is the VM a reference names.
func vmID(ref cloud.Bastion) string {
	if ref.ID != "" {
		return ref.ID
	}
	return ref.CloudIDs[keyVM]
}

// ReadBastion implements cloud.Bastions. The public IP is the one linked
// to the VM; the one the last state recorded is kept in CloudIDs while it
// exists, linked or not, so that Repair and Delete find it.
func (c *Client) ReadBastion(ctx context.Context, ref cloud.Bastion) (cloud.Bastion, error) {
	return c.readMachine(ctx, roleBastion, ref)
}

// ReadDataGateway implements cloud.DataGateways.
func (c *Client) ReadDataGateway(ctx context.Context, ref cloud.DataGateway) (cloud.DataGateway, error) {
	return c.readMachine(ctx, roleDataGateway, ref)
}

func (c *Client) readMachine(ctx context.Context, role machineRole, ref cloud.Bastion) (cloud.Bastion, error) {
	id := vmID(ref)
	if id == "" {
		return cloud.Bastion{}, fmt.Errorf("the %s has no VM id: %w", role.kind, cloud.ErrNotFound)
	}
	vms, err := c.readVMs(ctx, osc.FiltersVm{VmIds: &[]string{id}})
	if err != nil {
		return cloud.Bastion{}, fmt.Errorf("reading the VM %s: %w", id, err)
	}
	if len(vms) == 0 {
		return cloud.Bastion{}, fmt.Errorf("the VM %s does not exist: %w", id, cloud.ErrNotFound)
	}
	vm := vms[0]
	if s := vm.GetState(); s == vmTerminated || s == vmShuttingDown {
		return cloud.Bastion{}, fmt.Errorf("the VM %s is %s: %w", id, s, cloud.ErrNotFound)
	}
	tags := tagMap(vm.GetTags())
	b := cloud.Bastion{
		ID:        id,
		Name:      tags[role.tag],
		NetworkID: vm.GetNetId(),
		State:     vm.GetState(),
		Running:   vm.GetState() == vmRunning || vm.GetState() == vmPending,
		PrivateIP: vm.GetPrivateIp(),
		ImageID:   vm.GetImageId(),
		Type:      vm.GetVmType(),
		Tags:      map[string]string{},
		CloudIDs:  map[string]string{keyVM: id},
	}
	if b.Name == "" {
		b.Name = tags[cloud.TagName]
	}
	for k, v := range tags {
		if !reservedTag(k) {
			b.Tags[k] = v
		}
	}
	if raw := vm.GetUserData(); raw != "" {
		if data, err := base64.StdEncoding.DecodeString(raw); err == nil {
			b.UserData = data
			sum := sha256.Sum256(data)
			b.UserDataSHA256 = hex.EncodeToString(sum[:])
		}
	}
	if !role.public {
		return b, nil
	}
	linked, err := c.readPublicIPsOfVM(ctx, id)
	if err != nil {
		return cloud.Bastion{}, fmt.Errorf("reading the public IP of the VM %s: %w", id, err)
	}
	if len(linked) > 0 {
		b.PublicIP = linked[0].GetPublicIp()
		b.CloudIDs[keyPublicIP] = linked[0].GetPublicIpId()
		b.CloudIDs[keyPublicIPLink] = linked[0].GetLinkPublicIpId()
	} else if known := ref.CloudIDs[keyPublicIP]; known != "" {
		ips, err := c.readPublicIPs(ctx, known)
		if err != nil {
			return cloud.Bastion{}, fmt.Errorf("reading the public IP %s: %w", known, err)
		}
		if len(ips) > 0 {
			b.CloudIDs[keyPublicIP] = known // unlinked, still ours
		}
	}
	return b, nil
}

// RepairBastion implements cloud.Bastions.
func (c *Client) RepairBastion(ctx context.Context, ref cloud.Bastion) (cloud.Bastion, error) {
	return c.repairMachine(ctx, roleBastion, ref)
}

// RepairDataGateway implements cloud.DataGateways.
func (c *Client) RepairDataGateway(ctx context.Context, ref cloud.DataGateway) (cloud.DataGateway, error) {
	return c.repairMachine(ctx, roleDataGateway, ref)
}

func (c *Client) repairMachine(ctx context.Context, role machineRole, ref cloud.Bastion) (cloud.Bastion, error) {
	b, err := c.readMachine(ctx, role, ref)
	if err != nil {
		return ref, err
	}
	switch b.State {
	case vmStopping:
		if err := c.waitVM(ctx, b.ID, vmStopped); err != nil {
			return b, err
		}
		fallthrough
	case vmStopped:
		if err := c.startVM(ctx, b.ID); err != nil {
			return b, fmt.Errorf("starting the VM %s: %w", b.ID, err)
		}
		if err := c.waitVM(ctx, b.ID, vmRunning); err != nil {
			return b, err
		}
	}
	if role.public && b.PublicIP == "" {
		ipID := b.CloudIDs[keyPublicIP]
		if ipID == "" {
			ip, err := c.createPublicIP(ctx)
			if err != nil {
				return b, fmt.Errorf("allocating a new public IP for the bastion: %w", err)
			}
			ipID = ip.GetPublicIpId()
			b.CloudIDs[keyPublicIP] = ipID
			t := bastionTagger{role: role, name: b.Name, user: b.Tags}
			if err := c.createTags(ctx, []string{ipID}, t.publicIP()); err != nil {
				return b, err
			}
		}
		if _, err := c.linkPublicIP(ctx, ipID, b.ID); err != nil {
			return b, fmt.Errorf("linking the public IP %s to the VM %s again: %w", ipID, b.ID, err)
		}
	}
	return c.readMachine(ctx, role, b)
}

// UpdateBastionTags implements cloud.Bastions: the user's tags on the VM
// and its public IP, the provider's left as they are.
func (c *Client) UpdateBastionTags(ctx context.Context, ref cloud.Bastion, name string, tags map[string]string) (cloud.Bastion, error) {
	return c.updateMachineTags(ctx, roleBastion, ref, name, tags)
}

// UpdateDataGatewayTags implements cloud.DataGateways.
func (c *Client) UpdateDataGatewayTags(ctx context.Context, ref cloud.DataGateway, name string, tags map[string]string) (cloud.DataGateway, error) {
	return c.updateMachineTags(ctx, roleDataGateway, ref, name, tags)
}

func (c *Client) updateMachineTags(ctx context.Context, role machineRole, ref cloud.Bastion, name string, tags map[string]string) (cloud.Bastion, error) {
	b, err := c.readMachine(ctx, role, ref)
	if err != nil {
		return ref, err
	}
	objects := []string{b.ID}
	if ip := b.CloudIDs[keyPublicIP]; ip != "" {
		objects = append(objects, ip)
	}
	stale := map[string]string{}
	for k, v := range b.Tags {
		if _, keep := tags[k]; !keep {
			stale[k] = v
		}
	}
	if err := c.deleteTags(ctx, objects, stale); err != nil {
		return b, err
	}
	desired := map[string]string{cloud.TagName: name, role.tag: name}
	for k, v := range tags {
		desired[k] = v
	}
	if err := c.createTags(ctx, objects, desired); err != nil {
		return b, err
	}
	return c.readMachine(ctx, role, b)
}

// DeleteBastion implements cloud.Bastions: the VM first (its termination
// releases the link of its public IP), then the public IP it recorded.
func (c *Client) DeleteBastion(ctx context.Context, b cloud.Bastion) error {
	if id := vmID(b); id != "" {
		if err := c.deleteVM(ctx, id); err != nil && !isNotFound(err) {
			return fmt.Errorf("deleting the VM %s: %w", id, err)
		}
		err := cloud.WaitFor(ctx, c.retry, "the VM "+id+" to be terminated", func(ctx context.Context) (bool, error) {
			vms, err := c.readVMs(ctx, osc.FiltersVm{VmIds: &[]string{id}})
			if err != nil {
				return false, fmt.Errorf("reading the VM %s: %w", id, err)
			}
			return len(vms) == 0 || vms[0].GetState() == vmTerminated, nil
		})
		if err != nil {
			return err
		}
	}
	if ipID := b.CloudIDs[keyPublicIP]; ipID != "" {
		if err := c.remove(ctx, "the public IP "+ipID, func(ctx context.Context) error { return c.deletePublicIP(ctx, ipID) }); err != nil {
			return err
		}
	}
	return nil
}

// DeleteDataGateway implements cloud.DataGateways, as DeleteBastion.
func (c *Client) DeleteDataGateway(ctx context.Context, ref cloud.DataGateway) error {
	return c.DeleteBastion(ctx, ref)
}

// AuditStorage implements cloud.Bastions: OOS in the account's Region.
func (c *Client) AuditStorage() (string, string) {
	if c.cfg.StorageEndpoint != "" {
		return c.cfg.StorageEndpoint, c.cfg.Region
	}
	return "https://oos." + c.cfg.Region + ".outscale.com", c.cfg.Region
}
