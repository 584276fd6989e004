package outscale

import (
	"fmt"
	"slices"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// UpdateVm, ReadVmsState and ReadAdminPassword.

// updateVMRequest is UpdateVmRequest: every parameter of the spec.
type updateVMRequest struct {
	ActionsOnNextBoot   *actionsOnNextBoot `json:"ActionsOnNextBoot"`
	BlockDeviceMappings []struct {
		Bsu *struct {
			DeleteOnVmDeletion *bool   `json:"DeleteOnVmDeletion"`
			VolumeID           *string `json:"VolumeId"`
		} `json:"Bsu"`
		DeviceName        *string `json:"DeviceName"`
		NoDevice          *string `json:"NoDevice"`
		VirtualDeviceName *string `json:"VirtualDeviceName"`
	} `json:"BlockDeviceMappings"`
	BsuOptimized                  *bool             `json:"BsuOptimized"` // "not available": ignored
	DeletionProtection            *bool             `json:"DeletionProtection"`
	DryRun                        bool              `json:"DryRun"`
	IsSourceDestChecked           *bool             `json:"IsSourceDestChecked"`
	KeypairName                   *string           `json:"KeypairName"`
	NestedVirtualization          *bool             `json:"NestedVirtualization"`
	Performance                   *string           `json:"Performance"`
	SecurityGroupIDs              []string          `json:"SecurityGroupIds"`
	ShutdownBehaviorConfiguration *shutdownBehavior `json:"ShutdownBehaviorConfiguration"`
	UserData                      *string           `json:"UserData"`
	VMID                          *string           `json:"VmId"`
	VMInitiatedShutdownBehavior   *string           `json:"VmInitiatedShutdownBehavior"`
	VMType                        *string           `json:"VmType"`
}

func (req updateVMRequest) check() error {
	if err := required("VmId", req.VMID); err != nil {
		return err
	}
	if req.VMType != nil {
		if err := checkVMType(*req.VMType); err != nil {
			return err
		}
	}
	performance, shutdown, userData := "", "", ""
	if req.Performance != nil {
		performance = *req.Performance
	}
	if req.VMInitiatedShutdownBehavior != nil {
		shutdown = *req.VMInitiatedShutdownBehavior
	}
	if req.UserData != nil {
		userData = *req.UserData
	}
	if err := checkVMSettings(performance, shutdown, userData); err != nil {
		return err
	}
	if req.SecurityGroupIDs != nil && len(req.SecurityGroupIDs) == 0 {
		return errInvalidValue("SecurityGroupIds", "[]", "Give at least one security group.")
	}
	if err := req.ActionsOnNextBoot.check("ActionsOnNextBoot"); err != nil {
		return err
	}
	return req.ShutdownBehaviorConfiguration.check("ShutdownBehaviorConfiguration")
}

// updateVM changes a VM. Its type, user data, performance and nested
// virtualization change only while it is stopped: the official provider
// stops the VM before it changes them and starts it again after
// (resource_outscale_vm.go), as the user guide asks (unverified answer
// otherwise: an InvalidState conflict like StartVms').
func updateVM(c *call) (any, error) {
	var req updateVMRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	account := c.account.AccountID
	return c.mutate(req.DryRun, func(tx store.Tx) (any, error) {
		vm, err := mustLoad[vmRecord](tx, collVMs, "VmId", *req.VMID, account)
		if err != nil {
			return nil, err
		}
		if !vm.alive() || vm.State == vmShuttingDown {
			return nil, errVMState(vm, "updated")
		}
		changesWhileStopped := (req.VMType != nil && *req.VMType != vm.VMType) ||
			(req.UserData != nil && *req.UserData != vm.UserData) ||
			(req.Performance != nil && *req.Performance != vm.Performance) ||
			(req.NestedVirtualization != nil && *req.NestedVirtualization != vm.NestedVirtualization)
		if changesWhileStopped && vm.State != vmStopped {
			return nil, errVMState(vm, "given another type, user data, performance or nested virtualization (stop it first)")
		}
		if req.VMType != nil {
			vm.VMType = *req.VMType
			if m := vmTypePattern.FindStringSubmatch(vm.VMType); m != nil && m[4] != "" && req.Performance == nil {
				vm.Performance = map[string]string{"p1": "highest", "p2": "high", "p3": "medium"}[m[4]]
			}
		}
		if req.UserData != nil {
			vm.UserData = *req.UserData
		}
		if req.Performance != nil {
			vm.Performance = *req.Performance
		}
		if req.NestedVirtualization != nil {
			if *req.NestedVirtualization && vm.Placement.Tenancy != "dedicated" {
				return nil, errInvalidValue("NestedVirtualization", "true", "Nested virtualization needs the dedicated tenancy.")
			}
			vm.NestedVirtualization = *req.NestedVirtualization
		}
		if req.DeletionProtection != nil {
			vm.DeletionProtection = *req.DeletionProtection
		}
		vm.Nics = slices.Clone(vm.Nics)
		if req.IsSourceDestChecked != nil {
			vm.IsSourceDestChecked = *req.IsSourceDestChecked
			if len(vm.Nics) > 0 {
				vm.Nics[0].IsSourceDestChecked = *req.IsSourceDestChecked
			}
		}
		if req.KeypairName != nil {
			if _, found, err := keypairByName(tx, account, *req.KeypairName); err != nil {
				return nil, err
			} else if !found {
				return nil, errNotFound("KeypairName", *req.KeypairName)
			}
			vm.KeypairName = *req.KeypairName
		}
		if req.VMInitiatedShutdownBehavior != nil {
			vm.VMInitiatedShutdownBehavior = *req.VMInitiatedShutdownBehavior
		}
		if req.SecurityGroupIDs != nil {
			groups, err := vmSecurityGroups(tx, account, vm.NetID, req.SecurityGroupIDs, nil)
			if err != nil {
				return nil, err
			}
			vm.SecurityGroups = lights(groups)
			if len(vm.Nics) > 0 {
				vm.Nics[0].SecurityGroups = lights(groups)
			}
		}
		for i, m := range req.BlockDeviceMappings {
			param := fmt.Sprintf("BlockDeviceMappings[%d]", i)
			if m.DeviceName == nil {
				return nil, errMissingParameter(param + ".DeviceName")
			}
			if m.Bsu == nil {
				continue // NoDevice and VirtualDeviceName change nothing on a running VM's BSU volumes
			}
			at := slices.IndexFunc(vm.BlockDeviceMappings, func(b vmBlockDevice) bool { return b.DeviceName == *m.DeviceName })
			if at >= 0 && m.Bsu.VolumeID != nil && *m.Bsu.VolumeID != vm.BlockDeviceMappings[at].Bsu.VolumeID {
				return nil, errInvalidValue(param+".Bsu.VolumeId", *m.Bsu.VolumeID, "It is not the volume linked as "+*m.DeviceName+".")
			}
			if m.Bsu.DeleteOnVmDeletion != nil {
				if err := setDeleteOnVMDeletion(tx, &vm, *m.DeviceName, *m.Bsu.DeleteOnVmDeletion, param+".DeviceName"); err != nil {
					return nil, err
				}
			}
		}
		if req.ActionsOnNextBoot != nil {
			vm.ActionsOnNextBoot = req.ActionsOnNextBoot
		}
		if req.ShutdownBehaviorConfiguration != nil {
			vm.ShutdownBehaviorConfiguration = req.ShutdownBehaviorConfiguration
		}
		if err := store.Put(tx, collVMs, vm.VMID, vm); err != nil {
			return nil, err
		}
		view, err := vm.view(tx)
		if err != nil {
			return nil, err
		}
		return struct {
			Vm oapiVM `json:"Vm"`
		}{view}, nil
	})
}

// oapiVMStates is OAPI's VmStates. The emulator schedules no maintenance.
type oapiVMStates struct {
	MaintenanceEvents []struct{} `json:"MaintenanceEvents"`
	SubregionName     string     `json:"SubregionName"`
	VMID              string     `json:"VmId"`
	VMState           string     `json:"VmState"`
}

func readVMsState(c *call) (any, error) {
	var req struct {
		AllVms  bool `json:"AllVms"`
		DryRun  bool `json:"DryRun"`
		Filters struct {
			MaintenanceEventCodes        []string `json:"MaintenanceEventCodes"`
			MaintenanceEventDescriptions []string `json:"MaintenanceEventDescriptions"`
			MaintenanceEventsNotAfter    []string `json:"MaintenanceEventsNotAfter"`
			MaintenanceEventsNotBefore   []string `json:"MaintenanceEventsNotBefore"`
			SubregionNames               []string `json:"SubregionNames"`
			VMIDs                        []string `json:"VmIds"`
			VMStates                     []string `json:"VmStates"`
		} `json:"Filters"`
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
		var found []oapiVMStates
		for _, vm := range vms {
			// "If false, only includes the status of running VMs."
			if (!req.AllVms && vm.State != vmRunning) ||
				len(f.MaintenanceEventCodes)+len(f.MaintenanceEventDescriptions)+len(f.MaintenanceEventsNotAfter)+len(f.MaintenanceEventsNotBefore) > 0 ||
				!matches(f.SubregionNames, vm.Placement.SubregionName) || !matches(f.VMIDs, vm.VMID) || !matches(f.VMStates, vm.State) {
				continue
			}
			found = append(found, oapiVMStates{MaintenanceEvents: []struct{}{}, SubregionName: vm.Placement.SubregionName,
				VMID: vm.VMID, VMState: vm.State})
		}
		states, next, err := paginate(req.page, found)
		if err != nil {
			return nil, err
		}
		return struct {
			VMStates      []oapiVMStates `json:"VmStates"`
			NextPageToken string         `json:"NextPageToken,omitempty"`
		}{states, next}, nil
	})
}

// readAdminPassword answers a VM's Windows administrator password. The
// emulator's OMIs are Linux ones, which have none: "After the first boot,
// returns an empty string". The official provider reads it at every read
// of a VM.
func readAdminPassword(c *call) (any, error) {
	var req struct {
		DryRun bool    `json:"DryRun"`
		VMID   *string `json:"VmId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := required("VmId", req.VMID); err != nil {
		return nil, err
	}
	return c.view(func(tx store.Tx) (any, error) {
		vm, err := mustLoad[vmRecord](tx, collVMs, "VmId", *req.VMID, c.account.AccountID)
		if err != nil {
			return nil, err
		}
		return struct {
			AdminPassword string `json:"AdminPassword"`
			VMID          string `json:"VmId"`
		}{"", vm.VMID}, nil
	})
}
