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
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// VMs (CreateVms, ReadVms, UpdateVm, StopVms, StartVms, DeleteVms,
// ReadVmsState, ReadAdminPassword), the OMI catalogue (ReadImages,
// image.go) and the links of public IPs to VMs (LinkPublicIp,
// UnlinkPublicIp).
//
// A VM moves through OAPI's states as clients read it, or with time
// (transient.go): it is "pending" when created and "running" once a read
// has shown it; StopVms makes it "stopping", then "stopped"; StartVms makes
// a stopped VM "pending" again; DeleteVms makes it "shutting-down", then
// "terminated", which the listing shows until a read has shown it (the
// official provider's delete waits for "terminated" and reads the first
// VM of the answer without checking that there is one). Until it is
// terminated, a VM holds its subnet, its security groups and its public
// IP, so deleting those answers the real conflicts; its termination
// deletes its volumes marked DeleteOnVmDeletion and detaches the others
// (volume.go).
//
// The VM's user-data is stored as sent (base64), and ReadVms answers it, as
// OAPI does: tests read it back through the control API.

const collVMs = "outscale.vms"

// VMs take tags: "i-" ids, ReadTags' "vm" resource type.
func init() {
	kinds = append(kinds, kind{"i-", collVMs, "vm", "VmId"})
}

// vmActions are the VM, image, volume, keypair, NIC and public IP link
// actions.
func vmActions() map[string]action {
	return map[string]action{
		"CreateVms":         {serve: createVMs},
		"ReadVms":           {serve: readVMs},
		"UpdateVm":          {serve: updateVM},
		"StopVms":           {serve: stopVMs},
		"StartVms":          {serve: startVMs},
		"DeleteVms":         {serve: deleteVMs},
		"ReadVmsState":      {serve: readVMsState},
		"ReadAdminPassword": {serve: readAdminPassword},
		"ReadImages":        {serve: readImages},
		"ReadVolumes":       {serve: readVolumes},
		"DeleteVolume":      {serve: deleteVolume},
		"CreateKeypair":     {serve: createKeypair},
		"ReadKeypairs":      {serve: readKeypairs},
		"DeleteKeypair":     {serve: deleteKeypair},
		"ReadNics":          {serve: readNics},
		"UpdateNic":         {serve: updateNic},
		"ReadLoadBalancers": {serve: readLoadBalancers},
		"LinkPublicIp":      {serve: linkPublicIP},
		"UnlinkPublicIp":    {serve: unlinkPublicIP},
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

func vmStage(state string) stage {
	switch state {
	case vmPending, vmStopping, vmShuttingDown:
		return moving
	case vmTerminated:
		return lingering
	}
	return settled
}

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
	ActionsOnNextBoot             *actionsOnNextBoot `json:"ActionsOnNextBoot,omitempty"`
	Architecture                  string             `json:"Architecture"`
	BlockDeviceMappings           []vmBlockDevice    `json:"BlockDeviceMappings"`
	BootMode                      string             `json:"BootMode"`
	BsuOptimized                  bool               `json:"BsuOptimized"`
	ClientToken                   string             `json:"ClientToken,omitempty"`
	CreationDate                  string             `json:"CreationDate"`
	DeletionProtection            bool               `json:"DeletionProtection"`
	Hypervisor                    string             `json:"Hypervisor"`
	ImageID                       string             `json:"ImageId"`
	IsSourceDestChecked           bool               `json:"IsSourceDestChecked"`
	KeypairName                   string             `json:"KeypairName,omitempty"`
	LaunchNumber                  int                `json:"LaunchNumber"`
	NestedVirtualization          bool               `json:"NestedVirtualization"`
	NetID                         string             `json:"NetId,omitempty"`
	Nics                          []vmNic            `json:"Nics"`
	Performance                   string             `json:"Performance"`
	Placement                     placement          `json:"Placement"`
	PrivateDNSName                string             `json:"PrivateDnsName"`
	PrivateIP                     string             `json:"PrivateIp"`
	ProductCodes                  []string           `json:"ProductCodes"`
	PublicDNSName                 string             `json:"PublicDnsName,omitempty"`
	PublicIP                      string             `json:"PublicIp,omitempty"`
	ReservationID                 string             `json:"ReservationId"`
	RootDeviceName                string             `json:"RootDeviceName"`
	RootDeviceType                string             `json:"RootDeviceType"`
	SecurityGroups                []securityLight    `json:"SecurityGroups"`
	State                         string             `json:"State"`
	StateReason                   string             `json:"StateReason"`
	ShutdownBehaviorConfiguration *shutdownBehavior  `json:"ShutdownBehaviorConfiguration,omitempty"`
	SubnetID                      string             `json:"SubnetId,omitempty"`
	Tags                          []resourceTag      `json:"Tags"`
	TpmEnabled                    bool               `json:"TpmEnabled"`
	UserData                      string             `json:"UserData"`
	VMID                          string             `json:"VmId"`
	VMInitiatedShutdownBehavior   string             `json:"VmInitiatedShutdownBehavior"`
	VMType                        string             `json:"VmType"`
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
	// StateSince is when it entered its State.
	StateSince time.Time `json:"state_since"`
}

// actionsOnNextBoot is OAPI's ActionsOnNextBoot.
type actionsOnNextBoot struct {
	SecureBoot string `json:"SecureBoot,omitempty"`
}

// secureBootActions are SecureBootAction's values.
var secureBootActions = []string{"enable", "disable", "setup-mode", "none", "restore-factory-keys"}

func (a *actionsOnNextBoot) check(param string) error {
	if a != nil && a.SecureBoot != "" && !slices.Contains(secureBootActions, a.SecureBoot) {
		return errInvalidValue(param+".SecureBoot", a.SecureBoot, "It must be one of "+strings.Join(secureBootActions, ", ")+".")
	}
	return nil
}

// shutdownBehavior is OAPI's ShutdownBehaviorConfiguration.
type shutdownBehavior struct {
	GuestAction string `json:"GuestAction,omitempty"`
	HostAction  string `json:"HostAction,omitempty"`
}

func (b *shutdownBehavior) check(param string) error {
	if b == nil {
		return nil
	}
	if b.GuestAction != "" && b.GuestAction != "stop" && b.GuestAction != "terminate" {
		return errInvalidValue(param+".GuestAction", b.GuestAction, "It must be stop or terminate.")
	}
	if b.HostAction != "" && b.HostAction != "restart" && b.HostAction != "stop" {
		return errInvalidValue(param+".HostAction", b.HostAction, "It must be restart or stop.")
	}
	return nil
}

// lights are groups as a VM or a NIC lists them.
func lights(groups []securityGroupRecord) []securityLight {
	out := make([]securityLight, len(groups))
	for i, g := range groups {
		out[i] = securityLight{SecurityGroupID: g.SecurityGroupID, SecurityGroupName: g.SecurityGroupName}
	}
	return out
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
	if link != nil {
		dns := publicDNSName(link.PublicIP, r.Placement.SubregionName)
		v.PublicIP, v.PublicDNSName = link.PublicIP, dns
		if len(v.Nics) == 0 {
			return v, nil // a VM of the public Cloud has no NIC
		}
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
	ActionsOnNextBoot             *actionsOnNextBoot `json:"ActionsOnNextBoot"`
	BlockDeviceMappings           []blockDeviceInput `json:"BlockDeviceMappings"`
	BootMode                      string             `json:"BootMode"`
	BootOnCreation                *bool              `json:"BootOnCreation"`
	BsuOptimized                  bool               `json:"BsuOptimized"` // "not available": ignored
	ClientToken                   string             `json:"ClientToken"`
	DeletionProtection            bool               `json:"DeletionProtection"`
	DryRun                        bool               `json:"DryRun"`
	ImageID                       *string            `json:"ImageId"`
	KeypairName                   string             `json:"KeypairName"`
	MaxVmsCount                   *int               `json:"MaxVmsCount"`
	MinVmsCount                   *int               `json:"MinVmsCount"`
	NestedVirtualization          bool               `json:"NestedVirtualization"`
	Nics                          []nicInput         `json:"Nics"`
	Performance                   string             `json:"Performance"`
	Placement                     *placement         `json:"Placement"`
	PrivateIPs                    []string           `json:"PrivateIps"`
	SecurityGroupIDs              []string           `json:"SecurityGroupIds"`
	SecurityGroups                []string           `json:"SecurityGroups"`
	ShutdownBehaviorConfiguration *shutdownBehavior  `json:"ShutdownBehaviorConfiguration"`
	SubnetID                      string             `json:"SubnetId"`
	TpmEnabled                    *bool              `json:"TpmEnabled"`
	UserData                      string             `json:"UserData"`
	VMInitiatedShutdownBehavior   string             `json:"VmInitiatedShutdownBehavior"`
	VMType                        string             `json:"VmType"`
}

// nicInput is NicForVmCreation. The emulator creates the primary NIC (device
// 0) only, never attaches an existing one: it has no standalone NICs.
type nicInput struct {
	DeleteOnVmDeletion      *bool            `json:"DeleteOnVmDeletion"`
	Description             *string          `json:"Description"`
	DeviceNumber            *int             `json:"DeviceNumber"`
	NicID                   *string          `json:"NicId"`
	PrivateIPs              []privateIPInput `json:"PrivateIps"`
	SecondaryPrivateIPCount *int             `json:"SecondaryPrivateIpCount"`
	SecurityGroupIDs        []string         `json:"SecurityGroupIds"`
	SubnetID                *string          `json:"SubnetId"`
}

// privateIPInput is PrivateIpLight.
type privateIPInput struct {
	IsPrimary bool   `json:"IsPrimary"`
	PrivateIP string `json:"PrivateIp"`
}

// primaryNic is where a VM's primary NIC goes, from SubnetId,
// SecurityGroupIds and PrivateIps or from Nics[0].
type primaryNic struct {
	subnetID           string
	groupIDs           []string
	privateIPs         []string
	description        string
	deleteOnVMDeletion bool
}

// maxVMsPerCall bounds MaxVmsCount in the emulator.
const maxVMsPerCall = 10

// primary resolves the VM's NIC from either form of the request.
func (req vmsRequest) primary() (primaryNic, error) {
	p := primaryNic{subnetID: req.SubnetID, groupIDs: req.SecurityGroupIDs, privateIPs: req.PrivateIPs,
		description: "Primary network interface", deleteOnVMDeletion: true}
	if len(req.Nics) == 0 {
		return p, nil // without SubnetId, a VM of the public Cloud
	}
	// "If you specify this parameter, you must define one NIC as the
	// primary network interface of the VM with 0 as its device number";
	// the subnet, groups and addresses are then the NIC's.
	if req.SubnetID != "" || len(req.SecurityGroupIDs) > 0 || len(req.PrivateIPs) > 0 {
		return p, errInvalidValue("Nics", "…", "With Nics, give the subnet, security groups and private IPs in the NIC, not in the request.")
	}
	if len(req.Nics) > 1 {
		return p, errInvalidValue("Nics", strconv.Itoa(len(req.Nics)), "The emulator creates the primary NIC only.")
	}
	n := req.Nics[0]
	switch {
	case n.NicID != nil:
		return p, errNotFound("NicId", *n.NicID) // the emulator has no standalone NICs
	case n.DeviceNumber == nil || *n.DeviceNumber != 0:
		return p, errInvalidValue("Nics[0].DeviceNumber", fmt.Sprint(ptrInt(n.DeviceNumber)), "The primary NIC has the device number 0.")
	case n.SubnetID == nil || *n.SubnetID == "":
		return p, errMissingParameter("Nics[0].SubnetId")
	case n.SecondaryPrivateIPCount != nil && *n.SecondaryPrivateIPCount > 0:
		return p, errInvalidValue("Nics[0].SecondaryPrivateIpCount", strconv.Itoa(*n.SecondaryPrivateIPCount), "The emulator gives a NIC one private IP.")
	}
	p.subnetID, p.groupIDs, p.privateIPs = *n.SubnetID, n.SecurityGroupIDs, nil
	for _, ip := range n.PrivateIPs {
		if !ip.IsPrimary && len(n.PrivateIPs) > 1 {
			return p, errInvalidValue("Nics[0].PrivateIps", ip.PrivateIP, "The emulator gives a NIC one private IP.")
		}
		if ip.PrivateIP != "" {
			p.privateIPs = []string{ip.PrivateIP}
		}
	}
	if n.Description != nil && *n.Description != "" {
		p.description = *n.Description
	}
	if n.DeleteOnVmDeletion != nil {
		p.deleteOnVMDeletion = *n.DeleteOnVmDeletion
	}
	return p, nil
}

func ptrInt(n *int) any {
	if n == nil {
		return "none"
	}
	return *n
}

func (req vmsRequest) check() (count int, err error) {
	if err := required("ImageId", req.ImageID); err != nil {
		return 0, err
	}
	if len(req.SecurityGroups) > 0 && (req.SubnetID != "" || len(req.Nics) > 0) {
		return 0, errInvalidValue("SecurityGroups", strings.Join(req.SecurityGroups, ","), "In a Net, name security groups by id (SecurityGroupIds).")
	}
	if req.VMType == "" {
		req.VMType = "t2.small"
	}
	if err := checkVMType(req.VMType); err != nil {
		return 0, err
	}
	if err := checkVMSettings(req.Performance, req.VMInitiatedShutdownBehavior, req.UserData); err != nil {
		return 0, err
	}
	switch req.BootMode {
	case "", "legacy", "uefi":
	default:
		return 0, errInvalidValue("BootMode", req.BootMode, "It must be legacy or uefi.")
	}
	if err := req.ActionsOnNextBoot.check("ActionsOnNextBoot"); err != nil {
		return 0, err
	}
	if err := req.ShutdownBehaviorConfiguration.check("ShutdownBehaviorConfiguration"); err != nil {
		return 0, err
	}
	if req.Placement != nil {
		switch req.Placement.Tenancy {
		case "", "default", "dedicated":
		default:
			return 0, errInvalidValue("Placement.Tenancy", req.Placement.Tenancy, "It must be default or dedicated.")
		}
	}
	if req.NestedVirtualization && (req.Placement == nil || req.Placement.Tenancy != "dedicated") {
		return 0, errInvalidValue("NestedVirtualization", "true", "Nested virtualization needs the dedicated tenancy.")
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
	nic, err := req.primary()
	if err != nil {
		return 0, err
	}
	if len(nic.privateIPs) > 0 && count > 1 {
		return 0, errInvalidValue("PrivateIps", strings.Join(nic.privateIPs, ","), "Private IPs can be given for one VM only.")
	}
	return count, nil
}

// checkVMSettings checks what CreateVms and UpdateVm share.
func checkVMSettings(performance, shutdown, userData string) error {
	switch performance {
	case "", "medium", "high", "highest":
	default:
		return errInvalidValue("Performance", performance, "It must be medium, high or highest.")
	}
	switch shutdown {
	case "", "stop", "restart", "terminate":
	default:
		return errInvalidValue("VmInitiatedShutdownBehavior", shutdown, "It must be stop, restart or terminate.")
	}
	if len(userData) > MaxUserData {
		return errInvalidValue("UserData", fmt.Sprintf("%d bytes", len(userData)),
			fmt.Sprintf("The user data is limited to %d KiB once Base64-encoded.", MaxUserData/1024))
	}
	if _, err := base64.StdEncoding.DecodeString(userData); err != nil {
		return errInvalidValue("UserData", "…", "It must be Base64-encoded.")
	}
	return nil
}

// sameAs says whether a create sent again with the same client token asks
// for the same thing (what a lost answer makes a client do).
func (req vmsRequest) sameAs(vm vmRecord) bool {
	vmType := req.VMType
	if vmType == "" {
		vmType = "t2.small"
	}
	nic, _ := req.primary()
	groups := make([]string, 0, len(vm.SecurityGroups))
	for _, g := range vm.SecurityGroups {
		groups = append(groups, g.SecurityGroupID)
	}
	return vm.ImageID == *req.ImageID && vm.VMType == vmType && vm.SubnetID == nic.subnetID && vm.KeypairName == req.KeypairName &&
		slices.Equal(slices.Sorted(slices.Values(groups)), slices.Sorted(slices.Values(nic.groupIDs))) && vm.UserData == req.UserData
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
	primary, err := req.primary()
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
		// The same token gives back the VMs of the first call. A
		// terminated VM's token is free again (unverified).
		if req.ClientToken != "" {
			var same []vmRecord
			for _, vm := range all {
				if vm.ClientToken == req.ClientToken && vm.alive() {
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
		specs, err := volumeSpecs(image, req.BlockDeviceMappings)
		if err != nil {
			return nil, err
		}
		if req.KeypairName != "" {
			if _, found, err := keypairByName(tx, account, req.KeypairName); err != nil {
				return nil, err
			} else if !found {
				return nil, errNotFound("KeypairName", req.KeypairName)
			}
		}
		tenancy := "default"
		if req.Placement != nil && req.Placement.Tenancy != "" {
			tenancy = req.Placement.Tenancy
		}
		// subnet stays zero for a VM of the public Cloud, but its Subregion.
		var subnet subnetRecord
		var groups []securityGroupRecord
		var addresses []string
		if primary.subnetID != "" {
			subnet, err = mustLoad[subnetRecord](tx, collSubnets, "SubnetId", primary.subnetID, account)
			if err != nil {
				return nil, err
			}
			if req.Placement != nil && req.Placement.SubregionName != "" && req.Placement.SubregionName != subnet.SubregionName {
				return nil, errInvalidValue("Placement.SubregionName", req.Placement.SubregionName,
					"The Subnet '"+subnet.SubnetID+"' is in "+subnet.SubregionName+".")
			}
			if groups, err = vmSecurityGroups(tx, account, subnet.NetID, primary.groupIDs, nil); err != nil {
				return nil, err
			}
			if addresses, err = freeAddresses(tx, account, subnet, primary.privateIPs, count); err != nil {
				return nil, err
			}
		} else {
			subnet.SubregionName = region + "a"
			if req.Placement != nil && req.Placement.SubregionName != "" {
				if z := req.Placement.SubregionName; z != region+"a" && z != region+"b" {
					return nil, errInvalidValue("Placement.SubregionName", z, "It is not a Subregion of "+region+" (see ReadSubregions).")
				}
				subnet.SubregionName = req.Placement.SubregionName
			}
			if len(primary.privateIPs) > 0 {
				return nil, errInvalidValue("PrivateIps", strings.Join(primary.privateIPs, ","), "Private IPs are chosen in a Subnet only.")
			}
			if groups, err = vmSecurityGroups(tx, account, "", primary.groupIDs, req.SecurityGroups); err != nil {
				return nil, err
			}
			if len(groups) == 0 {
				g, err := publicDefaultGroup(tx, account)
				if err != nil {
					return nil, err
				}
				groups = []securityGroupRecord{g}
			}
			if addresses, err = freePublicCloudAddresses(tx, account, count); err != nil {
				return nil, err
			}
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
		// "The default behavior for this parameter varies depending on the
		// OMI" (TpmEnabled): the emulator's OMIs do not mandate a vTPM.
		tpm := req.TpmEnabled != nil && *req.TpmEnabled
		clock := c.handler.opts.Now()
		now := clock.UTC().Format("2006-01-02T15:04:05.000Z")
		reservation := newLinkID("r-")
		var made []vmRecord
		for i := 0; i < count; i++ {
			id := newID(tx, "i-", collVMs)
			dns := privateDNSName(addresses[i], region)
			devices, err := createVolumes(tx, account, id, subnet.SubregionName, now, specs)
			if err != nil {
				return nil, err
			}
			vm := vmRecord{owner: owner{account}, StateSince: clock, oapiVM: oapiVM{
				ActionsOnNextBoot:             req.ActionsOnNextBoot,
				Architecture:                  image.Architecture,
				BlockDeviceMappings:           devices,
				BootMode:                      bootMode,
				ClientToken:                   req.ClientToken,
				CreationDate:                  now,
				DeletionProtection:            req.DeletionProtection,
				Hypervisor:                    "xen",
				ImageID:                       image.ImageID,
				KeypairName:                   req.KeypairName,
				LaunchNumber:                  i,
				NestedVirtualization:          req.NestedVirtualization,
				NetID:                         subnet.NetID,
				Nics:                          primaryNics(account, id, dns, addresses[i], subnet, primary, groups),
				IsSourceDestChecked:           true,
				Performance:                   performance,
				Placement:                     placement{SubregionName: subnet.SubregionName, Tenancy: tenancy},
				PrivateDNSName:                dns,
				PrivateIP:                     addresses[i],
				ProductCodes:                  slices.Clone(image.ProductCodes),
				ReservationID:                 reservation,
				RootDeviceName:                rootDevice,
				RootDeviceType:                "bsu",
				SecurityGroups:                lights(groups),
				ShutdownBehaviorConfiguration: req.ShutdownBehaviorConfiguration,
				State:                         state,
				SubnetID:                      subnet.SubnetID,
				Tags:                          []resourceTag{},
				TpmEnabled:                    tpm,
				UserData:                      req.UserData,
				VMID:                          id,
				VMInitiatedShutdownBehavior:   shutdown,
				VMType:                        vmType,
			}}
			if err := store.Put(tx, collVMs, id, vm); err != nil {
				return nil, err
			}
			made = append(made, vm)
		}
		return answer(made)
	})
}

// primaryNics is the NIC a VM of a Net is created with; a VM of the public
// Cloud has none ("Net only").
func primaryNics(account, vmID, dns, address string, subnet subnetRecord, primary primaryNic, groups []securityGroupRecord) []vmNic {
	if subnet.SubnetID == "" {
		return []vmNic{}
	}
	return []vmNic{{
		AccountID:   account,
		Description: primary.description,
		LinkNic: linkNic{DeleteOnVmDeletion: primary.deleteOnVMDeletion, DeviceNumber: 0,
			LinkNicID: newLinkID("eni-attach-"), State: linkAttached},
		MacAddress:          macAddress(vmID),
		NetID:               subnet.NetID,
		NicID:               newLinkID("eni-"),
		PrivateDNSName:      dns,
		PrivateIPs:          []vmPrivateIP{{IsPrimary: true, PrivateDNSName: dns, PrivateIP: address}},
		SecurityGroups:      lights(groups),
		State:               "in-use",
		SubnetID:            subnet.SubnetID,
		IsSourceDestChecked: true,
	}}
}

// vmSecurityGroups loads the groups a VM of netID ("" for the public
// Cloud) is given, by id or, in the public Cloud only, by name: by default
// the Net's default group, or the account's default group of the public
// Cloud. Each must be in the VM's Net.
func vmSecurityGroups(tx store.Tx, account, netID string, ids, names []string) ([]securityGroupRecord, error) {
	all, err := listOwned[securityGroupRecord](tx, collSecurityGroups, account)
	if err != nil {
		return nil, err
	}
	if len(ids)+len(names) == 0 {
		for _, g := range all {
			if g.NetID == netID && g.Default {
				return []securityGroupRecord{g}, nil
			}
		}
		if netID != "" {
			return nil, errNotFound("SecurityGroupId", "default")
		}
		return []securityGroupRecord{}, nil // publicDefaultGroup makes it
	}
	var out []securityGroupRecord
	for _, id := range ids {
		i := slices.IndexFunc(all, func(g securityGroupRecord) bool { return g.SecurityGroupID == id })
		if i < 0 {
			return nil, errNotFound("SecurityGroupId", id)
		}
		if all[i].NetID != netID {
			where := "the Net '" + netID + "' of the Subnet"
			if netID == "" {
				where = "the public Cloud, as the VM"
			}
			return nil, errInvalidValue("SecurityGroupIds", id, "The security group is not in "+where+".")
		}
		out = append(out, all[i])
	}
	for _, name := range names {
		i := slices.IndexFunc(all, func(g securityGroupRecord) bool { return g.NetID == "" && g.SecurityGroupName == name })
		if i < 0 {
			return nil, errNotFound("SecurityGroupName", name)
		}
		out = append(out, all[i])
	}
	return out, nil
}

// publicDefaultGroup returns the account's default security group of the
// public Cloud, making it the first time a VM needs it: every OUTSCALE
// account has one, named "default" (unverified description); the emulator
// seeds no account with objects, so it appears on first use.
func publicDefaultGroup(tx store.Tx, account string) (securityGroupRecord, error) {
	all, err := listOwned[securityGroupRecord](tx, collSecurityGroups, account)
	if err != nil {
		return securityGroupRecord{}, err
	}
	for _, g := range all {
		if g.NetID == "" && g.Default {
			return g, nil
		}
	}
	g := newDefaultSecurityGroup(tx, account, "")
	g.OutboundRules = []oapiRule{} // outbound rules exist in Nets only
	return g, store.Put(tx, collSecurityGroups, g.SecurityGroupID, g)
}

// publicCloudRange is where the emulator takes the private addresses of
// VMs of the public Cloud from (the real range is unverified).
var publicCloudRange = netip.MustParsePrefix("10.9.0.0/16")

// freePublicCloudAddresses picks count private addresses for VMs of the
// public Cloud, unused by the account's other VMs there.
func freePublicCloudAddresses(tx store.Tx, account string, count int) ([]string, error) {
	vms, err := listOwned[vmRecord](tx, collVMs, account)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, vm := range vms {
		if vm.alive() && vm.NetID == "" {
			used[vm.PrivateIP] = true
		}
	}
	var out []string
	for a := publicCloudRange.Addr().Next(); publicCloudRange.Contains(a) && len(out) < count; a = a.Next() {
		if !used[a.String()] {
			out = append(out, a.String())
		}
	}
	if len(out) < count {
		return nil, errCapacity("No private IP is left for VMs of the public Cloud.")
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
				if err := advanceVM(tx, vm, c.handler.opts.Now()); err != nil {
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

// advanceVM moves a VM to its next state. Its termination releases its
// public IP and its volumes (its NIC goes with it).
func advanceVM(tx store.Tx, vm vmRecord, now time.Time) error {
	switch vm.State {
	case vmPending:
		vm.State = vmRunning
	case vmStopping:
		vm.State = vmStopped
	case vmShuttingDown:
		vm.State = vmTerminated
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
		if err := releaseVolumes(tx, vm); err != nil {
			return err
		}
		for i := range vm.BlockDeviceMappings {
			vm.BlockDeviceMappings[i].Bsu.State = "detached"
		}
	case vmTerminated:
		return tx.Delete(collVMs, vm.VMID)
	default:
		return nil
	}
	vm.StateSince = now
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
			if vm.State != previous {
				vm.StateSince = c.handler.opts.Now()
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
		private := req.PrivateIP
		var nic vmNic // none for a VM of the public Cloud
		if len(vm.Nics) > 0 {
			nic = vm.Nics[0]
		}
		if private == "" {
			private = vm.PrivateIP
		} else if private != vm.PrivateIP && !slices.ContainsFunc(nic.PrivateIPs, func(p vmPrivateIP) bool { return p.PrivateIP == private }) {
			return nil, errInvalidValue("PrivateIp", private, "It is not an address of the VM '"+vm.VMID+"'.")
		}
		// A public IP reaches a VM of a Net through the Net's internet
		// service; a VM of the public Cloud directly.
		if vm.NetID != "" {
			services, err := listOwned[internetServiceRecord](tx, collInternetServices, account)
			if err != nil {
				return nil, err
			}
			if !slices.ContainsFunc(services, func(s internetServiceRecord) bool { return s.NetID == vm.NetID }) {
				return nil, errConflict(codeNetHasNoGateway, "The Net '"+vm.NetID+"' of the VM has no internet service linked: link one before linking a public IP.")
			}
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
		ip.VMID, ip.NicID, ip.NicAccountID, ip.PrivateIP = vm.VMID, nic.NicID, nic.AccountID, private
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
