package emulator_test

import (
	"context"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/outscale"
)

// These tests close the gaps a run of the official OUTSCALE provider
// (outscale/terraform-provider-outscale v1.8.0, osc-sdk-go v3) found in the
// emulated OAPI, and replay the calls that provider makes for a whole Net.
// Every request and answer is checked against the OAPI spec
// (outscale_network_test.go).

// testClock is an emulator clock that moves only when told.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// client is an OAPI client signing with the clock's time, so that the
// signature stays fresh however far the clock goes.
func (c *testClock) client(t *testing.T, emu *emulator.Emulator) *oapiClient {
	o := newOAPIClient(t, emu)
	o.now = c.Now
	return o
}

// startFrozen starts an emulator whose clock stands still until advanced:
// transient states then move on at reads only, deterministically.
func startFrozen(t *testing.T) (*emulator.Emulator, *testClock) {
	t.Helper()
	clock := &testClock{now: time.Now()}
	cfg := emulator.DefaultConfig()
	cfg.Now = clock.Now
	return emutest.Start(t, &cfg), clock
}

// storedState reads an object's State through the control API, which moves
// nothing on (an OAPI read would).
func storedState(t *testing.T, emu *emulator.Emulator, collection, id string) string {
	t.Helper()
	obj, found, err := emu.Control().Object(context.Background(), collection, id)
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		return "gone"
	}
	var doc struct{ State string }
	if err := json.Unmarshal(obj.Doc, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.State
}

// nothingLeft fails if the emulator still stores an OUTSCALE object.
func nothingLeft(t *testing.T, emu *emulator.Emulator) {
	t.Helper()
	left, err := emu.Control().Objects(context.Background(), "outscale.")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range left {
		t.Errorf("left in the emulator: %s/%s %s", o.Collection, o.ID, o.Doc)
	}
}

// vmInNet makes a Net with a subnet, a group and a linked internet service
// (newVMNet) and a running VM in it.
func vmInNet(t *testing.T, o *oapiClient, cidr, subnet string, extra obj) (vmNet, string) {
	t.Helper()
	n := newVMNet(t, o, cidr, subnet)
	req := obj{"ImageId": debianImage(t, o), "SubnetId": n.subnetID, "SecurityGroupIds": []string{n.groupID}}
	for k, v := range extra {
		req[k] = v
	}
	vmID := str(o.ok("CreateVms", req), "Vms", 0, "VmId")
	for vmState(t, o, vmID) != "running" {
	}
	return n, vmID
}

// The official provider's security group delete, when the group is in use
// (9085), reads the NICs and load balancers using it (ReadNics,
// ReadLoadBalancers), then takes the group off them (UpdateVm, UpdateNic).
func TestOutscaleOfficial_readNicsAndLoadBalancers(t *testing.T) {
	t.Parallel()
	emu, clock := startFrozen(t)
	o := clock.client(t, emu)
	n, vmID := vmInNet(t, o, "10.80.0.0/16", "10.80.0.0/24", nil)
	ipID := str(o.ok("CreatePublicIp", obj{}), "PublicIp", "PublicIpId")
	linkID := str(o.ok("LinkPublicIp", obj{"PublicIpId": ipID, "VmId": vmID}), "LinkPublicIpId")

	nics := o.ok("ReadNics", obj{"Filters": obj{"SecurityGroupIds": []string{n.groupID}}})
	if length(nics, "Nics") != 1 {
		t.Fatalf("ReadNics by group: %v", nics)
	}
	nic := dig(nics, "Nics", 0)
	nicID := str(nic, "NicId")
	if str(nic, "LinkNic", "VmId") != vmID || str(nic, "LinkPublicIp", "LinkPublicIpId") != linkID || str(nic, "NetId") != n.netID ||
		str(nic, "SecurityGroups", 0, "SecurityGroupId") != n.groupID || str(nic, "PrivateIps", 0, "LinkPublicIp", "PublicIpId") != ipID {
		t.Errorf("NIC = %v", nic)
	}
	if got := o.ok("ReadVms", obj{"Filters": obj{"VmIds": []string{vmID}}}); str(got, "Vms", 0, "Nics", 0, "NicId") != nicID {
		t.Errorf("the VM's NIC is not the one ReadNics lists: %v", got)
	}
	for _, f := range []obj{{"NetIds": []string{n.netID}}, {"LinkNicVmIds": []string{vmID}}, {"LinkPublicIpPublicIpIds": []string{ipID}},
		{"NicIds": []string{nicID}}, {"PrivateIpsPrimaryIp": true}, {"SubnetIds": []string{n.subnetID}}} {
		if got := o.ok("ReadNics", obj{"Filters": f}); length(got, "Nics") != 1 {
			t.Errorf("ReadNics %v: %v", f, got)
		}
	}
	if got := o.ok("ReadNics", obj{"Filters": obj{"NetIds": []string{"vpc-00000000"}}}); length(got, "Nics") != 0 {
		t.Errorf("ReadNics of another Net: %v", got)
	}
	assertOAPIError(t, o.sendInvalid("ReadNics", obj{"Filters": obj{"Colour": []string{"blue"}}}), 400, "3001", "InvalidParameter")

	// The provider moves the VM to another group, then deletes this one.
	other := str(o.ok("CreateSecurityGroup", obj{"NetId": n.netID, "SecurityGroupName": "other", "Description": "other"}),
		"SecurityGroup", "SecurityGroupId")
	o.fails("DeleteSecurityGroup", obj{"SecurityGroupId": n.groupID}, 409, "9085", "ResourceConflict")
	updated := o.ok("UpdateNic", obj{"NicId": nicID, "SecurityGroupIds": []string{other}})
	if str(updated, "Nic", "SecurityGroups", 0, "SecurityGroupId") != other {
		t.Errorf("UpdateNic answered %v", updated)
	}
	if vm := readVM(t, o, vmID); str(vm, "SecurityGroups", 0, "SecurityGroupId") != other {
		t.Errorf("the VM's groups after UpdateNic: %v", vm)
	}
	o.fails("UpdateNic", obj{"NicId": nicID, "SecurityGroupIds": []string{"sg-00000000"}}, 400, "5020", "InvalidResource")
	o.ok("DeleteSecurityGroup", obj{"SecurityGroupId": n.groupID})

	// No load balancers: the real shape, an empty list, filters checked.
	for _, body := range []obj{{}, {"Filters": obj{"LoadBalancerNames": []string{"lb-1"}, "States": []string{"active"}}}} {
		if got := o.ok("ReadLoadBalancers", body); length(got, "LoadBalancers") != 0 || dig(got, "LoadBalancers") == nil {
			t.Errorf("ReadLoadBalancers %v: %v", body, got)
		}
	}
	o.fails("ReadLoadBalancers", obj{"Filters": obj{"States": []string{"asleep"}}}, 400, "4078", "InvalidParameterValue")
	o.fails("ReadLoadBalancers", obj{"Filters": obj{"LoadBalancerNames": []string{"not a name"}}}, 400, "4078", "InvalidParameterValue")
	assertOAPIError(t, o.sendInvalid("ReadLoadBalancers", obj{"Filters": obj{"SubnetIds": []string{n.subnetID}}}), 400, "3001", "InvalidParameter")
}

// A VM's volumes: the root volume from the OMI, changed and added to by
// BlockDeviceMappings, listed by ReadVolumes (which the official provider
// reads at every read of a VM, for their tags), deleted with the VM or
// detached per DeleteOnVmDeletion.
func TestOutscaleOfficial_volumes(t *testing.T) {
	t.Parallel()
	emu, clock := startFrozen(t)
	o := clock.client(t, emu)
	_, vmID := vmInNet(t, o, "10.81.0.0/16", "10.81.0.0/24", obj{"BlockDeviceMappings": []obj{
		{"DeviceName": "/dev/sda1", "Bsu": obj{"VolumeSize": 20, "VolumeType": "gp2"}},
		{"DeviceName": "/dev/sdb", "Bsu": obj{"VolumeSize": 5, "VolumeType": "io1", "Iops": 150, "DeleteOnVmDeletion": false}},
	}})
	vm := readVM(t, o, vmID)
	if length(vm, "BlockDeviceMappings") != 2 || str(vm, "BlockDeviceMappings", 0, "DeviceName") != "/dev/sda1" ||
		str(vm, "RootDeviceName") != "/dev/sda1" {
		t.Fatalf("BlockDeviceMappings = %v", dig(vm, "BlockDeviceMappings"))
	}
	root, data := str(vm, "BlockDeviceMappings", 0, "Bsu", "VolumeId"), str(vm, "BlockDeviceMappings", 1, "Bsu", "VolumeId")
	assertID(t, "vol", root)
	volumes := o.ok("ReadVolumes", obj{"Filters": obj{"VolumeIds": []string{root, data}}, "ResultsPerPage": 2})
	if length(volumes, "Volumes") != 2 {
		t.Fatalf("ReadVolumes: %v", volumes)
	}
	byID := map[string]any{}
	for i := range length(volumes, "Volumes") {
		byID[str(volumes, "Volumes", i, "VolumeId")] = dig(volumes, "Volumes", i)
	}
	if v := byID[root]; str(v, "State") != "in-use" || dig(v, "Size") != json.Number("20") || str(v, "VolumeType") != "gp2" ||
		str(v, "LinkedVolumes", 0, "VmId") != vmID || dig(v, "LinkedVolumes", 0, "DeleteOnVmDeletion") != true || str(v, "SnapshotId") == "" {
		t.Errorf("root volume = %v", v)
	}
	if v := byID[data]; dig(v, "Iops") != json.Number("150") || dig(v, "LinkedVolumes", 0, "DeleteOnVmDeletion") != false ||
		str(v, "LinkedVolumes", 0, "DeviceName") != "/dev/sdb" {
		t.Errorf("data volume = %v", v)
	}
	o.ok("CreateTags", obj{"ResourceIds": []string{data}, "Tags": []obj{{"Key": "Name", "Value": "data"}}})
	if got := o.ok("ReadVolumes", obj{"Filters": obj{"Tags": []string{"Name=data"}, "LinkVolumeVmIds": []string{vmID}}}); length(got, "Volumes") != 1 {
		t.Errorf("ReadVolumes by tag and VM: %v", got)
	}
	o.fails("DeleteVolume", obj{"VolumeId": data}, 409, "9036", "ResourceConflict")

	// A smaller root than the OMI's snapshot, or an unknown snapshot, is refused.
	n := newVMNet(t, o, "10.82.0.0/16", "10.82.0.0/24")
	base := obj{"ImageId": debianImage(t, o), "SubnetId": n.subnetID}
	base["BlockDeviceMappings"] = []obj{{"DeviceName": "/dev/sda1", "Bsu": obj{"VolumeSize": 2}}}
	o.fails("CreateVms", base, 400, "4078", "InvalidParameterValue")
	base["BlockDeviceMappings"] = []obj{{"DeviceName": "/dev/sdc", "Bsu": obj{"SnapshotId": "snap-00000000"}}}
	o.fails("CreateVms", base, 400, "5000", "InvalidResource")
	base["BlockDeviceMappings"] = []obj{{"DeviceName": "/dev/sdc", "Bsu": obj{"VolumeSize": 5, "Iops": 200}}}
	o.fails("CreateVms", base, 400, "4078", "InvalidParameterValue")

	// The VM's termination deletes the root volume and detaches the other.
	o.ok("DeleteVms", obj{"VmIds": []string{vmID}})
	for vmState(t, o, vmID) != "terminated" {
	}
	left := o.ok("ReadVolumes", obj{"Filters": obj{"VolumeIds": []string{root, data}}})
	if length(left, "Volumes") != 1 || str(left, "Volumes", 0, "VolumeId") != data || str(left, "Volumes", 0, "State") != "available" ||
		length(left, "Volumes", 0, "LinkedVolumes") != 0 {
		t.Fatalf("volumes after the VM: %v", left)
	}
	o.ok("DeleteVolume", obj{"VolumeId": data})
	o.fails("DeleteVolume", obj{"VolumeId": data}, 400, "5064", "InvalidResource")
}

// md5Fingerprint is RFC 4716's fingerprint of an authorized_keys line: the
// MD5 of the Base64-decoded key, in colon-separated hexadecimal.
func md5Fingerprint(t *testing.T, line string) string {
	t.Helper()
	fields := strings.Fields(line)
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(blob)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":")
}

// Keypairs, imported or generated, and VMs made with them.
func TestOutscaleOfficial_keypairs(t *testing.T) {
	t.Parallel()
	emu, clock := startFrozen(t)
	o := clock.client(t, emu)

	// Generated: the private key comes back once, in PEM.
	made := o.ok("CreateKeypair", obj{"KeypairName": "terraform-basic"})
	private := str(made, "Keypair", "PrivateKey")
	block, _ := pem.Decode([]byte(private))
	if block == nil {
		t.Fatalf("PrivateKey is not PEM: %v", made)
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	public, err := ssh.NewPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	id := str(made, "Keypair", "KeypairId")
	if !regexp.MustCompile(`^key-[0-9a-f]{32}$`).MatchString(id) || str(made, "Keypair", "KeypairType") != "ssh-rsa" ||
		str(made, "Keypair", "KeypairFingerprint") != md5Fingerprint(t, string(ssh.MarshalAuthorizedKey(public))) {
		t.Errorf("CreateKeypair answered %v", made)
	}
	read := o.ok("ReadKeypairs", obj{"Filters": obj{"KeypairNames": []string{"terraform-basic"}}})
	if length(read, "Keypairs") != 1 || str(read, "Keypairs", 0, "KeypairId") != id || dig(read, "Keypairs", 0, "PrivateKey") != nil {
		t.Errorf("ReadKeypairs: %v", read)
	}
	o.fails("CreateKeypair", obj{"KeypairName": "terraform-basic"}, 409, "9012", "ResourceConflict")

	// Imported, Base64-encoded as the spec says, or as the line itself.
	_, edPrivate, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	edPublic, err := ssh.NewPublicKey(edPrivate.Public())
	if err != nil {
		t.Fatal(err)
	}
	line := string(ssh.MarshalAuthorizedKey(edPublic))
	imported := o.ok("CreateKeypair", obj{"KeypairName": "imported", "PublicKey": base64.StdEncoding.EncodeToString([]byte(line))})
	if dig(imported, "Keypair", "PrivateKey") != nil || str(imported, "Keypair", "KeypairType") != "ssh-ed25519" ||
		str(imported, "Keypair", "KeypairFingerprint") != md5Fingerprint(t, line) {
		t.Errorf("an imported keypair: %v", imported)
	}
	raw := o.ok("CreateKeypair", obj{"KeypairName": "raw line", "PublicKey": line})
	if str(raw, "Keypair", "KeypairFingerprint") != md5Fingerprint(t, line) {
		t.Errorf("an imported line: %v", raw)
	}
	o.fails("CreateKeypair", obj{"KeypairName": "bad", "PublicKey": "not a key"}, 400, "4078", "InvalidParameterValue")
	byFingerprint := o.ok("ReadKeypairs", obj{"Filters": obj{"KeypairFingerprints": []string{md5Fingerprint(t, line)}}})
	if length(byFingerprint, "Keypairs") != 2 {
		t.Errorf("ReadKeypairs by fingerprint: %v", byFingerprint)
	}
	o.ok("CreateTags", obj{"ResourceIds": []string{id}, "Tags": []obj{{"Key": "Name", "Value": "k"}}})
	if got := o.ok("ReadKeypairs", obj{"Filters": obj{"TagKeys": []string{"Name"}}}); length(got, "Keypairs") != 1 ||
		str(got, "Keypairs", 0, "Tags", 0, "Value") != "k" {
		t.Errorf("a tagged keypair: %v", got)
	}

	// A VM shows its keypair; an unknown one is refused.
	n := newVMNet(t, o, "10.83.0.0/16", "10.83.0.0/24")
	image := debianImage(t, o)
	vm := o.ok("CreateVms", obj{"ImageId": image, "SubnetId": n.subnetID, "KeypairName": "terraform-basic"})
	if str(vm, "Vms", 0, "KeypairName") != "terraform-basic" {
		t.Errorf("the VM's keypair: %v", vm)
	}
	o.fails("CreateVms", obj{"ImageId": image, "SubnetId": n.subnetID, "KeypairName": "nobody"}, 400, "5073", "InvalidResource")

	o.ok("DeleteKeypair", obj{"KeypairId": id})
	o.ok("DeleteKeypair", obj{"KeypairName": "imported"})
	o.fails("DeleteKeypair", obj{"KeypairId": id}, 400, "5073", "InvalidResource")
	if got := o.ok("ReadKeypairs", obj{}); length(got, "Keypairs") != 1 {
		t.Errorf("keypairs left: %v", got)
	}
}

// UpdateSubnet sets MapPublicIpOnLaunch, which the official provider sends
// at each create and update of a subnet.
func TestOutscaleOfficial_updateSubnet(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	o := newOAPIClient(t, emu)
	netID := str(o.ok("CreateNet", obj{"IpRange": "10.84.0.0/16"}), "Net", "NetId")
	subnetID := str(o.ok("CreateSubnet", obj{"NetId": netID, "IpRange": "10.84.0.0/24"}), "Subnet", "SubnetId")
	updated := o.ok("UpdateSubnet", obj{"SubnetId": subnetID, "MapPublicIpOnLaunch": true})
	if dig(updated, "Subnet", "MapPublicIpOnLaunch") != true || str(updated, "Subnet", "SubnetId") != subnetID {
		t.Errorf("UpdateSubnet answered %v", updated)
	}
	if got := o.ok("ReadSubnets", obj{"Filters": obj{"SubnetIds": []string{subnetID}}}); dig(got, "Subnets", 0, "MapPublicIpOnLaunch") != true {
		t.Errorf("ReadSubnets: %v", got)
	}
	assertOAPIError(t, o.sendInvalid("UpdateSubnet", obj{"SubnetId": subnetID}), 400, "7000", "MissingParameter")
	o.fails("UpdateSubnet", obj{"SubnetId": "subnet-00000000", "MapPublicIpOnLaunch": false}, 400, "5057", "InvalidResource")
	// UpdateNet: the Net's DHCP options set, the default one or "default".
	dopt := str(o.ok("ReadNets", obj{"Filters": obj{"NetIds": []string{netID}}}), "Nets", 0, "DhcpOptionsSetId")
	if got := o.ok("UpdateNet", obj{"NetId": netID, "DhcpOptionsSetId": "default"}); str(got, "Net", "DhcpOptionsSetId") != dopt {
		t.Errorf("UpdateNet answered %v", got)
	}
	o.fails("UpdateNet", obj{"NetId": netID, "DhcpOptionsSetId": "dopt-00000000"}, 400, "5000", "InvalidResource")
}

// UpdateVm, ReadAdminPassword and ReadVmsState, as the official VM
// resource calls them: the VM is stopped to change its type.
func TestOutscaleOfficial_updateVm(t *testing.T) {
	t.Parallel()
	emu, clock := startFrozen(t)
	o := clock.client(t, emu)
	n, vmID := vmInNet(t, o, "10.85.0.0/16", "10.85.0.0/24", obj{"VmType": "tinav6.c2r4p2"})
	o.ok("CreateKeypair", obj{"KeypairName": "second"})

	if got := o.ok("ReadAdminPassword", obj{"VmId": vmID}); dig(got, "AdminPassword") != "" || str(got, "VmId") != vmID {
		t.Errorf("ReadAdminPassword: %v", got)
	}
	o.fails("ReadAdminPassword", obj{"VmId": "i-00000000"}, 400, "5063", "InvalidResource")

	// Settings that a running VM takes.
	other := str(o.ok("CreateSecurityGroup", obj{"NetId": n.netID, "SecurityGroupName": "other", "Description": "other"}),
		"SecurityGroup", "SecurityGroupId")
	updated := o.ok("UpdateVm", obj{"VmId": vmID, "IsSourceDestChecked": false, "DeletionProtection": true, "KeypairName": "second",
		"SecurityGroupIds": []string{n.groupID, other}, "VmInitiatedShutdownBehavior": "terminate",
		"BlockDeviceMappings": []obj{{"DeviceName": "/dev/sda1", "Bsu": obj{"DeleteOnVmDeletion": false}}}})
	vm := dig(updated, "Vm")
	if dig(vm, "IsSourceDestChecked") != false || dig(vm, "DeletionProtection") != true || str(vm, "KeypairName") != "second" ||
		length(vm, "SecurityGroups") != 2 || str(vm, "VmInitiatedShutdownBehavior") != "terminate" ||
		dig(vm, "BlockDeviceMappings", 0, "Bsu", "DeleteOnVmDeletion") != false || dig(vm, "Nics", 0, "IsSourceDestChecked") != false {
		t.Errorf("UpdateVm answered %v", vm)
	}
	o.fails("DeleteVms", obj{"VmIds": []string{vmID}}, 400, "8015", "OperationNotSupported")
	o.fails("UpdateVm", obj{"VmId": vmID, "KeypairName": "nobody"}, 400, "5073", "InvalidResource")

	// Its type changes only once stopped.
	o.fails("UpdateVm", obj{"VmId": vmID, "VmType": "tinav6.c4r8p2"}, 409, "6003", "ResourceConflict")
	o.ok("StopVms", obj{"VmIds": []string{vmID}})
	for vmState(t, o, vmID) != "stopped" {
	}
	if got := o.ok("UpdateVm", obj{"VmId": vmID, "VmType": "tinav6.c4r8p1"}); str(got, "Vm", "VmType") != "tinav6.c4r8p1" ||
		str(got, "Vm", "Performance") != "highest" {
		t.Errorf("UpdateVm of the type: %v", got)
	}
	o.ok("StartVms", obj{"VmIds": []string{vmID}})
	for vmState(t, o, vmID) != "running" {
	}

	states := o.ok("ReadVmsState", obj{"Filters": obj{"VmIds": []string{vmID}}})
	if length(states, "VmStates") != 1 || str(states, "VmStates", 0, "VmState") != "running" || length(states, "VmStates", 0, "MaintenanceEvents") != 0 {
		t.Errorf("ReadVmsState: %v", states)
	}
	o.ok("StopVms", obj{"VmIds": []string{vmID}, "ForceStop": true})
	if got := o.ok("ReadVmsState", obj{"Filters": obj{"VmIds": []string{vmID}}}); length(got, "VmStates") != 0 {
		t.Errorf("ReadVmsState lists a VM that is not running without AllVms: %v", got)
	}
	if got := o.ok("ReadVmsState", obj{"AllVms": true, "Filters": obj{"VmStates": []string{"stopping"}}}); length(got, "VmStates") != 1 {
		t.Errorf("ReadVmsState with AllVms: %v", got)
	}
}

// A route can go to a VM of the Net (its NIC), and ReadRouteTables finds it.
func TestOutscaleOfficial_routeToVm(t *testing.T) {
	t.Parallel()
	emu, clock := startFrozen(t)
	o := clock.client(t, emu)
	n, vmID := vmInNet(t, o, "10.86.0.0/16", "10.86.0.0/24", nil)
	rtID := str(o.ok("CreateRouteTable", obj{"NetId": n.netID}), "RouteTable", "RouteTableId")
	routed := o.ok("CreateRoute", obj{"RouteTableId": rtID, "DestinationIpRange": "192.168.0.0/16", "VmId": vmID})
	if str(routed, "RouteTable", "Routes", 1, "VmId") != vmID || str(routed, "RouteTable", "Routes", 1, "NicId") == "" {
		t.Errorf("CreateRoute to a VM answered %v", routed)
	}
	if got := o.ok("ReadRouteTables", obj{"Filters": obj{"RouteVmIds": []string{vmID}}}); length(got, "RouteTables") != 1 {
		t.Errorf("ReadRouteTables by VM: %v", got)
	}
	o.fails("CreateRoute", obj{"RouteTableId": rtID, "DestinationIpRange": "172.16.0.0/12", "VmId": "i-00000000"}, 400, "5063", "InvalidResource")
}

// UnlinkInternetService answers the codes the official internet service
// link tells apart: 1004 while the Net maps public IPs to VMs (it then
// unlinks them, found by ReadNics), 1005 while a NAT service holds the Net
// (it retries), 1007 once the service is unlinked.
func TestOutscaleOfficial_unlinkInternetServiceCodes(t *testing.T) {
	t.Parallel()
	emu, clock := startFrozen(t)
	o := clock.client(t, emu)
	n, vmID := vmInNet(t, o, "10.87.0.0/16", "10.87.0.0/24", nil)
	igw := str(o.ok("ReadInternetServices", obj{"Filters": obj{"LinkNetIds": []string{n.netID}}}), "InternetServices", 0, "InternetServiceId")
	ipID := str(o.ok("CreatePublicIp", obj{}), "PublicIp", "PublicIpId")
	o.ok("LinkPublicIp", obj{"PublicIpId": ipID, "VmId": vmID})
	unlink := obj{"InternetServiceId": igw, "NetId": n.netID}
	o.fails("UnlinkInternetService", unlink, 424, "1004", "DependencyProblem")
	nics := o.ok("ReadNics", obj{"Filters": obj{"NetIds": []string{n.netID}}})
	o.ok("UnlinkPublicIp", obj{"LinkPublicIpId": str(nics, "Nics", 0, "LinkPublicIp", "LinkPublicIpId")})
	o.fails("UnlinkPublicIp", obj{"LinkPublicIpId": "eipassoc-00000000"}, 400, "5026", "InvalidResource")

	natIP := str(o.ok("CreatePublicIp", obj{}), "PublicIp", "PublicIpId")
	natID := str(o.ok("CreateNatService", obj{"SubnetId": n.subnetID, "PublicIpId": natIP}), "NatService", "NatServiceId")
	o.fails("UnlinkInternetService", unlink, 424, "1005", "DependencyProblem")
	o.ok("DeleteNatService", obj{"NatServiceId": natID})
	o.fails("UnlinkInternetService", unlink, 424, "1005", "DependencyProblem") // deleting still holds it
	for o.ok("ReadNatServices", obj{"Filters": obj{"NatServiceIds": []string{natID}}}); storedState(t, emu, "outscale.nat_services", natID) != "deleted"; {
		o.ok("ReadNatServices", obj{"Filters": obj{"NatServiceIds": []string{natID}}})
	}
	o.ok("UnlinkInternetService", unlink)
	o.fails("UnlinkInternetService", unlink, 424, "1007", "DependencyProblem")
}

// Transient states move on with time too, at any call, not only at a read
// that shows them: an access point deleted by a client that never reads it
// again, or a VM whose termination nobody watches, does not stay transient;
// terminal states linger, then go.
func TestOutscaleOfficial_statesMoveOnWithTime(t *testing.T) {
	t.Parallel()
	emu, clock := startFrozen(t)
	o := clock.client(t, emu)
	n := newVMNet(t, o, "10.88.0.0/16", "10.88.0.0/24")
	vmID := str(o.ok("CreateVms", obj{"ImageId": debianImage(t, o), "SubnetId": n.subnetID}), "Vms", 0, "VmId")
	ipID := str(o.ok("CreatePublicIp", obj{}), "PublicIp", "PublicIpId")
	natID := str(o.ok("CreateNatService", obj{"SubnetId": n.subnetID, "PublicIpId": ipID}), "NatService", "NatServiceId")
	napID := str(o.ok("CreateNetAccessPoint", obj{"NetId": n.netID, "ServiceName": "com.outscale." + emulator.DefaultOutscaleRegion + ".api"}),
		"NetAccessPoint", "NetAccessPointId")
	states := func() string {
		return storedState(t, emu, "outscale.vms", vmID) + " " + storedState(t, emu, "outscale.nat_services", natID) + " " +
			storedState(t, emu, "outscale.net_access_points", napID)
	}
	step := func(d time.Duration, want string) {
		t.Helper()
		clock.Advance(d)
		o.ok("ReadAccounts", obj{}) // any call
		if got := states(); got != want {
			t.Fatalf("after %s more: %s, want %s", d, got, want)
		}
	}
	step(500*time.Millisecond, "pending pending pending")
	step(500*time.Millisecond, "running available available")
	o.ok("DeleteVms", obj{"VmIds": []string{vmID}})
	o.ok("DeleteNatService", obj{"NatServiceId": natID})
	o.ok("DeleteNetAccessPoint", obj{"NetAccessPointId": napID})
	step(0, "shutting-down deleting deleting")
	step(time.Second, "terminated deleted deleted")
	step(30*time.Second, "terminated deleted deleted")
	step(30*time.Second, "gone gone gone")
	if got := o.ok("ReadPublicIps", obj{"Filters": obj{"PublicIpIds": []string{ipID}}}); str(got, "PublicIps", 0, "NatServiceId") != "" {
		t.Errorf("the NAT service's address is still held: %v", got)
	}
}

// The official provider deletes a Net's access point and, a few calls
// later, the Net, without waiting nor retrying: DeleteNet succeeds while
// the access point is still being deleted (a frozen clock: no time passes,
// no read shows the access point).
func TestOutscaleOfficial_deleteNetRightAfterItsAccessPoint(t *testing.T) {
	t.Parallel()
	emu, clock := startFrozen(t)
	o := clock.client(t, emu)
	netID := str(o.ok("CreateNet", obj{"IpRange": "10.89.0.0/16"}), "Net", "NetId")
	rtID := str(o.ok("CreateRouteTable", obj{"NetId": netID}), "RouteTable", "RouteTableId")
	napID := str(o.ok("CreateNetAccessPoint", obj{"NetId": netID, "ServiceName": "com.outscale." + emulator.DefaultOutscaleRegion + ".oos",
		"RouteTableIds": []string{rtID}}), "NetAccessPoint", "NetAccessPointId")
	for storedState(t, emu, "outscale.net_access_points", napID) != "available" {
		o.ok("ReadNetAccessPoints", obj{"Filters": obj{"NetAccessPointIds": []string{napID}}})
	}
	o.ok("DeleteNetAccessPoint", obj{"NetAccessPointId": napID})
	o.ok("DeleteRouteTable", obj{"RouteTableId": rtID})
	o.ok("DeleteNet", obj{"NetId": netID})
	nothingLeft(t, emu)
}

// UpdateNetAccessPoint adds and removes route tables, as the official
// provider's update of route_table_ids does.
func TestOutscaleOfficial_updateNetAccessPoint(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	o := newOAPIClient(t, emu)
	netID := str(o.ok("CreateNet", obj{"IpRange": "10.90.0.0/16"}), "Net", "NetId")
	first := str(o.ok("CreateRouteTable", obj{"NetId": netID}), "RouteTable", "RouteTableId")
	second := str(o.ok("CreateRouteTable", obj{"NetId": netID}), "RouteTable", "RouteTableId")
	napID := str(o.ok("CreateNetAccessPoint", obj{"NetId": netID, "ServiceName": "com.outscale." + emulator.DefaultOutscaleRegion + ".oos",
		"RouteTableIds": []string{first}}), "NetAccessPoint", "NetAccessPointId")
	updated := o.ok("UpdateNetAccessPoint", obj{"NetAccessPointId": napID, "AddRouteTableIds": []string{second}, "RemoveRouteTableIds": []string{first}})
	if fmt.Sprint(dig(updated, "NetAccessPoint", "RouteTableIds")) != "["+second+"]" {
		t.Errorf("UpdateNetAccessPoint answered %v", updated)
	}
	if got := o.ok("ReadRouteTables", obj{"Filters": obj{"RouteTableIds": []string{first}}}); length(got, "RouteTables", 0, "Routes") != 1 {
		t.Errorf("the removed table keeps its route: %v", got)
	}
	if got := o.ok("ReadRouteTables", obj{"Filters": obj{"RouteTableIds": []string{second}}}); str(got, "RouteTables", 0, "Routes", 1, "NetAccessPointId") != napID {
		t.Errorf("the added table has no route: %v", got)
	}
	o.fails("UpdateNetAccessPoint", obj{"NetAccessPointId": napID, "RemoveRouteTableIds": []string{first}}, 400, "4078", "InvalidParameterValue")
	o.fails("UpdateNetAccessPoint", obj{"NetAccessPointId": "vpce-00000000"}, 400, "5115", "InvalidResource")
}

// sampleValue is a value of schema's type: the first enum value, zero
// numbers and false, empty strings, and objects and arrays of objects with
// every property set, so that every parameter the spec declares, nested
// ones included, is sent.
func (s *oapiSpec) sampleValue(schema map[string]any, depth int) any {
	if ref, ok := schema["$ref"].(string); ok {
		target, _ := dig(s.doc, "components", "schemas", strings.TrimPrefix(ref, "#/components/schemas/")).(map[string]any)
		return s.sampleValue(target, depth)
	}
	if enum, ok := schema["enum"].([]any); ok && len(enum) > 0 {
		return enum[0]
	}
	switch schema["type"] {
	case "string":
		return ""
	case "integer", "number":
		return 0
	case "boolean":
		return false
	case "array":
		items, _ := schema["items"].(map[string]any)
		if depth > 3 {
			return []any{}
		}
		if v := s.sampleValue(items, depth+1); v != nil {
			if _, isObject := v.(map[string]any); isObject {
				return []any{v}
			}
		}
		return []any{}
	}
	props, _ := schema["properties"].(map[string]any)
	out := map[string]any{}
	if depth > 3 {
		return out
	}
	for name, p := range props {
		sub, _ := p.(map[string]any)
		out[name] = s.sampleValue(sub, depth+1)
	}
	return out
}

// Every parameter the spec declares for an action the emulator serves is
// taken: the official provider's SDK (v3) sends parameters the project's
// own never does. A parameter may be refused for its value (a sample is
// rarely a valid request), never as unknown, and never for its JSON type.
func TestOutscaleOfficial_everyDeclaredParameterAccepted(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	o := newOAPIClient(t, emu)
	for _, action := range outscale.New(outscale.Options{}).Actions() {
		schema, err := o.spec.requestSchema(action)
		if err != nil {
			t.Errorf("%s: %v", action, err)
			continue
		}
		body, ok := o.spec.sampleValue(schema, 0).(map[string]any)
		if !ok {
			t.Fatalf("%s: the request schema is not an object", action)
		}
		body["DryRun"] = true // nothing a sample would make is kept
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r := o.sendUnchecked(action, raw)
		var answer struct {
			Errors []struct{ Code, Details string }
		}
		_ = json.Unmarshal(r.body, &answer)
		for _, e := range answer.Errors {
			if e.Code == "3001" || (e.Code == "4000" && strings.Contains(e.Details, "not valid JSON")) {
				t.Errorf("%s refuses a parameter the spec declares: %s\nrequest: %s", action, e.Details, raw)
			}
		}
	}
}

// waitState polls action as terraform-plugin-sdk's StateChangeConf does in
// the official provider: every answer must list the object, in a pending
// state or the target (an empty list fails its NAT service wait and panics
// its VM wait; any other state fails the wait).
func waitState(t *testing.T, o *oapiClient, action, filter, id, list string, pending []string, target string) {
	t.Helper()
	for range 20 {
		got := o.ok(action, obj{"Filters": obj{filter: []string{id}}})
		if length(got, list) == 0 {
			t.Fatalf("%s lists no %s while the provider waits for %q", action, id, target)
		}
		state := str(got, list, 0, "State")
		if state == target {
			return
		}
		if !slices.Contains(pending, state) {
			t.Fatalf("%s: %s is %q, neither %v nor %q", action, id, state, pending, target)
		}
	}
	t.Fatalf("%s never reached %q", id, target)
}

// TestOutscaleOfficial_wholeNetLifecycle replays the calls the official
// provider (v1.8.0) makes for a Net with a subnet, two security groups and
// their rules, an internet service and its link, public IPs, a NAT
// service, a route table with routes and a link, a Net access point, a
// keypair and a VM with a public IP: create (with the waits), read, update
// where it updates, then delete in Terraform's destroy order. Nothing is
// left in the emulator at the end.
func TestOutscaleOfficial_wholeNetLifecycle(t *testing.T) {
	t.Parallel()
	emu, clock := startFrozen(t)
	o := clock.client(t, emu)
	region := emulator.DefaultOutscaleRegion
	tag := func(id, value string) {
		o.ok("CreateTags", obj{"ResourceIds": []string{id}, "Tags": []obj{{"Key": "Name", "Value": value}}})
	}

	// ---- create, in dependency order ----
	keypair := o.ok("CreateKeypair", obj{"KeypairName": "testacc-keypair"})
	keypairID := str(keypair, "Keypair", "KeypairId")
	o.ok("ReadKeypairs", obj{"Filters": obj{"KeypairNames": []string{"testacc-keypair"}}})

	netID := str(o.ok("CreateNet", obj{"IpRange": "10.10.0.0/16", "Tenancy": "default"}), "Net", "NetId")
	tag(netID, "testacc-net")
	o.ok("ReadNets", obj{"Filters": obj{"NetIds": []string{netID}}, "ResultsPerPage": 1}) // the provider's batcher

	igwID := str(o.ok("CreateInternetService", obj{}), "InternetService", "InternetServiceId")
	o.ok("ReadInternetServices", obj{"Filters": obj{"InternetServiceIds": []string{igwID}}})
	natIPID := str(o.ok("CreatePublicIp", obj{}), "PublicIp", "PublicIpId")
	vmIPID := str(o.ok("CreatePublicIp", obj{}), "PublicIp", "PublicIpId")
	o.ok("ReadPublicIps", obj{"Filters": obj{"PublicIpIds": []string{natIPID, vmIPID}}})

	subnet := o.ok("CreateSubnet", obj{"IpRange": "10.10.1.0/24", "NetId": netID, "SubregionName": region + "a"})
	subnetID := str(subnet, "Subnet", "SubnetId")
	waitState(t, o, "ReadSubnets", "SubnetIds", subnetID, "Subnets", []string{"pending"}, "available")

	sgIDs := map[string]string{}
	for _, name := range []string{"testacc-web", "testacc-admin"} {
		sg := o.ok("CreateSecurityGroup", obj{"Description": "testacc " + name, "SecurityGroupName": name, "NetId": netID})
		sgIDs[name] = str(sg, "SecurityGroup", "SecurityGroupId")
		o.ok("ReadSecurityGroups", obj{"Filters": obj{"SecurityGroupIds": []string{sgIDs[name]}}})
	}
	webRule := obj{"Flow": "Inbound", "SecurityGroupId": sgIDs["testacc-web"], "Rules": []obj{
		{"IpProtocol": "tcp", "FromPortRange": 443, "ToPortRange": 443, "IpRanges": []string{"0.0.0.0/0"}}}}
	o.ok("CreateSecurityGroupRule", webRule)
	adminRule := obj{"Flow": "Inbound", "SecurityGroupId": sgIDs["testacc-web"], "Rules": []obj{
		{"IpProtocol": "tcp", "FromPortRange": 22, "ToPortRange": 22, "SecurityGroupsMembers": []obj{{"SecurityGroupId": sgIDs["testacc-admin"]}}}}}
	o.ok("CreateSecurityGroupRule", adminRule)
	o.ok("ReadSecurityGroups", obj{"Filters": obj{"SecurityGroupIds": []string{sgIDs["testacc-web"]}}})

	o.ok("LinkInternetService", obj{"InternetServiceId": igwID, "NetId": netID})
	o.ok("ReadInternetServices", obj{"Filters": obj{"InternetServiceIds": []string{igwID}}})

	rtID := str(o.ok("CreateRouteTable", obj{"NetId": netID}), "RouteTable", "RouteTableId")
	o.ok("ReadRouteTables", obj{"Filters": obj{"RouteTableIds": []string{rtID}}})
	o.ok("CreateRoute", obj{"RouteTableId": rtID, "DestinationIpRange": "0.0.0.0/0", "GatewayId": igwID})
	rtLinkID := str(o.ok("LinkRouteTable", obj{"RouteTableId": rtID, "SubnetId": subnetID}), "LinkRouteTableId")
	o.ok("ReadRouteTables", obj{"Filters": obj{"LinkRouteTableLinkRouteTableIds": []string{rtLinkID}}})

	natID := str(o.ok("CreateNatService", obj{"PublicIpId": natIPID, "SubnetId": subnetID}), "NatService", "NatServiceId")
	waitState(t, o, "ReadNatServices", "NatServiceIds", natID, "NatServices", []string{"pending"}, "available")
	tag(natID, "testacc-nat")
	o.ok("ReadNatServices", obj{"Filters": obj{"NatServiceIds": []string{natID}}})
	privateRT := str(o.ok("CreateRouteTable", obj{"NetId": netID}), "RouteTable", "RouteTableId")
	o.ok("CreateRoute", obj{"RouteTableId": privateRT, "DestinationIpRange": "0.0.0.0/0", "NatServiceId": natID})

	nap := o.ok("CreateNetAccessPoint", obj{"NetId": netID, "ServiceName": "com.outscale." + region + ".oos", "RouteTableIds": []string{rtID, privateRT}})
	napID := str(nap, "NetAccessPoint", "NetAccessPointId")
	tag(napID, "testacc-nap")
	waitState(t, o, "ReadNetAccessPoints", "NetAccessPointIds", napID, "NetAccessPoints", []string{"pending"}, "available")

	vmReq := obj{"BootOnCreation": true, "DeletionProtection": false, "ImageId": debianImage(t, o), "KeypairName": "testacc-keypair",
		"MaxVmsCount": 1, "MinVmsCount": 1, "NestedVirtualization": false,
		"Placement": obj{"SubregionName": region + "a", "Tenancy": "default"}, "SecurityGroupIds": []string{sgIDs["testacc-web"]},
		"SubnetId": subnetID, "VmType": "tinav6.c1r1p2",
		"BlockDeviceMappings": []obj{{"DeviceName": "/dev/sda1", "Bsu": obj{"VolumeSize": 15, "VolumeType": "gp2", "DeleteOnVmDeletion": true}}}}
	vmID := str(o.ok("CreateVms", vmReq), "Vms", 0, "VmId")
	tag(vmID, "testacc-vm")
	waitState(t, o, "ReadVms", "VmIds", vmID, "Vms", []string{"pending", "ending/wait"}, "running")
	o.ok("UpdateVm", obj{"VmId": vmID, "IsSourceDestChecked": true})
	readVMResource := func() any { // the VM resource's Read
		vm := readVM(t, o, vmID)
		o.ok("ReadAdminPassword", obj{"VmId": vmID})
		for i := range length(vm, "BlockDeviceMappings") {
			volumeID := str(vm, "BlockDeviceMappings", i, "Bsu", "VolumeId")
			if got := o.ok("ReadVolumes", obj{"Filters": obj{"VolumeIds": []string{volumeID}}, "ResultsPerPage": 1}); length(got, "Volumes") != 1 {
				t.Fatalf("the VM's volume %s is not found: %v", volumeID, got)
			}
		}
		return vm
	}
	vm := readVMResource()
	if str(vm, "KeypairName") != "testacc-keypair" || str(vm, "State") != "running" {
		t.Fatalf("the VM: %v", vm)
	}
	vmIPLink := str(o.ok("LinkPublicIp", obj{"PublicIpId": vmIPID, "VmId": vmID}), "LinkPublicIpId")
	o.ok("ReadPublicIps", obj{"Filters": obj{"LinkPublicIpIds": []string{vmIPLink}}})

	// ---- update ----
	o.ok("UpdateSubnet", obj{"SubnetId": subnetID, "MapPublicIpOnLaunch": true})
	o.ok("UpdateNetAccessPoint", obj{"NetAccessPointId": napID, "RemoveRouteTableIds": []string{privateRT}})
	o.ok("DeleteTags", obj{"ResourceIds": []string{netID}, "Tags": []obj{{"Key": "Name", "Value": "testacc-net"}}})
	tag(netID, "testacc-net-2")
	// The VM's type: stopped (its shutdown behaviour kept at stop), changed, started.
	o.ok("StopVms", obj{"VmIds": []string{vmID}})
	waitState(t, o, "ReadVms", "VmIds", vmID, "Vms", []string{"pending", "running", "shutting-down", "stopped", "stopping"}, "stopped")
	o.ok("UpdateVm", obj{"VmId": vmID, "VmType": "tinav6.c2r2p2"})
	o.ok("StartVms", obj{"VmIds": []string{vmID}})
	waitState(t, o, "ReadVms", "VmIds", vmID, "Vms", []string{"pending", "stopped"}, "running")
	if vm := readVMResource(); str(vm, "VmType") != "tinav6.c2r2p2" || str(vm, "PublicIp") == "" {
		t.Fatalf("the VM after its update: %v", vm)
	}

	// ---- refresh: every resource reads itself ----
	o.ok("ReadNets", obj{"Filters": obj{"NetIds": []string{netID}}})
	o.ok("ReadSubnets", obj{"Filters": obj{"SubnetIds": []string{subnetID}}})
	o.ok("ReadNatServices", obj{"Filters": obj{"NatServiceIds": []string{natID}}})
	o.ok("ReadNetAccessPoints", obj{"Filters": obj{"NetAccessPointIds": []string{napID}}})
	o.ok("ReadKeypairs", obj{"Filters": obj{"KeypairNames": []string{"testacc-keypair"}}})

	// ---- destroy, in Terraform's order: dependents first ----
	o.ok("UnlinkPublicIp", obj{"LinkPublicIpId": vmIPLink})
	o.ok("StopVms", obj{"VmIds": []string{vmID}, "ForceStop": true})
	o.ok("DeleteVms", obj{"VmIds": []string{vmID}})
	waitState(t, o, "ReadVms", "VmIds", vmID, "Vms", []string{"pending", "running", "shutting-down", "stopped", "stopping"}, "terminated")
	o.ok("DeleteNetAccessPoint", obj{"NetAccessPointId": napID}) // no wait
	o.ok("DeleteRoute", obj{"RouteTableId": privateRT, "DestinationIpRange": "0.0.0.0/0"})
	o.ok("DeleteNatService", obj{"NatServiceId": natID})
	waitState(t, o, "ReadNatServices", "NatServiceIds", natID, "NatServices", []string{"deleting"}, "deleted")
	o.ok("DeleteRouteTable", obj{"RouteTableId": privateRT})
	o.ok("DeleteRoute", obj{"RouteTableId": rtID, "DestinationIpRange": "0.0.0.0/0"})
	o.ok("UnlinkRouteTable", obj{"LinkRouteTableId": rtLinkID})
	o.ok("DeleteRouteTable", obj{"RouteTableId": rtID})
	o.ok("DeleteSecurityGroupRule", adminRule)
	o.ok("DeleteSecurityGroupRule", webRule)
	for _, id := range sgIDs {
		o.ok("DeleteSecurityGroup", obj{"SecurityGroupId": id})
	}
	o.ok("UnlinkInternetService", obj{"InternetServiceId": igwID, "NetId": netID})
	o.ok("DeleteInternetService", obj{"InternetServiceId": igwID})
	o.ok("DeletePublicIp", obj{"PublicIpId": vmIPID})
	o.ok("DeletePublicIp", obj{"PublicIpId": natIPID})
	o.ok("DeleteSubnet", obj{"SubnetId": subnetID})
	o.ok("DeleteKeypair", obj{"KeypairId": keypairID})
	o.ok("DeleteNet", obj{"NetId": netID})

	// What the real API would still list a while (a deleted NAT service, a
	// terminated VM) goes with time: nothing is left.
	clock.Advance(time.Hour)
	o.ok("ReadAccounts", obj{})
	nothingLeft(t, emu)
}

// Most of the official VM tests make VMs of the public Cloud: no subnet, a
// Subregion, security groups outside any Net. They take public IPs without
// an internet service and have no NIC.
func TestOutscaleOfficial_publicCloudVm(t *testing.T) {
	t.Parallel()
	emu, clock := startFrozen(t)
	o := clock.client(t, emu)
	region := emulator.DefaultOutscaleRegion
	o.ok("CreateKeypair", obj{"KeypairName": "terraform-basic"})
	sgID := str(o.ok("CreateSecurityGroup", obj{"SecurityGroupName": "testacc-sg", "Description": "Used in the terraform acceptance tests"}),
		"SecurityGroup", "SecurityGroupId")
	image := debianImage(t, o)
	created := o.ok("CreateVms", obj{"ImageId": image, "VmType": "tinav6.c1r1p2", "KeypairName": "terraform-basic",
		"SecurityGroupIds": []string{sgID}, "Placement": obj{"SubregionName": region + "b", "Tenancy": "default"}, "BootOnCreation": true})
	vm := dig(created, "Vms", 0)
	vmID := str(vm, "VmId")
	if str(vm, "NetId") != "" || str(vm, "SubnetId") != "" || length(vm, "Nics") != 0 || str(vm, "Placement", "SubregionName") != region+"b" ||
		!strings.HasPrefix(str(vm, "PrivateIp"), "10.9.") || str(vm, "SecurityGroups", 0, "SecurityGroupId") != sgID {
		t.Fatalf("a VM of the public Cloud: %v", vm)
	}
	for vmState(t, o, vmID) != "running" {
	}
	ip := o.ok("CreatePublicIp", obj{})
	address := str(ip, "PublicIp", "PublicIp")
	link := str(o.ok("LinkPublicIp", obj{"PublicIp": address, "VmId": vmID}), "LinkPublicIpId")
	if got := readVM(t, o, vmID); str(got, "PublicIp") != address {
		t.Errorf("the VM's public IP: %v", got)
	}
	if got := o.ok("ReadPublicIps", obj{"Filters": obj{"LinkPublicIpIds": []string{link}}}); str(got, "PublicIps", 0, "VmId") != vmID {
		t.Errorf("ReadPublicIps by link: %v", got)
	}
	o.fails("DeleteSecurityGroup", obj{"SecurityGroupId": sgID}, 409, "9085", "ResourceConflict")

	// Named groups and the default group of the public Cloud.
	byName := o.ok("CreateVms", obj{"ImageId": image, "SecurityGroups": []string{"testacc-sg"}})
	if str(byName, "Vms", 0, "SecurityGroups", 0, "SecurityGroupId") != sgID {
		t.Errorf("a group named: %v", byName)
	}
	byDefault := o.ok("CreateVms", obj{"ImageId": image})
	if str(byDefault, "Vms", 0, "SecurityGroups", 0, "SecurityGroupName") != "default" {
		t.Errorf("the default group: %v", byDefault)
	}
	o.fails("CreateVms", obj{"ImageId": image, "Placement": obj{"SubregionName": "eu-west-2a"}}, 400, "4078", "InvalidParameterValue")

	o.ok("UnlinkPublicIp", obj{"PublicIp": address})
	o.ok("StopVms", obj{"VmIds": []string{vmID}, "ForceStop": true})
	o.ok("DeleteVms", obj{"VmIds": []string{vmID}})
	waitState(t, o, "ReadVms", "VmIds", vmID, "Vms", []string{"pending", "running", "shutting-down", "stopped", "stopping"}, "terminated")
	o.ok("DeletePublicIp", obj{"PublicIp": address})
}

// A VM deleted out of band (through the control API, as the provider's
// drift tests do) takes its volume with it at the next call, as a VM
// deleted in the console would: nothing is orphaned.
func TestOutscaleOfficial_volumeOfVmDeletedOutOfBand(t *testing.T) {
	t.Parallel()
	emu, clock := startFrozen(t)
	o := clock.client(t, emu)
	_, vmID := vmInNet(t, o, "10.91.0.0/16", "10.91.0.0/24", obj{"BlockDeviceMappings": []obj{
		{"DeviceName": "/dev/sdb", "Bsu": obj{"VolumeSize": 1, "DeleteOnVmDeletion": false}}}})
	vm := readVM(t, o, vmID)
	root, data := str(vm, "BlockDeviceMappings", 0, "Bsu", "VolumeId"), str(vm, "BlockDeviceMappings", 1, "Bsu", "VolumeId")
	if err := emu.Control().DeleteObject(context.Background(), "outscale.vms", vmID); err != nil {
		t.Fatal(err)
	}
	o.ok("ReadAccounts", obj{})
	if got := storedState(t, emu, "outscale.volumes", root); got != "gone" {
		t.Errorf("the root volume of a vanished VM is %s", got)
	}
	if got := storedState(t, emu, "outscale.volumes", data); got != "available" {
		t.Errorf("the kept volume of a vanished VM is %s", got)
	}
}
