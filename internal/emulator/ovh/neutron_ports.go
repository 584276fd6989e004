package ovh

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Neutron ports: the port an instance has on its private network, the one
// its security groups apply to. They are the instances' (compute.go): made
// with the instance, gone with it, not made nor deleted through Neutron.
// Only the security groups of a port change (PUT /v2.0/ports/{id}, with
// security_groups and nothing else the emulator takes); the port on the
// public network (Ext-Net) is not emulated.

// apiPort is a port as Neutron shows it.
type apiPort struct {
	ID                  string       `json:"id"`
	Name                string       `json:"name"`
	Description         string       `json:"description"`
	NetworkID           string       `json:"network_id"`
	TenantID            string       `json:"tenant_id"`
	ProjectID           string       `json:"project_id"`
	MACAddress          string       `json:"mac_address"`
	AdminStateUp        bool         `json:"admin_state_up"`
	Status              string       `json:"status"`
	DeviceID            string       `json:"device_id"`
	DeviceOwner         string       `json:"device_owner"`
	FixedIPs            []apiFixedIP `json:"fixed_ips"`
	AllowedAddressPairs []any        `json:"allowed_address_pairs"`
	SecurityGroups      []string     `json:"security_groups"`
	PortSecurityEnabled bool         `json:"port_security_enabled"`
	Tags                []string     `json:"tags"`
	Created             string       `json:"created_at"`
	Updated             string       `json:"updated_at"`
	Revision            int          `json:"revision_number"`
	ExtraDHCPOpts       []any        `json:"extra_dhcp_opts"`
	BindingVNICType     string       `json:"binding:vnic_type"`
	QoSPolicyID         *string      `json:"qos_policy_id"`
}

type apiFixedIP struct {
	SubnetID  string `json:"subnet_id"`
	IPAddress string `json:"ip_address"`
}

// ports are the instances of the caller's project and region that have a
// private port.
func (c *neutronCall) ports(tx store.Tx) ([]instanceRecord, error) {
	all, err := listInProject[instanceRecord](tx, collInstances, c.project.ID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(r instanceRecord) bool { return r.Region != c.region || r.PortID == "" }), nil
}

func portView(r instanceRecord) apiPort {
	sum := sha256.Sum256([]byte("mac:" + r.PortID))
	status := "DOWN"
	if r.Status == instanceActive {
		status = "ACTIVE"
	}
	groups := r.SecurityGroups
	if groups == nil {
		groups = []string{}
	}
	zone := r.Zone
	if zone == "" {
		zone = defaultZone(r.Region)
	}
	return apiPort{ID: r.PortID, NetworkID: r.NetworkID, TenantID: r.Project, ProjectID: r.Project,
		MACAddress: fmt.Sprintf("fa:16:3e:%02x:%02x:%02x", sum[0], sum[1], sum[2]), AdminStateUp: true, Status: status,
		DeviceID: r.ID, DeviceOwner: "compute:" + zone, FixedIPs: []apiFixedIP{{SubnetID: r.SubnetID, IPAddress: r.PrivateIP}},
		AllowedAddressPairs: []any{}, SecurityGroups: groups, PortSecurityEnabled: true, Tags: []string{},
		Created: r.Created, Updated: r.Created, ExtraDHCPOpts: []any{}, BindingVNICType: "normal"}
}

func (p apiPort) filterAttrs() map[string]string {
	return map[string]string{"id": p.ID, "name": p.Name, "network_id": p.NetworkID, "device_id": p.DeviceID,
		"device_owner": p.DeviceOwner, "status": p.Status, "mac_address": p.MACAddress, "project_id": p.ProjectID,
		"tenant_id": p.TenantID}
}

func listPorts(c *neutronCall, tx store.Tx) (int, any, error) {
	filters, err := c.filters("id", "name", "network_id", "device_id", "device_owner", "status", "mac_address", "project_id", "tenant_id")
	if err != nil {
		return 0, nil, err
	}
	all, err := c.ports(tx)
	if err != nil {
		return 0, nil, err
	}
	out := []apiPort{}
	for _, r := range all {
		if p := portView(r); matches(filters, p.filterAttrs()) {
			out = append(out, p)
		}
	}
	return http.StatusOK, map[string]any{"ports": out}, nil
}

func (c *neutronCall) loadPort(tx store.Tx, id string) (instanceRecord, error) {
	all, err := c.ports(tx)
	if err != nil {
		return instanceRecord{}, err
	}
	for _, r := range all {
		if r.PortID == id {
			return r, nil
		}
	}
	return instanceRecord{}, &neutronError{Status: http.StatusNotFound, Type: "PortNotFound", Message: fmt.Sprintf("Port %s could not be found.", id)}
}

func getPort(c *neutronCall, tx store.Tx) (int, any, error) {
	r, err := c.loadPort(tx, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"port": portView(r)}, nil
}

func updatePort(c *neutronCall, tx store.Tx) (int, any, error) {
	if err := c.allowed("update_port", portWriters); err != nil {
		return 0, nil, err
	}
	r, err := c.loadPort(tx, c.r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	attrs, err := c.resourceBody("port", "security_groups")
	if err != nil {
		return 0, nil, err
	}
	var groups []string
	if raw, ok := attrs["security_groups"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &groups); err != nil {
			return 0, nil, errNeutronBadRequest("Invalid input for security_groups. Reason: '%s' is not a list.", raw)
		}
	}
	seen := map[string]bool{}
	out := []string{}
	for _, id := range groups {
		if _, err := c.loadGroup(tx, id); err != nil {
			return 0, nil, err
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	r.SecurityGroups = out
	if err := store.Put(tx, collInstances, r.ID, r); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"port": portView(r)}, nil
}
