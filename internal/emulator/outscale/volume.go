package outscale

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Volumes (ReadVolumes, DeleteVolume): the BSU volumes a VM is created
// with. CreateVms makes the root volume from the OMI's block device mapping
// and one volume per BSU mapping of the request; each is "in-use", linked
// to its VM, from the start. When the VM is terminated, the volumes marked
// DeleteOnVmDeletion go with it and the others become "available", which
// DeleteVolume then deletes. The emulator makes no standalone volumes
// (CreateVolume, LinkVolume): the official provider's VM reads its volumes
// (ReadVolumes by VolumeIds, for their tags) and nothing more.

const collVolumes = "outscale.volumes"

// Volumes take tags: "vol-" ids, ReadTags' "volume" resource type.
func init() {
	kinds = append(kinds, kind{"vol-", collVolumes, "volume", "VolumeId"})
}

// Volume states (Volume.State) and link states (LinkedVolume.State).
const (
	volumeInUse     = "in-use"
	volumeAvailable = "available"
	linkAttached    = "attached"
)

// Volume limits of the user guide: sizes from 1 GiB to 14901 GiB, io1
// volumes from 100 to 13000 IOPS (the official provider checks the same
// bounds). That io1 needs at least 4 GiB is unverified and not checked.
const (
	maxVolumeSize = 14901
	minIops       = 100
	maxIops       = 13000
	rootDevice    = "/dev/sda1"
)

// deviceNamePattern is a non-root device name as BlockDeviceMappingVmCreation
// documents it: /dev/sdX, /dev/sdXX, /dev/xvdX or /dev/xvdXX.
var deviceNamePattern = regexp.MustCompile(`^/dev/(sd|xvd)[a-z]{1,2}$`)

// oapiVolume is OAPI's Volume.
type oapiVolume struct {
	CreationDate  string             `json:"CreationDate"`
	Iops          int                `json:"Iops,omitempty"`
	LinkedVolumes []oapiLinkedVolume `json:"LinkedVolumes"`
	Size          int                `json:"Size"`
	SnapshotID    string             `json:"SnapshotId,omitempty"`
	State         string             `json:"State"`
	SubregionName string             `json:"SubregionName"`
	Tags          []resourceTag      `json:"Tags"`
	VolumeID      string             `json:"VolumeId"`
	VolumeType    string             `json:"VolumeType"`
}

// oapiLinkedVolume is OAPI's LinkedVolume.
type oapiLinkedVolume struct {
	DeleteOnVmDeletion bool   `json:"DeleteOnVmDeletion"`
	DeviceName         string `json:"DeviceName"`
	State              string `json:"State"`
	VMID               string `json:"VmId"`
	VolumeID           string `json:"VolumeId"`
}

type volumeRecord struct {
	owner
	oapiVolume
	// LinkDate is when it was attached (LinkedVolume has no date; the
	// LinkVolumeLinkDates filter and the VM's BsuCreated.LinkDate do).
	LinkDate string `json:"link_date,omitempty"`
}

func (r volumeRecord) view() oapiVolume {
	v := r.oapiVolume
	v.LinkedVolumes = nonNil(v.LinkedVolumes)
	v.Tags = nonNil(v.Tags)
	return v
}

// bsuInput is BsuToCreate.
type bsuInput struct {
	DeleteOnVmDeletion *bool   `json:"DeleteOnVmDeletion"`
	Iops               *int    `json:"Iops"`
	SnapshotID         *string `json:"SnapshotId"`
	VolumeSize         *int    `json:"VolumeSize"`
	VolumeType         *string `json:"VolumeType"`
}

// blockDeviceInput is BlockDeviceMappingVmCreation.
type blockDeviceInput struct {
	Bsu               *bsuInput `json:"Bsu"`
	DeviceName        *string   `json:"DeviceName"`
	NoDevice          *string   `json:"NoDevice"`
	VirtualDeviceName *string   `json:"VirtualDeviceName"`
}

// volumeSpec is a volume a VM is to be created with.
type volumeSpec struct {
	device             string
	size, iops         int
	volumeType         string
	snapshotID         string
	deleteOnVMDeletion bool
}

// volumeSpecs merges the OMI's root device with the mappings of a
// CreateVms request. A mapping of the root device changes the root volume
// (it cannot be smaller than the OMI's snapshot); a mapping with NoDevice
// or only a VirtualDeviceName (an ephemeral disk) makes no volume.
func volumeSpecs(image oapiImage, mappings []blockDeviceInput) ([]volumeSpec, error) {
	var specs []volumeSpec
	for _, m := range image.BlockDeviceMappings {
		specs = append(specs, volumeSpec{device: m.DeviceName, size: m.Bsu.VolumeSize, volumeType: m.Bsu.VolumeType,
			snapshotID: m.Bsu.SnapshotID, deleteOnVMDeletion: m.Bsu.DeleteOnVmDeletion})
	}
	for i, m := range mappings {
		param := func(name string) string { return fmt.Sprintf("BlockDeviceMappings[%d].%s", i, name) }
		device := ""
		if m.DeviceName != nil {
			device = *m.DeviceName
		}
		if m.Bsu == nil {
			if m.NoDevice == nil && m.VirtualDeviceName == nil {
				return nil, errMissingParameter(param("Bsu"))
			}
			if m.NoDevice != nil && device == rootDevice {
				return nil, errInvalidValue(param("NoDevice"), *m.NoDevice, "The root device of the OMI cannot be removed.")
			}
			specs = slices.DeleteFunc(specs, func(s volumeSpec) bool { return m.NoDevice != nil && s.device == device })
			continue
		}
		if device == "" {
			return nil, errMissingParameter(param("DeviceName"))
		}
		at := slices.IndexFunc(specs, func(s volumeSpec) bool { return s.device == device })
		if at < 0 && !deviceNamePattern.MatchString(device) {
			return nil, errInvalidValue(param("DeviceName"), device, "It must be /dev/sda1 for the root device, or /dev/sdX, /dev/sdXX, /dev/xvdX or /dev/xvdXX.")
		}
		spec := volumeSpec{device: device, volumeType: "standard", deleteOnVMDeletion: true}
		if at >= 0 {
			spec = specs[at]
		}
		b := *m.Bsu
		if b.SnapshotID != nil && *b.SnapshotID != spec.snapshotID {
			// The emulator has no snapshots but the OMIs' own.
			return nil, errNotFound("SnapshotId", *b.SnapshotID)
		}
		switch {
		case b.VolumeSize != nil:
			if *b.VolumeSize < 1 || *b.VolumeSize > maxVolumeSize || (at >= 0 && *b.VolumeSize < spec.size) {
				return nil, errInvalidValue(param("Bsu.VolumeSize"), strconv.Itoa(*b.VolumeSize), fmt.Sprintf(
					"It must be between 1 and %d GiB, and no less than the size of its snapshot.", maxVolumeSize))
			}
			spec.size = *b.VolumeSize
		case at < 0:
			return nil, errMissingParameter(param("Bsu.VolumeSize"))
		}
		if b.VolumeType != nil {
			switch *b.VolumeType {
			case "standard", "gp2", "io1":
				spec.volumeType = *b.VolumeType
			default:
				return nil, errInvalidValue(param("Bsu.VolumeType"), *b.VolumeType, "It must be standard, gp2 or io1.")
			}
		}
		spec.iops = 0
		if b.Iops != nil {
			if spec.volumeType != "io1" {
				return nil, errInvalidValue(param("Bsu.Iops"), strconv.Itoa(*b.Iops), "IOPS are given for io1 volumes only.")
			}
			if *b.Iops < minIops || *b.Iops > maxIops {
				return nil, errInvalidValue(param("Bsu.Iops"), strconv.Itoa(*b.Iops), fmt.Sprintf("It must be between %d and %d.", minIops, maxIops))
			}
			spec.iops = *b.Iops
		} else if spec.volumeType == "io1" {
			return nil, errMissingParameter(param("Bsu.Iops"))
		}
		if b.DeleteOnVmDeletion != nil {
			spec.deleteOnVMDeletion = *b.DeleteOnVmDeletion
		}
		if at >= 0 {
			specs[at] = spec
		} else {
			specs = append(specs, spec)
		}
	}
	return specs, nil
}

// createVolumes makes the volumes of a new VM, linked to it, and returns
// its block device mappings.
func createVolumes(tx store.Tx, account, vmID, subregion, now string, specs []volumeSpec) ([]vmBlockDevice, error) {
	out := make([]vmBlockDevice, 0, len(specs))
	for _, s := range specs {
		v := volumeRecord{owner: owner{account}, LinkDate: now, oapiVolume: oapiVolume{
			CreationDate: now,
			Iops:         s.iops,
			Size:         s.size,
			SnapshotID:   s.snapshotID,
			State:        volumeInUse,
			// A volume is in the Subregion of its VM.
			SubregionName: subregion,
			Tags:          []resourceTag{},
			VolumeID:      newID(tx, "vol-", collVolumes),
			VolumeType:    s.volumeType,
		}}
		v.LinkedVolumes = []oapiLinkedVolume{{DeleteOnVmDeletion: s.deleteOnVMDeletion, DeviceName: s.device,
			State: linkAttached, VMID: vmID, VolumeID: v.VolumeID}}
		if err := store.Put(tx, collVolumes, v.VolumeID, v); err != nil {
			return nil, err
		}
		out = append(out, vmBlockDevice{DeviceName: s.device, Bsu: vmBsu{DeleteOnVmDeletion: s.deleteOnVMDeletion,
			LinkDate: now, State: linkAttached, VolumeID: v.VolumeID}})
	}
	return out, nil
}

// releaseVolumes is what a VM's termination does to its volumes: those
// marked DeleteOnVmDeletion are deleted, the others detached.
func releaseVolumes(tx store.Tx, vm vmRecord) error {
	for _, b := range vm.BlockDeviceMappings {
		v, ok, err := load[volumeRecord](tx, collVolumes, b.Bsu.VolumeID, vm.AccountID)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if b.Bsu.DeleteOnVmDeletion {
			if err := tx.Delete(collVolumes, v.VolumeID); err != nil {
				return err
			}
			continue
		}
		v.State, v.LinkedVolumes, v.LinkDate = volumeAvailable, []oapiLinkedVolume{}, ""
		if err := store.Put(tx, collVolumes, v.VolumeID, v); err != nil {
			return err
		}
	}
	return nil
}

// orphanVolume releases a volume whose VM vanished.
func orphanVolume(tx store.Tx, v volumeRecord) error {
	if v.LinkedVolumes[0].DeleteOnVmDeletion {
		return tx.Delete(collVolumes, v.VolumeID)
	}
	v.State, v.LinkedVolumes, v.LinkDate = volumeAvailable, []oapiLinkedVolume{}, ""
	return store.Put(tx, collVolumes, v.VolumeID, v)
}

// setDeleteOnVMDeletion changes DeleteOnVmDeletion of the volume linked as
// device to vm, in the VM and in the volume.
func setDeleteOnVMDeletion(tx store.Tx, vm *vmRecord, device string, value bool, param string) error {
	i := slices.IndexFunc(vm.BlockDeviceMappings, func(b vmBlockDevice) bool { return b.DeviceName == device })
	if i < 0 {
		return errInvalidValue(param, device, "The VM has no volume linked as this device.")
	}
	vm.BlockDeviceMappings = slices.Clone(vm.BlockDeviceMappings)
	vm.BlockDeviceMappings[i].Bsu.DeleteOnVmDeletion = value
	v, ok, err := load[volumeRecord](tx, collVolumes, vm.BlockDeviceMappings[i].Bsu.VolumeID, vm.AccountID)
	if err != nil || !ok {
		return err
	}
	for j := range v.LinkedVolumes {
		v.LinkedVolumes[j].DeleteOnVmDeletion = value
	}
	return store.Put(tx, collVolumes, v.VolumeID, v)
}

func readVolumes(c *call) (any, error) {
	// FiltersVolume, every filter applied.
	var req struct {
		DryRun  bool `json:"DryRun"`
		Filters struct {
			ClientTokens                 []string `json:"ClientTokens"`
			CreationDates                []string `json:"CreationDates"`
			LinkVolumeDeleteOnVMDeletion *bool    `json:"LinkVolumeDeleteOnVmDeletion"`
			LinkVolumeDeviceNames        []string `json:"LinkVolumeDeviceNames"`
			LinkVolumeLinkDates          []string `json:"LinkVolumeLinkDates"`
			LinkVolumeLinkStates         []string `json:"LinkVolumeLinkStates"`
			LinkVolumeVMIDs              []string `json:"LinkVolumeVmIds"`
			SnapshotIDs                  []string `json:"SnapshotIds"`
			SubregionNames               []string `json:"SubregionNames"`
			VolumeIDs                    []string `json:"VolumeIds"`
			VolumeSizes                  []int    `json:"VolumeSizes"`
			VolumeStates                 []string `json:"VolumeStates"`
			VolumeTypes                  []string `json:"VolumeTypes"`
			tagFilters
		} `json:"Filters"`
		page
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	f := req.Filters
	return c.view(func(tx store.Tx) (any, error) {
		all, err := listOwned[volumeRecord](tx, collVolumes, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		var found []oapiVolume
		for _, v := range all {
			var devices, states, vms []string
			deleteOn := false
			for _, l := range v.LinkedVolumes {
				devices, states, vms = append(devices, l.DeviceName), append(states, l.State), append(vms, l.VMID)
				deleteOn = deleteOn || l.DeleteOnVmDeletion
			}
			// Volumes made with VMs carry no client token.
			if len(f.ClientTokens) > 0 || !matchesDate(f.CreationDates, v.CreationDate) ||
				(f.LinkVolumeDeleteOnVMDeletion != nil && (len(v.LinkedVolumes) == 0 || *f.LinkVolumeDeleteOnVMDeletion != deleteOn)) ||
				!matchesAny(f.LinkVolumeDeviceNames, devices) || !matchesDate(f.LinkVolumeLinkDates, v.LinkDate) ||
				!matchesAny(f.LinkVolumeLinkStates, states) || !matchesAny(f.LinkVolumeVMIDs, vms) ||
				!matches(f.SnapshotIDs, v.SnapshotID) || !matches(f.SubregionNames, v.SubregionName) ||
				!matches(f.VolumeIDs, v.VolumeID) || !matchesInt(f.VolumeSizes, v.Size) || !matches(f.VolumeStates, v.State) ||
				!matches(f.VolumeTypes, v.VolumeType) || !f.match(v.Tags) {
				continue
			}
			found = append(found, v.view())
		}
		volumes, next, err := paginate(req.page, found)
		if err != nil {
			return nil, err
		}
		return struct {
			Volumes       []oapiVolume `json:"Volumes"`
			NextPageToken string       `json:"NextPageToken,omitempty"`
		}{volumes, next}, nil
	})
}

// matchesDate matches an ISO 8601 date-time against filter values, which
// may be dates only (2020-06-30) or full date-times.
func matchesDate(filter []string, value string) bool {
	if len(filter) == 0 {
		return true
	}
	if value == "" {
		return false
	}
	return slices.ContainsFunc(filter, func(f string) bool { return f == value || (len(f) == 10 && len(value) >= 10 && value[:10] == f) })
}

func deleteVolume(c *call) (any, error) {
	var req struct {
		DryRun   bool    `json:"DryRun"`
		VolumeID *string `json:"VolumeId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("VolumeId", req.VolumeID); err != nil {
		return nil, err
	}
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		v, err := mustLoad[volumeRecord](tx, collVolumes, "VolumeId", *req.VolumeID, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		if v.State == volumeInUse {
			return nil, errConflict(codeVolumeInUse, fmt.Sprintf(
				"The volume '%s' is linked to the VM '%s': unlink it or terminate the VM first.", v.VolumeID, v.LinkedVolumes[0].VMID))
		}
		return struct{}{}, tx.Delete(collVolumes, v.VolumeID)
	})
}
