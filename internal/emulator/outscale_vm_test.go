package emulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// These tests speak raw HTTP to the emulated OUTSCALE VM, image and public
// IP link calls, each request and answer checked against osc-sdk-go's
// OpenAPI description (see outscale_network_test.go).

// vmNet is a Net with a subnet, a security group and an internet service:
// what a bastion lives in.
type vmNet struct {
	netID, subnetID, groupID string
}

func newVMNet(t *testing.T, o *oapiClient, cidr, subnet string) vmNet {
	t.Helper()
	netID := str(o.ok("CreateNet", obj{"IpRange": cidr}), "Net", "NetId")
	subnetID := str(o.ok("CreateSubnet", obj{"NetId": netID, "IpRange": subnet}), "Subnet", "SubnetId")
	groupID := str(o.ok("CreateSecurityGroup", obj{"NetId": netID, "SecurityGroupName": "bastion", "Description": "bastion tier"}),
		"SecurityGroup", "SecurityGroupId")
	igw := str(o.ok("CreateInternetService", obj{}), "InternetService", "InternetServiceId")
	o.ok("LinkInternetService", obj{"InternetServiceId": igw, "NetId": netID})
	return vmNet{netID: netID, subnetID: subnetID, groupID: groupID}
}

// debianImage finds the newest Debian 12 OMI of the catalogue.
func debianImage(t *testing.T, o *oapiClient) string {
	t.Helper()
	images := o.ok("ReadImages", obj{"Filters": obj{"AccountAliases": []string{"Outscale"}, "ImageNames": []string{"Debian-12-*"}}})
	n := length(images, "Images")
	if n < 1 {
		t.Fatalf("no Debian 12 OMI: %v", images)
	}
	return str(images, "Images", n-1, "ImageId")
}

func readVM(t *testing.T, o *oapiClient, id string) any {
	t.Helper()
	vms := o.ok("ReadVms", obj{"Filters": obj{"VmIds": []string{id}}})
	if length(vms, "Vms") != 1 {
		return nil
	}
	return dig(vms, "Vms", 0)
}

func vmState(t *testing.T, o *oapiClient, id string) string {
	t.Helper()
	vm := readVM(t, o, id)
	if vm == nil {
		return "gone"
	}
	return str(vm, "State")
}

func TestOutscaleVM_lifecycle(t *testing.T) {
	t.Parallel()
	// The clock stands still: states move on at reads only.
	emu, clock := startFrozen(t)
	o := clock.client(t, emu)
	n := newVMNet(t, o, "10.60.0.0/16", "10.60.0.0/24")
	image := debianImage(t, o)
	if !strings.HasPrefix(str(o.ok("ReadImages", obj{"Filters": obj{"ImageIds": []string{image}}}), "Images", 0, "ImageName"), "Debian-12-2025") {
		t.Errorf("the newest Debian 12 OMI is not last")
	}

	userData := base64.StdEncoding.EncodeToString([]byte("#cloud-config\nhostname: wh-bastion\n"))
	create := obj{"ImageId": image, "VmType": "tinav6.c2r4p2", "SubnetId": n.subnetID, "SecurityGroupIds": []string{n.groupID},
		"UserData": userData, "ClientToken": "token-1", "BootOnCreation": true}
	created := o.ok("CreateVms", create)
	vmID := str(created, "Vms", 0, "VmId")
	assertID(t, "i", vmID)
	if got := str(created, "Vms", 0, "State"); got != "pending" {
		t.Errorf("a new VM is %s, want pending", got)
	}
	if got := str(created, "Vms", 0, "PrivateIp"); got != "10.60.0.4" {
		t.Errorf("the first VM of 10.60.0.0/24 got %s; the first four addresses are reserved", got)
	}
	if got := str(created, "Vms", 0, "Performance"); got != "high" {
		t.Errorf("tinav6.c2r4p2 has performance %q, want high (p2)", got)
	}
	// The same token answers the same VM.
	if again := str(o.ok("CreateVms", create), "Vms", 0, "VmId"); again != vmID {
		t.Errorf("the same ClientToken made a second VM %s", again)
	}
	create["VmType"] = "tinav6.c4r8p2"
	o.fails("CreateVms", create, http.StatusConflict, "9040", "ResourceConflict")

	// pending → running as it is read; the user-data comes back as sent.
	if s := vmState(t, o, vmID); s != "pending" {
		t.Errorf("first read: %s", s)
	}
	vm := readVM(t, o, vmID)
	if str(vm, "State") != "running" || str(vm, "UserData") != userData || str(vm, "SecurityGroups", 0, "SecurityGroupId") != n.groupID {
		t.Errorf("second read: %v", vm)
	}

	// A public IP linked to the VM shows on both sides, and holds.
	ip := o.ok("CreatePublicIp", obj{})
	ipID, address := str(ip, "PublicIp", "PublicIpId"), str(ip, "PublicIp", "PublicIp")
	link := str(o.ok("LinkPublicIp", obj{"PublicIpId": ipID, "VmId": vmID}), "LinkPublicIpId")
	assertID(t, "eipassoc", link)
	if got := str(readVM(t, o, vmID), "PublicIp"); got != address {
		t.Errorf("the VM's PublicIp is %q, want %s", got, address)
	}
	byVM := o.ok("ReadPublicIps", obj{"Filters": obj{"VmIds": []string{vmID}}})
	if str(byVM, "PublicIps", 0, "PublicIpId") != ipID || str(byVM, "PublicIps", 0, "LinkPublicIpId") != link ||
		str(byVM, "PublicIps", 0, "PrivateIp") != "10.60.0.4" {
		t.Errorf("ReadPublicIps by VM: %v", byVM)
	}
	o.fails("DeletePublicIp", obj{"PublicIpId": ipID}, http.StatusConflict, "9034", "ResourceConflict")

	// Stop and start.
	stopped := o.ok("StopVms", obj{"VmIds": []string{vmID}})
	if str(stopped, "Vms", 0, "PreviousState") != "running" || str(stopped, "Vms", 0, "CurrentState") != "stopping" {
		t.Errorf("StopVms answered %v", stopped)
	}
	if s1, s2 := vmState(t, o, vmID), vmState(t, o, vmID); s1 != "stopping" || s2 != "stopped" {
		t.Errorf("stopping then %s, %s", s1, s2)
	}
	o.ok("StartVms", obj{"VmIds": []string{vmID}})
	if s1, s2 := vmState(t, o, vmID), vmState(t, o, vmID); s1 != "pending" || s2 != "running" {
		t.Errorf("starting: %s, %s", s1, s2)
	}

	// Unlink: the VM has no public address any more.
	o.ok("UnlinkPublicIp", obj{"LinkPublicIpId": link})
	if got := str(readVM(t, o, vmID), "PublicIp"); got != "" {
		t.Errorf("after UnlinkPublicIp the VM still has %s", got)
	}
	o.ok("LinkPublicIp", obj{"PublicIpId": ipID, "VmId": vmID})

	// While the VM lives, its subnet, its group and its Net stay.
	o.fails("DeleteSubnet", obj{"SubnetId": n.subnetID}, http.StatusConflict, "9095", "ResourceConflict")
	o.fails("DeleteSecurityGroup", obj{"SecurityGroupId": n.groupID}, http.StatusConflict, "9085", "ResourceConflict")

	// shutting-down → terminated → gone, releasing the public IP.
	deleted := o.ok("DeleteVms", obj{"VmIds": []string{vmID}})
	if str(deleted, "Vms", 0, "CurrentState") != "shutting-down" {
		t.Errorf("DeleteVms answered %v", deleted)
	}
	if s1, s2, s3 := vmState(t, o, vmID), vmState(t, o, vmID), vmState(t, o, vmID); s1 != "shutting-down" || s2 != "terminated" || s3 != "gone" {
		t.Errorf("deleting: %s, %s, %s", s1, s2, s3)
	}
	if got := str(o.ok("ReadPublicIps", obj{"Filters": obj{"PublicIpIds": []string{ipID}}}), "PublicIps", 0, "VmId"); got != "" {
		t.Errorf("the public IP is still linked to %s", got)
	}
	o.ok("DeletePublicIp", obj{"PublicIpId": ipID})
	o.ok("DeleteSecurityGroup", obj{"SecurityGroupId": n.groupID})
	o.ok("DeleteSubnet", obj{"SubnetId": n.subnetID})
}

func TestOutscaleVM_invalidRequests(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	o := newOAPIClient(t, emu)
	n := newVMNet(t, o, "10.61.0.0/16", "10.61.0.0/28")
	image := debianImage(t, o)
	base := func() obj {
		return obj{"ImageId": image, "VmType": "tinav6.c2r4p2", "SubnetId": n.subnetID, "SecurityGroupIds": []string{n.groupID}}
	}
	with := func(k string, v any) obj { b := base(); b[k] = v; return b }

	o.fails("CreateVms", with("ImageId", "ami-00000000"), http.StatusBadRequest, "5000", "InvalidResource")
	o.fails("CreateVms", with("VmType", "m9.gigantic"), http.StatusBadRequest, "4078", "InvalidParameterValue")
	o.fails("CreateVms", with("VmType", "tinav6.c2r64p2"), http.StatusBadRequest, "4078", "InvalidParameterValue")
	o.fails("CreateVms", with("SubnetId", "subnet-00000000"), http.StatusBadRequest, "5057", "InvalidResource")
	o.fails("CreateVms", with("UserData", "not base64!"), http.StatusBadRequest, "4078", "InvalidParameterValue")
	// OAPI's limit: 500 KiB once base64-encoded.
	o.fails("CreateVms", with("UserData", strings.Repeat("QUFB", 500*1024/4+1)), http.StatusBadRequest, "4078", "InvalidParameterValue")
	o.ok("CreateVms", with("UserData", strings.Repeat("QUFB", 500*1024/4)))
	r := o.sendInvalid("CreateVms", obj{"VmType": "tinav6.c2r4p2"})
	assertOAPIError(t, r, http.StatusBadRequest, "7000", "MissingParameter")
	r = o.sendInvalid("CreateVms", map[string]any{"ImageId": image, "SubnetId": n.subnetID, "Colour": "blue"})
	assertOAPIError(t, r, http.StatusBadRequest, "3001", "InvalidParameter")
	o.fails("ReadVms", obj{"Filters": obj{"Architectures": []string{"x86_64"}}}, http.StatusBadRequest, "4078", "InvalidParameterValue")

	// A /28 holds 16 addresses, 5 of them reserved: 11 VMs at most.
	for i := 1; i < 11; i++ {
		o.ok("CreateVms", base())
	}
	o.fails("CreateVms", base(), http.StatusBadRequest, "10001", "InsufficientCapacity")

	// A Net without internet service: no public IP for its VMs.
	netID := str(o.ok("CreateNet", obj{"IpRange": "10.62.0.0/16"}), "Net", "NetId")
	subnet := str(o.ok("CreateSubnet", obj{"NetId": netID, "IpRange": "10.62.0.0/24"}), "Subnet", "SubnetId")
	lonely := str(o.ok("CreateVms", obj{"ImageId": image, "SubnetId": subnet}), "Vms", 0, "VmId")
	ip := str(o.ok("CreatePublicIp", obj{}), "PublicIp", "PublicIpId")
	o.fails("LinkPublicIp", obj{"PublicIpId": ip, "VmId": lonely}, http.StatusConflict, "6024", "ResourceConflict")
	o.fails("StartVms", obj{"VmIds": []string{"i-00000000"}}, http.StatusBadRequest, "5063", "InvalidResource")
}

// Tests and operators edit VMs out of band through the control API: the
// stored user-data is readable there, decoded as the cloud keeps it.
func TestOutscaleVM_controlAPIShowsUserData(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	o := newOAPIClient(t, emu)
	n := newVMNet(t, o, "10.63.0.0/16", "10.63.0.0/24")
	userData := base64.StdEncoding.EncodeToString([]byte("#cloud-config\n"))
	vmID := str(o.ok("CreateVms", obj{"ImageId": debianImage(t, o), "SubnetId": n.subnetID, "UserData": userData}), "Vms", 0, "VmId")
	o.ok("CreateTags", obj{"ResourceIds": []string{vmID}, "Tags": []obj{{"Key": "Name", "Value": "wh-bastion"}}})
	stored, found, err := emu.Control().Object(context.Background(), "outscale.vms", vmID)
	if err != nil || !found {
		t.Fatalf("outscale.vms/%s: %v %v", vmID, found, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(stored.Doc, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["UserData"] != userData || doc["account_id"] != emulator.DefaultOutscaleAccountID {
		t.Errorf("stored VM: %s", stored.Doc)
	}
	tags := o.ok("ReadTags", obj{"Filters": obj{"ResourceIds": []string{vmID}}})
	if str(tags, "Tags", 0, "ResourceType") != "vm" || str(tags, "Tags", 0, "Value") != "wh-bastion" {
		t.Errorf("ReadTags: %v", tags)
	}
}
