package outscale

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// VMs (CreateVms, ReadVms, StopVms, StartVms, DeleteVms), the OMI
// catalogue (ReadImages, image.go) and the links of public IPs to VMs
// (LinkPublicIp, UnlinkPublicIp).
//
// A VM moves through OAPI's states as clients read it, never with time
// (see nat.go): it is "pending" when created and "running" once a read has
// shown it; StopVms makes it "stopping", then "stopped"; StartVms makes a
// stopped VM "pending" again; DeleteVms makes it "shutting-down", then
// "terminated", which a last read shows before the VM goes away. Until it
// is terminated, a VM holds its subnet, its security groups and its public
// IP, so deleting those answers the real conflicts.
//
// The VM's user-data is stored as sent (base64), and ReadVms answers it, as
// OAPI does: tests read it back through the control API.

const collVMs = "outscale.vms"

// VMs take tags: "i-" ids, ReadTags' "vm" resource type.
func init() {
	kinds = append(kinds, kind{"i-", collVMs, "vm", "VmId"})
}

// vmActions are the VM, image and public IP link actions.
func vmActions() map[string]action {
	return map[string]action{
		"CreateVms":      {serve: createVMs},
		"ReadVms":        {serve: readVMs},
		"StopVms":        {serve: stopVMs},
		"StartVms":       {serve: startVMs},
		"DeleteVms":      {serve: deleteVMs},
		"ReadImages":     {serve: readImages},
		"LinkPublicIp":   {serve: linkPublicIP},
		"UnlinkPublicIp": {serve: unlinkPublicIP},
	}
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

// MaxUserData is OAPI's limit on UserData: 500 KiB once base64-encoded
// (CreateVms' documentation).
const MaxUserData = 500 * 1024

// Codes of the VM errors. Only their ranges are verified (see errors.go):
// 6xxx is InvalidState, 9xxx ResourceConflict, 8xxx is used by OAPI for
// unsupported or disabled operations.
const (
	codeVMInvalidState       = "6003"
	codeVMDeletionProtection = "8015"
	codeClientTokenReused    = "9040"
	codeNetHasNoGateway      = "6024"
)

// oapiVM is OAPI's Vm.
type oapiVM struct {
	Architecture                string          `json:"Architecture"`
	BlockDeviceMappings         []vmBlockDevice `json:"BlockDeviceMappings"`
	BootMode                    string          `json:"BootMode"`
	BsuOptimized                bool            `json:"BsuOptimized"`
	ClientToken                 string          `json:"ClientToken,omitempty"`
	CreationDate                string          `json:"CreationDate"`
	DeletionProtection          bool            `json:"DeletionProtection"`
	Hypervisor                  string          `json:"Hypervisor"`
	ImageID                     string          `json:"ImageId"`
	IsSourceDestChecked         bool            `json:"IsSourceDestChecked"`
	KeypairName                 string          `json:"KeypairName,omitempty"`
	LaunchNumber                int             `json:"LaunchNumber"`
	NestedVirtualization        bool            `json:"NestedVirtualization"`
	NetID                       string          `json:"NetId,omitempty"`
	Nics                        []vmNic         `json:"Nics"`
	Performance                 string          `json:"Performance"`
	Placement                   placement       `json:"Placement"`
	PrivateDNSName              string          `json:"PrivateDnsName"`
	PrivateIP                   string          `json:"PrivateIp"`
	ProductCodes                []string        `json:"ProductCodes"`
	PublicDNSName               string          `json:"PublicDnsName,omitempty"`
	PublicIP                    string          `json:"PublicIp,omitempty"`
	ReservationID               string          `json:"ReservationId"`
	RootDeviceName              string          `json:"RootDeviceName"`
	RootDeviceType              string          `json:"RootDeviceType"`
	SecurityGroups              []securityLight `json:"SecurityGroups"`
	State                       string          `json:"State"`
	StateReason                 string          `json:"StateReason"`
	SubnetID                    string          `json:"SubnetId,omitempty"`
	Tags                        []resourceTag   `json:"Tags"`
	UserData                    string          `json:"UserData"`
	VMID                        string          `json:"VmId"`
	VMInitiatedShutdownBehavior string          `json:"VmInitiatedShutdownBehavior"`
	VMType                      string          `json:"VmType"`
}

type vmBlockDevice struct {
	Bsu        vmBsu  `json:"Bsu"`
	DeviceName string `json:"DeviceName"`
}

type vmBsu struct {
	DeleteOnVmDeletion bool   `json:"DeleteOnVmDeletion"`
	LinkDate           string `json:"LinkDate"`
	State              string `json:"State"`
	VolumeID           string `json:"VolumeId"`
}

type placement struct {
	SubregionName string `json:"SubregionName"`
	Tenancy       string `json:"Tenancy"`
}

type securityLight struct {
	SecurityGroupID   string `json:"SecurityGroupId"`
	SecurityGroupName string `json:"SecurityGroupName"`
}

type vmNic struct {
	AccountID           string          `json:"AccountId"`
	Description         string          `json:"Description"`
	IsSourceDestChecked bool            `json:"IsSourceDestChecked"`
	LinkNic             linkNic         `json:"LinkNic"`
	LinkPublicIP        *linkPublicIPVM `json:"LinkPublicIp,omitempty"`
	MacAddress          string          `json:"MacAddress"`
	NetID               string          `json:"NetId"`
	NicID               string          `json:"NicId"`
	PrivateDNSName      string          `json:"PrivateDnsName"`
	PrivateIPs          []vmPrivateIP   `json:"PrivateIps"`
	SecurityGroups      []securityLight `json:"SecurityGroups"`
	State               string          `json:"State"`
	SubnetID            string          `json:"SubnetId"`
}

type linkNic struct {
	DeleteOnVmDeletion bool   `json:"DeleteOnVmDeletion"`
	DeviceNumber       int    `json:"DeviceNumber"`
	LinkNicID          string `json:"LinkNicId"`
	State              string `json:"State"`
}

type linkPublicIPVM struct {
	PublicDNSName     string `json:"PublicDnsName"`
	PublicIP          string `json:"PublicIp"`
	PublicIPAccountID string `json:"PublicIpAccountId"`
}

type vmPrivateIP struct {
	IsPrimary      bool            `json:"IsPrimary"`
	LinkPublicIP   *linkPublicIPVM `json:"LinkPublicIp,omitempty"`
	PrivateDNSName string          `json:"PrivateDnsName"`
	PrivateIP      string          `json:"PrivateIp"`
}

type vmRecord struct {
	owner
	oapiVM
}

// view is the VM as ReadVms shows it: its public IP comes from the public
// IP linked to it, the one source of truth for links.
func (r vmRecord) view(tx store.Tx) (oapiVM, error) {
	v := r.oapiVM
	v.Tags = nonNil(v.Tags)
	v.Nics = slices.Clone(v.Nics)
	v.PublicIP, v.PublicDNSName = "", ""
	link, err := publicIPOfVM(tx, r.AccountID, r.VMID)
	if err != nil {
		return v, err
	}
	if link != nil && len(v.Nics) > 0 {
		dns := publicDNSName(link.PublicIP, r.Placement.SubregionName)
		v.PublicIP, v.PublicDNSName = link.PublicIP, dns
		light := &linkPublicIPVM{PublicDNSName: dns, PublicIP: link.PublicIP, PublicIPAccountID: r.AccountID}
		nic := v.Nics[0]
		nic.LinkPublicIP = light
		nic.PrivateIPs = slices.Clone(nic.PrivateIPs)
		for i := range nic.PrivateIPs {
			if nic.PrivateIPs[i].PrivateIP == link.PrivateIP {
				nic.PrivateIPs[i].LinkPublicIP = light
			}
		}
		v.Nics[0] = nic
	}
	return v, nil
}

// alive reports whether the VM still holds what it uses.
func (r vmRecord) alive() bool { return r.State != vmTerminated }

// publicIPOfVM returns the public IP linked to a VM, or nil.
func publicIPOfVM(tx store.Tx, account, vmID string) (*publicIPRecord, error) {
	ips, err := listOwned[publicIPRecord](tx, collPublicIPs, account)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if ip.VMID == vmID {
			return &ip, nil
		}
	}
	return nil, nil
}

func publicDNSName(ip, subregion string) string {
	region := strings.TrimRight(subregion, "abcdefgh")
	return "ows-" + strings.ReplaceAll(ip, ".", "-") + "." + region + ".compute.outscale.com"
}

// vmsUsing lists the VMs of account that still hold something (not
// terminated) and match, as "VM i-… (state)", for dependency errors.
func vmsUsing(tx store.Tx, account string, match func(vmRecord) bool) ([]string, error) {
	vms, err := listOwned[vmRecord](tx, collVMs, account)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, vm := range vms {
		if vm.alive() && match(vm) {
			out = append(out, "VM "+vm.VMID+" ("+vm.State+")")
		}
	}
	return out, nil
}

// vmTypePattern is a TINA type: tinavW.cXrY with an optional pZ
// performance flag (CreateVms' documentation).
var vmTypePattern = regexp.MustCompile(`^tinav([1-7])\.c([0-9]+)r([0-9]+)(p[1-3])?$`)

// awsTypes are the AWS type names OAPI converts (a few of its table).
var awsTypes = []string{"t2.nano", "t2.micro", "t2.small", "t2.medium", "t2.large", "m4.large", "m4.xlarge", "c4.large", "c4.xlarge", "r4.large"}

// checkVMType refuses a type OUTSCALE would not know. The bounds of a TINA
// type (up to 78 vCores, 1039 GiB) are the user guide's; whether a given
// generation exists in a given Region is not checked (unverified).
func checkVMType(t string) error {
	if slices.Contains(awsTypes, t) {
		return nil
	}
	m := vmTypePattern.FindStringSubmatch(t)
	if m == nil {
		return errInvalidValue("VmType", t, "It must be a TINA type such as tinav6.c2r4p2, or an AWS type such as t2.small.")
	}
	cores, _ := strconv.Atoi(m[2])
	ram, _ := strconv.Atoi(m[3])
	if cores < 1 || cores > 78 || ram < 1 || ram > 1039 || ram > 16*cores {
		return errInvalidValue("VmType", t, "This combination of vCores and memory does not exist.")
	}
	return nil
}

// vmsRequest is the body of CreateVms: every parameter of the spec, so that
// a valid request is never refused for a parameter the emulator ignores.
type vmsRequest struct {
	ActionsOnNextBoot             json.RawMessage `json:"ActionsOnNextBoot"`
	BlockDeviceMappings           json.RawMessage `json:"BlockDeviceMappings"`
	BootMode                      string          `json:"BootMode"`
	BootOnCreation                *bool           `json:"BootOnCreation"`
	BsuOptimized                  bool            `json:"BsuOptimized"`
	ClientToken                   string          `json:"ClientToken"`
	DeletionProtection            bool            `json:"DeletionProtection"`
	DryRun                        bool            `json:"DryRun"`
	ImageID                       *string         `json:"ImageId"`
	KeypairName                   string          `json:"KeypairName"`
	MaxVmsCount                   *int            `json:"MaxVmsCount"`
	MinVmsCount                   *int            `json:"MinVmsCount"`
	NestedVirtualization          bool            `json:"NestedVirtualization"`
	Nics                          json.RawMessage `json:"Nics"`
	Performance                   string          `json:"Performance"`
	Placement                     *placement      `json:"Placement"`
	PrivateIPs                    []string        `json:"PrivateIps"`
	SecurityGroupIDs              []string        `json:"SecurityGroupIds"`
	SecurityGroups                []string        `json:"SecurityGroups"`
	ShutdownBehaviorConfiguration json.RawMessage `json:"ShutdownBehaviorConfiguration"`
	SubnetID                      string          `json:"SubnetId"`
	TpmEnabled                    *bool           `json:"TpmEnabled"`
	UserData                      string          `json:"UserData"`
	VMInitiatedShutdownBehavior   string          `json:"VmInitiatedShutdownBehavior"`
	VMType                        string          `json:"VmType"`
}

// maxVMsPerCall bounds MaxVmsCount in the emulator.
const maxVMsPerCall = 10

func (req vmsRequest) check() (count int, err error) {
	if err := required("ImageId", req.ImageID); err != nil {
		return 0, err
	}
	for name, raw := range map[string]json.RawMessage{"Nics": req.Nics, "BlockDeviceMappings": req.BlockDeviceMappings,
		"ActionsOnNextBoot": req.ActionsOnNextBoot, "ShutdownBehaviorConfiguration": req.ShutdownBehaviorConfiguration} {
		if len(raw) > 0 && string(raw) != "null" {
			return 0, errInvalidValue(name, string(raw), "The emulator does not implement this parameter.")
		}
	}
	if req.KeypairName != "" {
		return 0, errNotFound("KeypairName", req.KeypairName) // the emulator has no keypairs
	}
	if len(req.SecurityGroups) > 0 {
		return 0, errInvalidValue("SecurityGroups", strings.Join(req.SecurityGroups, ","), "In a Net, name security groups by id (SecurityGroupIds).")
	}
	if req.SubnetID == "" {
		return 0, errInvalidValue("SubnetId", "", "The emulator creates VMs in a Net only: give a SubnetId.")
	}
	if req.VMType == "" {
		req.VMType = "t2.small"
	}
	if err := checkVMType(req.VMType); err != nil {
		return 0, err
	}
	switch req.Performance {
	case "", "medium", "high", "highest":
	default:
		return 0, errInvalidValue("Performance", req.Performance, "It must be medium, high or highest.")
	}
	switch req.VMInitiatedShutdownBehavior {
	case "", "stop", "restart", "terminate":
	default:
		return 0, errInvalidValue("VmInitiatedShutdownBehavior", req.VMInitiatedShutdownBehavior, "It must be stop, restart or terminate.")
	}
	switch req.BootMode {
	case "", "legacy", "uefi":
	default:
		return 0, errInvalidValue("BootMode", req.BootMode, "It must be legacy or uefi.")
	}
	if len(req.UserData) > MaxUserData {
		return 0, errInvalidValue("UserData", fmt.Sprintf("%d bytes", len(req.UserData)),
			fmt.Sprintf("The user data is limited to %d KiB once Base64-encoded.", MaxUserData/1024))
	}
	if _, err := base64.StdEncoding.DecodeString(req.UserData); err != nil {
		return 0, errInvalidValue("UserData", "…", "It must be Base64-encoded.")
	}
	count = 1
	if req.MaxVmsCount != nil {
		count = *req.MaxVmsCount
	}
	minimum := 1
	if req.MinVmsCount != nil {
		minimum = *req.MinVmsCount
	}
	if count < 1 || count > maxVMsPerCall || minimum < 1 || minimum > count {
		return 0, errInvalidValue("MaxVmsCount", strconv.Itoa(count), fmt.Sprintf("MinVmsCount and MaxVmsCount must be between 1 and %d, MinVmsCount no more than MaxVmsCount.", maxVMsPerCall))
	}
	if len(req.PrivateIPs) > 0 && count > 1 {
		return 0, errInvalidValue("PrivateIps", strings.Join(req.PrivateIPs, ","), "Private IPs can be given for one VM only.")
	}
	return count, nil
}

// sameRequest says whether a create sent again with the same client token
// asks for the same thing (what a lost answer makes a client do).
func (req vmsRequest) sameAs(vm vmRecord) bool {
	vmType := req.VMType
	if vmType == "" {
		vmType = "t2.small"
	}
	groups := make([]string, 0, len(vm.SecurityGroups))
	for _, g := range vm.SecurityGroups {
		groups = append(groups, g.SecurityGroupID)
	}
	return vm.ImageID == *req.ImageID && vm.VMType == vmType && vm.SubnetID == req.SubnetID &&
		slices.Equal(slices.Sorted(slices.Values(groups)), slices.Sorted(slices.Values(req.SecurityGroupIDs))) && vm.UserData == req.UserData
}

func createVMs(c *call) (any, error) {
	var req vmsRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	count, err := req.check()
	if err != nil {
		return nil, err
	}
	account, region := c.account.AccountID, c.account.Region
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		answer := func(vms []vmRecord) (any, error) {
			out := make([]oapiVM, 0, len(vms))
			for _, vm := range vms {
				v, err := vm.view(tx)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			return struct {
				Vms []oapiVM `json:"Vms"`
			}{out}, nil
		}
		all, err := listOwned[vmRecord](tx, collVMs, account)
		if err != nil {
			return nil, err
		}
		// The same token gives back the VMs of the first call.
		if req.ClientToken != "" {
			var same []vmRecord
			for _, vm := range all {
				if vm.ClientToken == req.ClientToken {
					if !req.sameAs(vm) {
						return nil, errConflict(codeClientTokenReused, fmt.Sprintf(
							"The ClientToken '%s' was used by a request with other parameters (VM %s).", req.ClientToken, vm.VMID))
					}
					same = append(same, vm)
				}
			}
			if len(same) > 0 {
				return answer(same)
			}
		}
		image, ok := findImage(region, *req.ImageID)
		if !ok {
			return nil, errNotFound("ImageId", *req.ImageID)
		}
		subnet, err := mustLoad[subnetRecord](tx, collSubnets, "SubnetId", req.SubnetID, account)
		if err != nil {
			return nil, err
		}
		if req.Placement != nil && req.Placement.SubregionName != "" && req.Placement.SubregionName != subnet.SubregionName {
			return nil, errInvalidValue("Placement.SubregionName", req.Placement.SubregionName,
				"The Subnet '"+subnet.SubnetID+"' is in "+subnet.SubregionName+".")
		}
		groups, err := vmSecurityGroups(tx, account, subnet, req.SecurityGroupIDs)
		if err != nil {
			return nil, err
		}
		addresses, err := freeAddresses(tx, account, subnet, req.PrivateIPs, count)
		if err != nil {
			return nil, err
		}
		vmType := req.VMType
		if vmType == "" {
			vmType = "t2.small"
		}
		performance := req.Performance
		if performance == "" {
			performance = "high"
		}
		if m := vmTypePattern.FindStringSubmatch(vmType); m != nil && m[4] != "" {
			performance = map[string]string{"p1": "highest", "p2": "high", "p3": "medium"}[m[4]]
		}
		shutdown := req.VMInitiatedShutdownBehavior
		if shutdown == "" {
			shutdown = "stop"
		}
		bootMode := req.BootMode
		if bootMode == "" {
			bootMode = "legacy"
		}
		state := vmPending
		if req.BootOnCreation != nil && !*req.BootOnCreation {
			state = vmStopped
		}
		now := c.handler.opts.Now().UTC().Format("2006-01-02T15:04:05.000Z")
		reservation := newLinkID("r-")
		var made []vmRecord
		for i := 0; i < count; i++ {
			id := newID(tx, "i-", collVMs)
			dns := privateDNSName(addresses[i], region)
			light := make([]securityLight, len(groups))
			for j, g := range groups {
				light[j] = securityLight{SecurityGroupID: g.SecurityGroupID, SecurityGroupName: g.SecurityGroupName}
			}
			vm := vmRecord{owner: owner{account}, oapiVM: oapiVM{
				Architecture: image.Architecture,
				BlockDeviceMappings: []vmBlockDevice{{DeviceName: "/dev/sda1", Bsu: vmBsu{
					DeleteOnVmDeletion: true, LinkDate: now, State: "attached", VolumeID: newLinkID("vol-")}}},
				BootMode:           bootMode,
				ClientToken:        req.ClientToken,
				CreationDate:       now,
				DeletionProtection: req.DeletionProtection,
				Hypervisor:         "xen",
				ImageID:            image.ImageID,
				LaunchNumber:       i,
				NetID:              subnet.NetID,
				Nics: []vmNic{{
					AccountID:           account,
					Description:         "Primary network interface",
					LinkNic:             linkNic{DeleteOnVmDeletion: true, DeviceNumber: 0, LinkNicID: newLinkID("eni-attach-"), State: "attached"},
					MacAddress:          macAddress(id),
					NetID:               subnet.NetID,
					NicID:               newLinkID("eni-"),
					PrivateDNSName:      dns,
					PrivateIPs:          []vmPrivateIP{{IsPrimary: true, PrivateDNSName: dns, PrivateIP: addresses[i]}},
					SecurityGroups:      light,
					State:               "in-use",
					SubnetID:            subnet.SubnetID,
					IsSourceDestChecked: true,
				}},
				IsSourceDestChecked:         true,
				Performance:                 performance,
				Placement:                   placement{SubregionName: subnet.SubregionName, Tenancy: "default"},
				PrivateDNSName:              dns,
				PrivateIP:                   addresses[i],
				ProductCodes:                slices.Clone(image.ProductCodes),
				ReservationID:               reservation,
				RootDeviceName:              "/dev/sda1",
				RootDeviceType:              "bsu",
				SecurityGroups:              light,
				State:                       state,
				SubnetID:                    subnet.SubnetID,
				Tags:                        []resourceTag{},
				UserData:                    req.UserData,
				VMID:                        id,
				VMInitiatedShutdownBehavior: shutdown,
				VMType:                      vmType,
			}}
			if err := store.Put(tx, collVMs, id, vm); err != nil {
				return nil, err
			}
			made = append(made, vm)
		}
		return answer(made)
	})
}

// vmSecurityGroups loads the groups a VM is created with: by default the
// Net's default group; each must be in the subnet's Net.
func vmSecurityGroups(tx store.Tx, account string, subnet subnetRecord, ids []string) ([]securityGroupRecord, error) {
	all, err := listOwned[securityGroupRecord](tx, collSecurityGroups, account)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		for _, g := range all {
			if g.NetID == subnet.NetID && g.Default {
				return []securityGroupRecord{g}, nil
			}
		}
		return nil, errNotFound("SecurityGroupId", "default")
	}
	var out []securityGroupRecord
	for _, id := range ids {
		i := slices.IndexFunc(all, func(g securityGroupRecord) bool { return g.SecurityGroupID == id })
		if i < 0 {
			return nil, errNotFound("SecurityGroupId", id)
		}
		if all[i].NetID != subnet.NetID {
			return nil, errInvalidValue("SecurityGroupIds", id, "The security group is not in the Net '"+subnet.NetID+"' of the Subnet.")
		}
		out = append(out, all[i])
	}
	return out, nil
}

// freeAddresses picks count private addresses of the subnet, or checks the
// ones asked for. OUTSCALE reserves the first four addresses of a subnet and
// its last one (CreateVms' documentation).
func freeAddresses(tx store.Tx, account string, subnet subnetRecord, asked []string, count int) ([]string, error) {
	p := prefixOf(subnet.IPRange)
	if !p.IsValid() {
		return nil, errInvalidValue("SubnetId", subnet.SubnetID, "The Subnet's IP range is unreadable.")
	}
	used := map[netip.Addr]bool{}
	vms, err := listOwned[vmRecord](tx, collVMs, account)
	if err != nil {
		return nil, err
	}
	for _, vm := range vms {
		if vm.alive() && vm.SubnetID == subnet.SubnetID {
			if a, err := netip.ParseAddr(vm.PrivateIP); err == nil {
				used[a] = true
			}
		}
	}
	first := p.Addr()
	for i := 0; i < 4; i++ {
		first = first.Next()
	}
	last := lastAddress(p)
	usable := func(a netip.Addr) bool { return p.Contains(a) && !a.Less(first) && a.Less(last) }
	if len(asked) > 0 {
		var out []string
		for _, s := range asked {
			a, err := netip.ParseAddr(s)
			if err != nil || !usable(a) {
				return nil, errInvalidValue("PrivateIps", s, "It must be a usable address of the Subnet "+subnet.IPRange+" (not its first four nor its last).")
			}
			if used[a] {
				return nil, errConflict("9031", "The private IP '"+s+"' is already in use in the Subnet '"+subnet.SubnetID+"'.")
			}
			out = append(out, a.String())
		}
		return out, nil
	}
	var out []string
	for a := first; usable(a) && len(out) < count; a = a.Next() {
		if !used[a] {
			out = append(out, a.String())
		}
	}
	if len(out) < count {
		return nil, errCapacity("No private IP is left in the Subnet '" + subnet.SubnetID + "'.")
	}
	return out, nil
}

func lastAddress(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	n := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	n |= uint32(1)<<(32-p.Bits()) - 1
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

func privateDNSName(ip, region string) string {
	return "ip-" + strings.ReplaceAll(ip, ".", "-") + "." + region + ".compute.internal"
}

// macAddress derives a locally administered MAC address from the VM id.
func macAddress(id string) string {
	h := strings.TrimPrefix(id, "i-")
	for len(h) < 8 {
		h += "0"
	}
	return "aa:ff:" + h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8]
}

// vmFilters are the FiltersVm names the emulator applies.
var vmFilters = []string{"VmIds", "VmStateNames", "SubnetIds", "NetIds", "ClientTokens", "ImageIds", "VmTypes",
	"PrivateIps", "PublicIps", "SecurityGroupIds", "TagKeys", "TagValues", "Tags"}

func readVMs(c *call) (any, error) {
	var req struct {
		DryRun  bool                       `json:"DryRun"`
		Filters map[string]json.RawMessage `json:"Filters"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	var f struct {
		VMIDs            []string `json:"VmIds"`
		VMStateNames     []string `json:"VmStateNames"`
		SubnetIDs        []string `json:"SubnetIds"`
		NetIDs           []string `json:"NetIds"`
		ClientTokens     []string `json:"ClientTokens"`
		ImageIDs         []string `json:"ImageIds"`
		VMTypes          []string `json:"VmTypes"`
		PrivateIPs       []string `json:"PrivateIps"`
		PublicIPs        []string `json:"PublicIps"`
		SecurityGroupIDs []string `json:"SecurityGroupIds"`
		tagFilters
	}
	if err := decodeFilters(req.Filters, &f, "FiltersVm", vmFilters); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	// A write transaction: reading moves the states along.
	return c.mutate(false, func(tx store.Tx) (any, error) {
		all, err := listOwned[vmRecord](tx, collVMs, account)
		if err != nil {
			return nil, err
		}
		var found []vmRecord
		var views []oapiVM
		for _, vm := range all {
			v, err := vm.view(tx)
			if err != nil {
				return nil, err
			}
			groups := make([]string, 0, len(vm.SecurityGroups))
			for _, g := range vm.SecurityGroups {
				groups = append(groups, g.SecurityGroupID)
			}
			if !matches(f.VMIDs, vm.VMID) || !matches(f.VMStateNames, vm.State) || !matches(f.SubnetIDs, vm.SubnetID) ||
				!matches(f.NetIDs, vm.NetID) || !matches(f.ClientTokens, vm.ClientToken) || !matches(f.ImageIDs, vm.ImageID) ||
				!matches(f.VMTypes, vm.VMType) || !matches(f.PrivateIPs, vm.PrivateIP) || !matchesAny(f.SecurityGroupIDs, groups) ||
				(len(f.PublicIPs) > 0 && !slices.Contains(f.PublicIPs, v.PublicIP)) || !f.match(vm.Tags) {
				continue
			}
			found = append(found, vm)
			views = append(views, v)
		}
		shown, next, err := paginate(req.page, views)
		if err != nil {
			return nil, err
		}
		for _, vm := range found {
			if slices.ContainsFunc(shown, func(v oapiVM) bool { return v.VMID == vm.VMID }) {
				if !c.handler.opts.Pace.Ready(collVMs, vm.VMID, vm.State) {
					continue
				}
				if err := advanceVM(tx, vm); err != nil {
					return nil, err
				}
			}
		}
		return struct {
			Vms           []oapiVM `json:"Vms"`
			NextPageToken string   `json:"NextPageToken,omitempty"`
		}{shown, next}, nil
	})
}

// advanceVM moves a VM a client has just seen to its next state.
func advanceVM(tx store.Tx, vm vmRecord) error {
	switch vm.State {
	case vmPending:
		vm.State = vmRunning
	case vmStopping:
		vm.State = vmStopped
	case vmShuttingDown:
		vm.State = vmTerminated
		// Its public IP is released; its volume and NIC go with it.
		link, err := publicIPOfVM(tx, vm.AccountID, vm.VMID)
		if err != nil {
			return err
		}
		if link != nil {
			link.LinkPublicIPID, link.VMID, link.NicID, link.NicAccountID, link.PrivateIP = "", "", "", "", ""
			if err := store.Put(tx, collPublicIPs, link.PublicIPID, *link); err != nil {
				return err
			}
		}
	case vmTerminated:
		return tx.Delete(collVMs, vm.VMID)
	default:
		return nil
	}
	return store.Put(tx, collVMs, vm.VMID, vm)
}

// oapiVMState is OAPI's VmState.
type oapiVMState struct {
	CurrentState  string `json:"CurrentState"`
	PreviousState string `json:"PreviousState"`
	VMID          string `json:"VmId"`
}

// changeStates runs change on every VM of the request, all or none.
func (c *call) changeStates(change func(vm *vmRecord) error) (any, error) {
	var req struct {
		DryRun    bool     `json:"DryRun"`
		ForceStop bool     `json:"ForceStop"`
		VMIDs     []string `json:"VmIds"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if len(req.VMIDs) == 0 {
		return nil, errMissingParameter("VmIds")
	}
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		out := make([]oapiVMState, 0, len(req.VMIDs))
		for _, id := range req.VMIDs {
			vm, err := mustLoad[vmRecord](tx, collVMs, "VmId", id, c.account.AccountID)
			if err != nil {
				return nil, err
			}
			previous := vm.State
			if err := change(&vm); err != nil {
				return nil, err
			}
			if err := store.Put(tx, collVMs, vm.VMID, vm); err != nil {
				return nil, err
			}
			out = append(out, oapiVMState{VMID: vm.VMID, PreviousState: previous, CurrentState: vm.State})
		}
		return struct {
			Vms []oapiVMState `json:"Vms"`
		}{out}, nil
	})
}

func errVMState(vm vmRecord, action string) *Error {
	return errConflict(codeVMInvalidState, fmt.Sprintf("The VM '%s' is %s: it cannot be %s.", vm.VMID, vm.State, action))
}

func stopVMs(c *call) (any, error) {
	return c.changeStates(func(vm *vmRecord) error {
		switch vm.State {
		case vmPending, vmRunning:
			vm.State = vmStopping
		case vmStopping, vmStopped:
		default:
			return errVMState(*vm, "stopped")
		}
		return nil
	})
}

func startVMs(c *call) (any, error) {
	return c.changeStates(func(vm *vmRecord) error {
		switch vm.State {
		case vmStopped:
			vm.State = vmPending
		case vmPending, vmRunning:
		default:
			return errVMState(*vm, "started")
		}
		return nil
	})
}

func deleteVMs(c *call) (any, error) {
	return c.changeStates(func(vm *vmRecord) error {
		if vm.DeletionProtection {
			return &Error{Status: 400, Code: codeVMDeletionProtection, Type: "OperationNotSupported",
				Details: fmt.Sprintf("The VM '%s' has DeletionProtection set: update it first.", vm.VMID)}
		}
		if vm.State != vmTerminated {
			vm.State = vmShuttingDown
		}
		return nil
	})
}

func linkPublicIP(c *call) (any, error) {
	var req struct {
		AllowRelink *bool  `json:"AllowRelink"`
		DryRun      bool   `json:"DryRun"`
		NicID       string `json:"NicId"`
		PrivateIP   string `json:"PrivateIp"`
		PublicIP    string `json:"PublicIp"`
		PublicIPID  string `json:"PublicIpId"`
		VMID        string `json:"VmId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.PublicIPID == "" && req.PublicIP == "" {
		return nil, errMissingParameter("PublicIpId")
	}
	if req.VMID == "" && req.NicID == "" {
		return nil, errMissingParameter("VmId")
	}
	if req.VMID != "" && req.NicID != "" {
		return nil, errInvalidValue("NicId", req.NicID, "Give VmId or NicId, not both.")
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		ip, err := findPublicIP(tx, account, req.PublicIPID, req.PublicIP)
		if err != nil {
			return nil, err
		}
		vm, err := vmOfLink(tx, account, req.VMID, req.NicID)
		if err != nil {
			return nil, err
		}
		if !vm.alive() || vm.State == vmShuttingDown {
			return nil, errVMState(vm, "given a public IP")
		}
		nic := vm.Nics[0]
		private := req.PrivateIP
		if private == "" {
			private = vm.PrivateIP
		} else if !slices.ContainsFunc(nic.PrivateIPs, func(p vmPrivateIP) bool { return p.PrivateIP == private }) {
			return nil, errInvalidValue("PrivateIp", private, "It is not an address of the NIC '"+nic.NicID+"'.")
		}
		// A public IP reaches a VM of a Net through the Net's internet service.
		services, err := listOwned[internetServiceRecord](tx, collInternetServices, account)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(services, func(s internetServiceRecord) bool { return s.NetID == vm.NetID }) {
			return nil, errConflict(codeNetHasNoGateway, "The Net '"+vm.NetID+"' of the VM has no internet service linked: link one before linking a public IP.")
		}
		if holder := ip.inUse(); holder != "" && ip.VMID != vm.VMID {
			relink := req.AllowRelink != nil && *req.AllowRelink
			if ip.VMID == "" || !relink {
				return nil, errConflict(codePublicIPInUse, fmt.Sprintf("The public IP '%s' (%s) is already in use by %s.", ip.PublicIPID, ip.PublicIP, holder))
			}
		}
		// One public IP per VM: another one linked to the VM is unlinked.
		if other, err := publicIPOfVM(tx, account, vm.VMID); err != nil {
			return nil, err
		} else if other != nil && other.PublicIPID != ip.PublicIPID {
			other.LinkPublicIPID, other.VMID, other.NicID, other.NicAccountID, other.PrivateIP = "", "", "", "", ""
			if err := store.Put(tx, collPublicIPs, other.PublicIPID, *other); err != nil {
				return nil, err
			}
		}
		if ip.LinkPublicIPID == "" || ip.VMID != vm.VMID {
			ip.LinkPublicIPID = newLinkID("eipassoc-")
		}
		ip.VMID, ip.NicID, ip.NicAccountID, ip.PrivateIP = vm.VMID, nic.NicID, account, private
		if err := store.Put(tx, collPublicIPs, ip.PublicIPID, ip); err != nil {
			return nil, err
		}
		return struct {
			LinkPublicIPID string `json:"LinkPublicIpId"`
		}{ip.LinkPublicIPID}, nil
	})
}

// vmOfLink finds the VM a link names, by VM or by its NIC.
func vmOfLink(tx store.Tx, account, vmID, nicID string) (vmRecord, error) {
	if vmID != "" {
		return mustLoad[vmRecord](tx, collVMs, "VmId", vmID, account)
	}
	vms, err := listOwned[vmRecord](tx, collVMs, account)
	if err != nil {
		return vmRecord{}, err
	}
	for _, vm := range vms {
		if len(vm.Nics) > 0 && vm.Nics[0].NicID == nicID {
			return vm, nil
		}
	}
	return vmRecord{}, errNotFound("NicId", nicID)
}

func unlinkPublicIP(c *call) (any, error) {
	var req struct {
		DryRun         bool   `json:"DryRun"`
		LinkPublicIPID string `json:"LinkPublicIpId"`
		PublicIP       string `json:"PublicIp"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.LinkPublicIPID == "" && req.PublicIP == "" {
		return nil, errMissingParameter("LinkPublicIpId")
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		ips, err := listOwned[publicIPRecord](tx, collPublicIPs, account)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(ips, func(p publicIPRecord) bool {
			if req.LinkPublicIPID != "" {
				return p.LinkPublicIPID == req.LinkPublicIPID
			}
			return p.PublicIP == req.PublicIP
		})
		if i < 0 {
			if req.LinkPublicIPID != "" {
				return nil, errNotFound("LinkPublicIpId", req.LinkPublicIPID)
			}
			return nil, errNotFound("PublicIp", req.PublicIP)
		}
		ip := ips[i]
		if ip.NatServiceID != "" {
			return nil, errConflict(codePublicIPInUse, "The public IP '"+ip.PublicIPID+"' belongs to the NAT service '"+ip.NatServiceID+"': delete the NAT service instead.")
		}
		if ip.VMID == "" {
			return nil, errNotFound("LinkPublicIpId", req.LinkPublicIPID+req.PublicIP)
		}
		ip.LinkPublicIPID, ip.VMID, ip.NicID, ip.NicAccountID, ip.PrivateIP = "", "", "", "", ""
		return struct{}{}, store.Put(tx, collPublicIPs, ip.PublicIPID, ip)
	})
}
