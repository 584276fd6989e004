package outscale

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// NICs (ReadNics, UpdateNic) and load balancers (ReadLoadBalancers).
//
// The emulator's NICs are the primary NICs of its VMs: a NIC lives in its
// VM's document and goes with it. The official provider reads them when it
// deletes a security group still in use (resource_outscale_security_group.go:
// ReadVms, ReadNics and ReadLoadBalancers by group, then UpdateVm and
// UpdateNic to take the group off) and when it unlinks an internet service
// whose Net still maps public IPs (ReadNics by Net, then UnlinkPublicIp).
//
// The emulator makes no load balancers: ReadLoadBalancers validates its
// filters and answers the real shape, an empty list.

// oapiNic is OAPI's Nic.
type oapiNic struct {
	AccountID           string            `json:"AccountId"`
	Description         string            `json:"Description"`
	IsSourceDestChecked bool              `json:"IsSourceDestChecked"`
	LinkNic             *oapiLinkNic      `json:"LinkNic,omitempty"`
	LinkPublicIP        *oapiLinkPublicIP `json:"LinkPublicIp,omitempty"`
	MacAddress          string            `json:"MacAddress"`
	NetID               string            `json:"NetId"`
	NicID               string            `json:"NicId"`
	PrivateDNSName      string            `json:"PrivateDnsName"`
	PrivateIPs          []oapiPrivateIP   `json:"PrivateIps"`
	SecurityGroups      []securityLight   `json:"SecurityGroups"`
	State               string            `json:"State"`
	SubnetID            string            `json:"SubnetId"`
	SubregionName       string            `json:"SubregionName"`
	Tags                []resourceTag     `json:"Tags"`
}

// oapiLinkNic is OAPI's LinkNic.
type oapiLinkNic struct {
	DeleteOnVmDeletion bool   `json:"DeleteOnVmDeletion"`
	DeviceNumber       int    `json:"DeviceNumber"`
	LinkNicID          string `json:"LinkNicId"`
	State              string `json:"State"`
	VMAccountID        string `json:"VmAccountId"`
	VMID               string `json:"VmId"`
}

// oapiLinkPublicIP is OAPI's LinkPublicIp.
type oapiLinkPublicIP struct {
	LinkPublicIPID    string `json:"LinkPublicIpId"`
	PublicDNSName     string `json:"PublicDnsName"`
	PublicIP          string `json:"PublicIp"`
	PublicIPAccountID string `json:"PublicIpAccountId"`
	PublicIPID        string `json:"PublicIpId"`
}

// oapiPrivateIP is OAPI's PrivateIp.
type oapiPrivateIP struct {
	IsPrimary      bool              `json:"IsPrimary"`
	LinkPublicIP   *oapiLinkPublicIP `json:"LinkPublicIp,omitempty"`
	PrivateDNSName string            `json:"PrivateDnsName"`
	PrivateIP      string            `json:"PrivateIp"`
}

// nicOf is the primary NIC of vm as ReadNics shows it.
func nicOf(tx store.Tx, vm vmRecord) (oapiNic, error) {
	n := vm.Nics[0]
	nic := oapiNic{
		AccountID:           n.AccountID,
		Description:         n.Description,
		IsSourceDestChecked: n.IsSourceDestChecked,
		LinkNic: &oapiLinkNic{DeleteOnVmDeletion: n.LinkNic.DeleteOnVmDeletion, DeviceNumber: n.LinkNic.DeviceNumber,
			LinkNicID: n.LinkNic.LinkNicID, State: n.LinkNic.State, VMAccountID: vm.AccountID, VMID: vm.VMID},
		MacAddress:     n.MacAddress,
		NetID:          n.NetID,
		NicID:          n.NicID,
		PrivateDNSName: n.PrivateDNSName,
		SecurityGroups: nonNil(slices.Clone(n.SecurityGroups)),
		State:          n.State,
		SubnetID:       n.SubnetID,
		SubregionName:  vm.Placement.SubregionName,
		Tags:           []resourceTag{},
	}
	link, err := publicIPOfVM(tx, vm.AccountID, vm.VMID)
	if err != nil {
		return nic, err
	}
	var public *oapiLinkPublicIP
	if link != nil {
		public = &oapiLinkPublicIP{LinkPublicIPID: link.LinkPublicIPID, PublicDNSName: publicDNSName(link.PublicIP, vm.Placement.SubregionName),
			PublicIP: link.PublicIP, PublicIPAccountID: link.AccountID, PublicIPID: link.PublicIPID}
		nic.LinkPublicIP = public
	}
	for _, p := range n.PrivateIPs {
		ip := oapiPrivateIP{IsPrimary: p.IsPrimary, PrivateDNSName: p.PrivateDNSName, PrivateIP: p.PrivateIP}
		if public != nil && link.PrivateIP == p.PrivateIP {
			ip.LinkPublicIP = public
		}
		nic.PrivateIPs = append(nic.PrivateIPs, ip)
	}
	nic.PrivateIPs = nonNil(nic.PrivateIPs)
	return nic, nil
}

// nicFilter is FiltersNic, every filter applied.
type nicFilter struct {
	Descriptions                     []string `json:"Descriptions"`
	IsSourceDestCheck                *bool    `json:"IsSourceDestCheck"`
	LinkNicDeleteOnVMDeletion        *bool    `json:"LinkNicDeleteOnVmDeletion"`
	LinkNicDeviceNumbers             []int    `json:"LinkNicDeviceNumbers"`
	LinkNicLinkNicIDs                []string `json:"LinkNicLinkNicIds"`
	LinkNicStates                    []string `json:"LinkNicStates"`
	LinkNicVMAccountIDs              []string `json:"LinkNicVmAccountIds"`
	LinkNicVMIDs                     []string `json:"LinkNicVmIds"`
	LinkPublicIPAccountIDs           []string `json:"LinkPublicIpAccountIds"`
	LinkPublicIPLinkPublicIPIDs      []string `json:"LinkPublicIpLinkPublicIpIds"`
	LinkPublicIPPublicDNSNames       []string `json:"LinkPublicIpPublicDnsNames"`
	LinkPublicIPPublicIPIDs          []string `json:"LinkPublicIpPublicIpIds"`
	LinkPublicIPPublicIPs            []string `json:"LinkPublicIpPublicIps"`
	MacAddresses                     []string `json:"MacAddresses"`
	NetIDs                           []string `json:"NetIds"`
	NicIDs                           []string `json:"NicIds"`
	PrivateDNSNames                  []string `json:"PrivateDnsNames"`
	PrivateIPsLinkPublicIPAccountIDs []string `json:"PrivateIpsLinkPublicIpAccountIds"`
	PrivateIPsLinkPublicIPPublicIPs  []string `json:"PrivateIpsLinkPublicIpPublicIps"`
	PrivateIPsPrimaryIP              *bool    `json:"PrivateIpsPrimaryIp"`
	PrivateIPsPrivateIPs             []string `json:"PrivateIpsPrivateIps"`
	SecurityGroupIDs                 []string `json:"SecurityGroupIds"`
	SecurityGroupNames               []string `json:"SecurityGroupNames"`
	States                           []string `json:"States"`
	SubnetIDs                        []string `json:"SubnetIds"`
	SubregionNames                   []string `json:"SubregionNames"`
	tagFilters
}

func (f nicFilter) match(n oapiNic) bool {
	var groupIDs, groupNames, privateIPs, linkedAccounts, linkedIPs []string
	for _, g := range n.SecurityGroups {
		groupIDs, groupNames = append(groupIDs, g.SecurityGroupID), append(groupNames, g.SecurityGroupName)
	}
	hasPrimary := false
	for _, p := range n.PrivateIPs {
		privateIPs = append(privateIPs, p.PrivateIP)
		hasPrimary = hasPrimary || p.IsPrimary
		if p.LinkPublicIP != nil {
			linkedAccounts, linkedIPs = append(linkedAccounts, p.LinkPublicIP.PublicIPAccountID), append(linkedIPs, p.LinkPublicIP.PublicIP)
		}
	}
	var link oapiLinkNic
	if n.LinkNic != nil {
		link = *n.LinkNic
	}
	var public oapiLinkPublicIP
	if n.LinkPublicIP != nil {
		public = *n.LinkPublicIP
	}
	publicFilters := len(f.LinkPublicIPAccountIDs) + len(f.LinkPublicIPLinkPublicIPIDs) + len(f.LinkPublicIPPublicDNSNames) +
		len(f.LinkPublicIPPublicIPIDs) + len(f.LinkPublicIPPublicIPs)
	return matches(f.Descriptions, n.Description) &&
		(f.IsSourceDestCheck == nil || *f.IsSourceDestCheck == n.IsSourceDestChecked) &&
		(f.LinkNicDeleteOnVMDeletion == nil || (n.LinkNic != nil && *f.LinkNicDeleteOnVMDeletion == link.DeleteOnVmDeletion)) &&
		(len(f.LinkNicDeviceNumbers) == 0 || (n.LinkNic != nil && matchesInt(f.LinkNicDeviceNumbers, link.DeviceNumber))) &&
		matches(f.LinkNicLinkNicIDs, link.LinkNicID) && matches(f.LinkNicStates, link.State) &&
		matches(f.LinkNicVMAccountIDs, link.VMAccountID) && matches(f.LinkNicVMIDs, link.VMID) &&
		(publicFilters == 0 || n.LinkPublicIP != nil) &&
		matches(f.LinkPublicIPAccountIDs, public.PublicIPAccountID) && matches(f.LinkPublicIPLinkPublicIPIDs, public.LinkPublicIPID) &&
		matches(f.LinkPublicIPPublicDNSNames, public.PublicDNSName) && matches(f.LinkPublicIPPublicIPIDs, public.PublicIPID) &&
		matches(f.LinkPublicIPPublicIPs, public.PublicIP) && matches(f.MacAddresses, n.MacAddress) &&
		matches(f.NetIDs, n.NetID) && matches(f.NicIDs, n.NicID) && matches(f.PrivateDNSNames, n.PrivateDNSName) &&
		matchesAny(f.PrivateIPsLinkPublicIPAccountIDs, linkedAccounts) && matchesAny(f.PrivateIPsLinkPublicIPPublicIPs, linkedIPs) &&
		(f.PrivateIPsPrimaryIP == nil || *f.PrivateIPsPrimaryIP == hasPrimary) &&
		matchesAny(f.PrivateIPsPrivateIPs, privateIPs) && matchesAny(f.SecurityGroupIDs, groupIDs) &&
		matchesAny(f.SecurityGroupNames, groupNames) && matches(f.States, n.State) && matches(f.SubnetIDs, n.SubnetID) &&
		matches(f.SubregionNames, n.SubregionName) && f.tagFilters.match(n.Tags)
}

func readNics(c *call) (any, error) {
	var req struct {
		DryRun  bool      `json:"DryRun"`
		Filters nicFilter `json:"Filters"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	f := req.Filters
	return c.view(func(tx store.Tx) (any, error) {
		vms, err := listOwned[vmRecord](tx, collVMs, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		var found []oapiNic
		for _, vm := range vms {
			// A terminated VM's NIC is deleted with it (DeleteOnVmDeletion).
			if !vm.alive() || len(vm.Nics) == 0 {
				continue
			}
			nic, err := nicOf(tx, vm)
			if err != nil {
				return nil, err
			}
			if f.match(nic) {
				found = append(found, nic)
			}
		}
		nics, next, err := paginate(req.page, found)
		if err != nil {
			return nil, err
		}
		return struct {
			Nics          []oapiNic `json:"Nics"`
			NextPageToken string    `json:"NextPageToken,omitempty"`
		}{nics, next}, nil
	})
}

func updateNic(c *call) (any, error) {
	var req struct {
		Description *string `json:"Description"`
		DryRun      bool    `json:"DryRun"`
		LinkNic     *struct {
			DeleteOnVmDeletion *bool   `json:"DeleteOnVmDeletion"`
			LinkNicID          *string `json:"LinkNicId"`
		} `json:"LinkNic"`
		NicID            *string  `json:"NicId"`
		SecurityGroupIDs []string `json:"SecurityGroupIds"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("NicId", req.NicID); err != nil {
		return nil, err
	}
	if req.SecurityGroupIDs != nil && len(req.SecurityGroupIDs) == 0 {
		// "You must specify at least one group, even if you use the default
		// security group in the Net."
		return nil, errInvalidValue("SecurityGroupIds", "[]", "Give at least one security group.")
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		vm, err := vmOfLink(tx, account, "", *req.NicID)
		if err != nil {
			return nil, err
		}
		if !vm.alive() {
			return nil, errNotFound("NicId", *req.NicID)
		}
		nic := vm.Nics[0]
		if req.Description != nil {
			nic.Description = *req.Description
		}
		if req.LinkNic != nil {
			if req.LinkNic.LinkNicID == nil || *req.LinkNic.LinkNicID != nic.LinkNic.LinkNicID {
				return nil, errInvalidValue("LinkNic.LinkNicId", strings.TrimSpace(fmt.Sprint(ptrValue(req.LinkNic.LinkNicID))),
					"It must be the link of the NIC: "+nic.LinkNic.LinkNicID+".")
			}
			if req.LinkNic.DeleteOnVmDeletion != nil {
				nic.LinkNic.DeleteOnVmDeletion = *req.LinkNic.DeleteOnVmDeletion
			}
		}
		if req.SecurityGroupIDs != nil {
			groups, err := vmSecurityGroups(tx, account, vm.NetID, req.SecurityGroupIDs, nil)
			if err != nil {
				return nil, err
			}
			nic.SecurityGroups = lights(groups)
			// The primary NIC's groups are the VM's.
			vm.SecurityGroups = lights(groups)
		}
		vm.Nics = slices.Clone(vm.Nics)
		vm.Nics[0] = nic
		if err := store.Put(tx, collVMs, vm.VMID, vm); err != nil {
			return nil, err
		}
		view, err := nicOf(tx, vm)
		if err != nil {
			return nil, err
		}
		return struct {
			Nic oapiNic `json:"Nic"`
		}{view}, nil
	})
}

func ptrValue(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// loadBalancerStates are the values of FiltersLoadBalancer.States.
var loadBalancerStates = []string{"provisioning", "starting", "reloading", "active", "reconfiguring", "deleting", "deleted"}

// readLoadBalancers answers that there are no load balancers. Names are
// checked as CreateLoadBalancer would take them (unverified bounds: 1 to
// 32 letters, digits and hyphens).
func readLoadBalancers(c *call) (any, error) {
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			LoadBalancerNames []string `json:"LoadBalancerNames"`
			States            []string `json:"States"`
		} `json:"Filters"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	for _, s := range req.Filters.States {
		if !slices.Contains(loadBalancerStates, s) {
			return nil, errInvalidValue("Filters.States", s, "It must be one of "+strings.Join(loadBalancerStates, ", ")+".")
		}
	}
	for _, name := range req.Filters.LoadBalancerNames {
		if !validLoadBalancerName(name) {
			return nil, errInvalidValue("Filters.LoadBalancerNames", name, "A load balancer name has 1 to 32 letters, digits or hyphens.")
		}
	}
	return struct {
		LoadBalancers []struct{} `json:"LoadBalancers"`
	}{[]struct{}{}}, nil
}

func validLoadBalancerName(name string) bool {
	if name == "" || len(name) > 32 {
		return false
	}
	for _, r := range name {
		if r != '-' && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
