package ovh

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// A warehouse bastion on OVHcloud is an instance on the network's private
// network, in its bastion subnet, with a floating IP reached through the
// network's gateway. Its private port is put in the bastion tier's Neutron
// security group (secgroups.go), and in no other; its own firewall
// (nftables, from the user-data) applies the network's rules again, as
// defence in depth.
//
// What the API cannot hold:
//   - tags: instances have none; the resource keeps them in its state;
//   - client tokens: the instance is created under a provisional name that
//     carries the create's token, found by that name if the answer is
//     lost, and renamed once active (as the network does);
//   - the user-data: the API never answers it (InstanceDetail has no such
//     field), so neither its hash nor the host key can be read back after
//     an import. OpenStack's metadata service serves it to the instance.

// Keys of Bastion.CloudIDs on OVHcloud.
const (
	keyInstance   = "instance"
	keyFloatingIP = "floating_ip"
)

// machineRole is what an instance made here is for: the bastion (a
// floating IP, in the bastion tier) or a data gateway (private, in the
// data tier). Both are made, read and deleted the same way.
type machineRole struct {
	kind   string // in messages: "bastion", "data gateway"
	tier   string
	public bool // a floating IP through the network's gateway
}

var (
	roleBastion     = machineRole{kind: "bastion", tier: cloud.TierBastion, public: true}
	roleDataGateway = machineRole{kind: "data gateway", tier: cloud.TierData}
)

// imageNames are the names OVHcloud gives its public images of each family.
var imageNames = map[string]string{
	cloud.ImageDebian12: "Debian 12",
	cloud.ImageUbuntu24: "Ubuntu 24.04",
}

// ResolveImage implements cloud.Bastions: the image of a family in the
// client's region, or the image whose id is given.
func (c *Client) ResolveImage(ctx context.Context, name string) (cloud.Image, error) {
	if err := c.networkSettings(); err != nil {
		return cloud.Image{}, err
	}
	images, err := c.listImages(ctx)
	if err != nil {
		return cloud.Image{}, fmt.Errorf("listing the images of %s: %w", c.cfg.Region, err)
	}
	want, family := imageNames[name]
	var found []image
	for _, img := range images {
		if (family && img.Name == want) || (!family && img.ID == name) {
			found = append(found, img)
		}
	}
	if len(found) == 0 {
		what := "the image " + name
		if family {
			what = "an image named " + want
		}
		return cloud.Image{}, fmt.Errorf("%s does not exist in %s: %w", what, c.cfg.Region, cloud.ErrNotFound)
	}
	sort.Slice(found, func(i, j int) bool { return found[i].CreationDate < found[j].CreationDate })
	newest := found[len(found)-1]
	return cloud.Image{ID: newest.ID, Name: newest.Name}, nil
}

// flavorID finds a Linux flavor by name in the client's region.
func (c *Client) flavorID(ctx context.Context, name string) (string, error) {
	flavors, err := c.listFlavors(ctx)
	if err != nil {
		return "", fmt.Errorf("listing the flavors of %s: %w", c.cfg.Region, err)
	}
	var names []string
	for _, f := range flavors {
		if f.OSType != "linux" {
			continue
		}
		if f.Name == name {
			if !f.Available {
				return "", fmt.Errorf("the flavor %s is out of stock in %s: %w", name, c.cfg.Region, cloud.ErrQuota)
			}
			return f.ID, nil
		}
		names = append(names, f.Name)
	}
	slices.Sort(names)
	return "", fmt.Errorf("the flavor %s does not exist in %s (it has %s): %w", name, c.cfg.Region, strings.Join(names, ", "), cloud.ErrInvalid)
}

// CreateBastion implements cloud.Bastions.
func (c *Client) CreateBastion(ctx context.Context, spec cloud.BastionSpec) (cloud.Bastion, error) {
	return c.createMachine(ctx, roleBastion, spec, placement{})
}

// CreateDataGateway implements cloud.DataGateways, as CreateBastion
// without the floating IP.
func (c *Client) CreateDataGateway(ctx context.Context, spec cloud.DataGatewaySpec) (cloud.DataGateway, error) {
	return c.createMachine(ctx, roleDataGateway, cloud.BastionSpec{Name: spec.Name, Network: spec.Network, Type: spec.Type,
		ImageID: spec.ImageID, UserData: spec.UserData, Tags: spec.Tags, ClientToken: spec.ClientToken}, placement{privateIP: spec.PrivateIP})
}

// DataGatewayAddress implements cloud.DataGateways: a free address of the
// data subnet, among those the private network's Neutron ports hold.
func (c *Client) DataGatewayAddress(ctx context.Context, network cloud.Network) (string, error) {
	sub, ok := network.Subnets[cloud.TierData]
	userID, err := strconv.ParseInt(network.CloudIDs[keyOpenstackUser], 10, 64)
	switch {
	case !ok || sub.ID == "" || sub.CIDR == "":
		return "", fmt.Errorf("the network %s has no data subnet (was it changed outside Terraform?)", network.ID)
	case err != nil || network.CloudIDs[keyOpenstack] == "":
		return "", fmt.Errorf("the network %s has no OpenStack user or network in %s (apply the network again)", network.ID, c.cfg.Region)
	}
	all, err := c.portsOfNetwork(ctx, userID, network.CloudIDs[keyOpenstack])
	if err != nil {
		return "", fmt.Errorf("listing the ports of the private network %s: %w", network.ID, err)
	}
	var used []string
	for _, p := range all {
		for _, ip := range p.FixedIPs {
			used = append(used, ip.IPAddress)
		}
	}
	free, err := cloud.FreeAddresses(cloud.TierData, sub.CIDR, used, 1, "data gateways")
	if err != nil {
		return "", err
	}
	return free[0], nil
}

// placement is where a machine's private port goes beyond its role's tier.
type placement struct {
	privateIP string   // "" lets Neutron choose
	groups    []string // security groups beside the tier's (a workspace's)
}

func (c *Client) createMachine(ctx context.Context, role machineRole, spec cloud.BastionSpec, place placement) (cloud.Bastion, error) {
	if err := c.networkSettings(); err != nil {
		return cloud.Bastion{}, err
	}
	b := cloud.Bastion{Name: spec.Name, NetworkID: spec.Network.ID, ImageID: spec.ImageID, Type: spec.Type, Tags: spec.Tags,
		CloudIDs: map[string]string{}}
	provisional := spec.Name
	if spec.ClientToken != "" {
		provisional = provisionalName(spec.Name, cloud.NewLease(ctx, spec.ClientToken, c.now()))
		defer c.creating.Start(provisional)()
	}
	if err := c.removeLeftoverInstances(ctx, role, spec.Name); err != nil {
		return b, fmt.Errorf("creating the %s %s: %w", role.kind, spec.Name, err)
	}
	if err := c.buildMachine(ctx, role, &b, spec, provisional, place); err != nil {
		return b, fmt.Errorf("creating the %s %s: %w", role.kind, spec.Name, err)
	}
	read, err := c.ReadBastion(ctx, b)
	if err != nil {
		return b, fmt.Errorf("reading the %s %s back after creating it: %w", role.kind, spec.Name, err)
	}
	return read, nil
}

func (c *Client) buildMachine(ctx context.Context, role machineRole, b *cloud.Bastion, spec cloud.BastionSpec, name string, place placement) error {
	sub, ok := spec.Network.Subnets[role.tier]
	openstackID, gatewayID := spec.Network.CloudIDs[keyOpenstack], spec.Network.CloudIDs[keyGateway]
	switch {
	case !ok || sub.ID == "":
		return fmt.Errorf("the network %s has no %s subnet (was it changed outside Terraform?)", spec.Network.ID, role.tier)
	case openstackID == "":
		return fmt.Errorf("the network %s is not in the region %s", spec.Network.ID, c.cfg.Region)
	case role.public && gatewayID == "":
		return fmt.Errorf("the network %s has no gateway: the bastion's floating IP is reached through it (nat_egress = true)", spec.Network.ID)
	}
	flavorID, err := c.flavorID(ctx, spec.Type)
	if err != nil {
		return err
	}
	var body instanceCreation
	body.Name, body.BillingPeriod, body.Bulk = name, "hourly", 1
	body.Flavor.ID, body.BootFrom.ImageID, body.UserData = flavorID, spec.ImageID, string(spec.UserData)
	body.Network.Private.Network.ID, body.Network.Private.Network.SubnetID = openstackID, sub.ID
	body.Network.Private.IP = place.privateIP
	if role.public {
		body.Network.Private.Gateway = &idOnly{ID: gatewayID}
		body.Network.Private.FloatingIPCreate = &description{Description: spec.Name}
	}
	// The provisional name finds an instance made despite a lost answer.
	var op operation
	err = c.retry.Recover(ctx, func(ctx context.Context) error {
		var err error
		op, err = c.createInstance(ctx, body)
		return err
	}, func(ctx context.Context) (bool, error) {
		if name == spec.Name {
			return false, errors.New("without a client token, an instance made despite the error cannot be told from others of its name")
		}
		id, err := c.findInstanceNamed(ctx, name)
		if id != "" {
			b.ID, b.CloudIDs[keyInstance] = id, id
		}
		return id != "", err
	})
	if err != nil {
		return fmt.Errorf("creating the instance (%s, %s) in the subnet %s: %w", spec.Type, spec.ImageID, sub.ID, err)
	}
	// The operation and the instance are watched at once: the instance is
	// listed, building, under its provisional name while the operation
	// runs; the operation names it once complete.
	var in instance
	var mu sync.Mutex
	_, err = c.waitOperationAndObject(ctx, op.ID, "the creation of the instance "+name, func(ctx context.Context, op operation) (bool, error) {
		mu.Lock()
		id := b.ID
		mu.Unlock()
		if id == "" && op.ResourceID != nil {
			id = *op.ResourceID
		}
		if id == "" {
			found, err := c.findInstanceNamed(ctx, name)
			if err != nil || found == "" {
				return false, err
			}
			id = found
		}
		mu.Lock()
		b.ID, b.CloudIDs[keyInstance] = id, id
		mu.Unlock()
		read, err := c.getInstance(ctx, id)
		if err != nil {
			return false, fmt.Errorf("reading the instance %s: %w", id, err)
		}
		in = read
		switch in.Status {
		case instanceActive:
			return true, nil
		case instanceError:
			return false, fmt.Errorf("the instance %s is in error instead of becoming %s", id, instanceActive)
		case instanceDeleting, instanceDeleted:
			return false, fmt.Errorf("the instance %s is being deleted: %w", id, cloud.ErrNotFound)
		}
		return false, nil
	})
	if err != nil {
		if b.ID == "" {
			// The instance may exist: its name finds it for the tainted state.
			if id, _ := c.findInstanceNamed(ctx, name); id != "" {
				b.ID, b.CloudIDs[keyInstance] = id, id
			}
		}
		return err
	}
	if role.public {
		ip, _ := in.privateIP()
		fip, err := c.floatingIPOf(ctx, ip)
		if err != nil {
			return err
		}
		if fip == nil {
			return fmt.Errorf("the instance %s is active but no floating IP reaches its address %s", b.ID, ip)
		}
		b.CloudIDs[keyFloatingIP] = fip.ID
	}
	if err := c.putInSecurityGroups(ctx, spec.Network, role.tier, place.groups, b.ID); err != nil {
		return err
	}
	// The provisional name goes last: until then, a create that dies
	// leaves the instance recognisable (see removeLeftoverInstances).
	if name != spec.Name {
		if err := c.renameInstance(ctx, b.ID, spec.Name); err != nil {
			return fmt.Errorf("renaming the instance %s from %s to %s: %w", b.ID, name, spec.Name, err)
		}
	}
	return nil
}

// removeLeftoverInstances deletes the instances (and their floating IPs)
// that a create of the machine name which died left under their
// provisional name, once their lease has expired. One whose lease runs may
// be another live run's: it is left alone, and the create refused
// (cloud.InProgressError).
func (c *Client) removeLeftoverInstances(ctx context.Context, role machineRole, name string) error {
	all, err := c.listInstances(ctx)
	if err != nil {
		return fmt.Errorf("looking for what an interrupted create of %s left: %w", name, err)
	}
	for _, in := range all {
		lease, provisional := leaseOf(in.Name, name)
		if !provisional || c.creating.Running(in.Name) {
			continue
		}
		if !lease.Abandoned(c.now(), c.takeOver) {
			return &cloud.InProgressError{Kind: role.kind, Name: name, Lease: lease,
				Objects: []string{in.ID + " (instance " + in.Name + " and its floating IP)"}}
		}
		if err := c.DeleteBastion(ctx, cloud.Bastion{ID: in.ID, Name: in.Name, CloudIDs: map[string]string{keyInstance: in.ID}}); err != nil {
			return fmt.Errorf("deleting the instance %s an interrupted create of %s left: %w", in.ID, name, err)
		}
	}
	return nil
}

// findInstanceNamed returns the id of the one instance of the region
// called name, or "" when there is none. More than one is an error: the
// name was meant to be unique.
func (c *Client) findInstanceNamed(ctx context.Context, name string) (string, error) {
	all, err := c.listInstances(ctx)
	if err != nil {
		return "", fmt.Errorf("listing the instances to find %s: %w", name, err)
	}
	var found []string
	for _, in := range all {
		if in.Name == name {
			found = append(found, in.ID)
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("%d instances are named %s: %v", len(found), name, found)
}

// floatingIPOf returns the floating IP that reaches a private address, or nil.
func (c *Client) floatingIPOf(ctx context.Context, privateIP string) (*floatingIP, error) {
	if privateIP == "" {
		return nil, nil
	}
	fips, err := c.listFloatingIPs(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the floating IPs of %s: %w", c.cfg.Region, err)
	}
	for i, f := range fips {
		if f.AssociatedEntity != nil && f.AssociatedEntity.IP == privateIP {
			return &fips[i], nil
		}
	}
	return nil, nil
}

// ReadBastion implements cloud.Bastions. Tags and the user-data are not in
// the API: the tags are ref's, the user-data unknown.
func (c *Client) ReadBastion(ctx context.Context, ref cloud.Bastion) (cloud.Bastion, error) {
	if err := c.networkSettings(); err != nil {
		return cloud.Bastion{}, err
	}
	id := ref.ID
	if id == "" {
		id = ref.CloudIDs[keyInstance]
	}
	if id == "" {
		return cloud.Bastion{}, fmt.Errorf("the bastion has no instance id: %w", cloud.ErrNotFound)
	}
	in, err := c.getInstance(ctx, id)
	if err != nil {
		return cloud.Bastion{}, fmt.Errorf("reading the instance %s: %w", id, err)
	}
	if in.Status == instanceDeleting || in.Status == instanceDeleted {
		return cloud.Bastion{}, fmt.Errorf("the instance %s is %s: %w", id, in.Status, cloud.ErrNotFound)
	}
	ip, openstackID := in.privateIP()
	b := cloud.Bastion{
		ID:        in.ID,
		Name:      in.Name,
		NetworkID: ref.NetworkID,
		State:     in.Status,
		Running:   in.Status == instanceActive || in.Status == instanceBuild || in.Status == instanceBuilding,
		PrivateIP: ip,
		ImageID:   in.Image.ID,
		Type:      in.Flavor.Name,
		Tags:      ref.Tags,
		CloudIDs:  map[string]string{keyInstance: in.ID},
	}
	if b.NetworkID == "" && openstackID != "" {
		b.NetworkID = c.networkOfOpenstackID(ctx, openstackID)
	}
	fip, err := c.floatingIPOf(ctx, ip)
	if err != nil {
		return cloud.Bastion{}, err
	}
	switch known := ref.CloudIDs[keyFloatingIP]; {
	case fip != nil:
		b.PublicIP, b.CloudIDs[keyFloatingIP] = fip.IP, fip.ID
	case known != "":
		if _, err := c.getFloatingIP(ctx, known); err == nil {
			b.CloudIDs[keyFloatingIP] = known // detached, still ours
		} else if !isNotFound(err) {
			return cloud.Bastion{}, fmt.Errorf("reading the floating IP %s: %w", known, err)
		}
	}
	return b, nil
}

// ReadDataGateway implements cloud.DataGateways, as ReadBastion (a
// gateway has no floating IP to find).
func (c *Client) ReadDataGateway(ctx context.Context, ref cloud.DataGateway) (cloud.DataGateway, error) {
	return c.ReadBastion(ctx, ref)
}

// RepairDataGateway implements cloud.DataGateways: it starts an instance
// stopped out of band.
func (c *Client) RepairDataGateway(ctx context.Context, ref cloud.DataGateway) (cloud.DataGateway, error) {
	return c.repairMachine(ctx, roleDataGateway, ref)
}

// UpdateDataGatewayTags implements cloud.DataGateways, as UpdateBastionTags.
func (c *Client) UpdateDataGatewayTags(ctx context.Context, ref cloud.DataGateway, name string, tags map[string]string) (cloud.DataGateway, error) {
	return c.UpdateBastionTags(ctx, ref, name, tags)
}

// DeleteDataGateway implements cloud.DataGateways, as DeleteBastion.
func (c *Client) DeleteDataGateway(ctx context.Context, ref cloud.DataGateway) error {
	return c.DeleteBastion(ctx, ref)
}

// networkOfOpenstackID finds the private network (pn-…) whose OpenStack
// network in the region is openstackID, or "".
func (c *Client) networkOfOpenstackID(ctx context.Context, openstackID string) string {
	networks, err := c.listNetworks(ctx)
	if err != nil {
		return ""
	}
	for _, pn := range networks {
		if r, ok := pn.in(c.cfg.Region); ok && r.OpenstackID == openstackID {
			return pn.ID
		}
	}
	return ""
}

// RepairBastion implements cloud.Bastions.
func (c *Client) RepairBastion(ctx context.Context, ref cloud.Bastion) (cloud.Bastion, error) {
	return c.repairMachine(ctx, roleBastion, ref)
}

func (c *Client) repairMachine(ctx context.Context, role machineRole, ref cloud.Bastion) (cloud.Bastion, error) {
	b, err := c.ReadBastion(ctx, ref)
	if err != nil {
		return ref, err
	}
	if b.State == instanceShutoff || b.State == instanceStopped {
		if err := c.startInstance(ctx, b.ID); err != nil {
			return b, fmt.Errorf("starting the instance %s: %w", b.ID, err)
		}
		if _, err := c.waitInstance(ctx, b.ID, instanceActive); err != nil {
			return b, err
		}
	}
	if role.public && b.PublicIP == "" {
		var op operation
		if known := b.CloudIDs[keyFloatingIP]; known != "" {
			op, err = c.associateFloatingIP(ctx, b.ID, known, b.PrivateIP)
		} else {
			op, err = c.createFloatingIP(ctx, b.ID, b.PrivateIP)
		}
		if err != nil {
			return b, fmt.Errorf("giving the instance %s its floating IP again: %w", b.ID, err)
		}
		if err := c.waitOperation(ctx, op.ID, "the floating IP of the instance "+b.ID); err != nil && !isNotFound(err) {
			return b, err
		}
	}
	return c.ReadBastion(ctx, b)
}

// UpdateBastionTags implements cloud.Bastions. Instances have no tags on
// OVHcloud: only the name is the cloud's, and the resource keeps the tags.
func (c *Client) UpdateBastionTags(ctx context.Context, ref cloud.Bastion, name string, tags map[string]string) (cloud.Bastion, error) {
	b, err := c.ReadBastion(ctx, ref)
	if err != nil {
		return ref, err
	}
	if b.Name != name {
		if err := c.renameInstance(ctx, b.ID, name); err != nil {
			return b, fmt.Errorf("renaming the instance %s to %s: %w", b.ID, name, err)
		}
		b.Name = name
	}
	b.Tags = tags
	return b, nil
}

// DeleteBastion implements cloud.Bastions: the instance, waited until gone
// (its floating IP loses its port), then the floating IP.
func (c *Client) DeleteBastion(ctx context.Context, b cloud.Bastion) error {
	if err := c.networkSettings(); err != nil {
		return err
	}
	id := b.ID
	if id == "" {
		id = b.CloudIDs[keyInstance]
	}
	fip := b.CloudIDs[keyFloatingIP]
	if id != "" {
		if fip == "" {
			// A create that lost track of it made a floating IP with the
			// instance: it is the one reaching the instance's address.
			if in, err := c.getInstance(ctx, id); err == nil {
				ip, _ := in.privateIP()
				if f, err := c.floatingIPOf(ctx, ip); err == nil && f != nil {
					fip = f.ID
				}
			}
		}
		if err := c.remove(ctx, "the instance "+id, func(ctx context.Context) error { return c.deleteInstance(ctx, id) }); err != nil {
			return err
		}
		if err := c.waitInstanceGone(ctx, id); err != nil {
			return err
		}
	}
	if fip != "" {
		if err := c.remove(ctx, "the floating IP "+fip, func(ctx context.Context) error { return c.deleteFloatingIP(ctx, fip) }); err != nil {
			return err
		}
	}
	return nil
}

// AuditStorage implements cloud.Bastions: the S3 endpoint of the region's
// object storage, whose region is the lower-case region without its
// number ("GRA11" → "gra", "EU-WEST-PAR" → "eu-west-par").
func (c *Client) AuditStorage() (string, string) {
	region := strings.ToLower(strings.TrimRight(c.cfg.Region, "0123456789"))
	if c.cfg.StorageEndpoint != "" {
		return c.cfg.StorageEndpoint, region
	}
	return "https://s3." + region + ".io.cloud.ovh.net", region
}
