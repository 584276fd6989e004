package provider

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/compliance"
	"github.com/sovhealth/terraform-provider-health/internal/workspace"
)

// workspaceModel is health_warehouse_workspace's data.
type workspaceModel struct {
	ID             types.String   `tfsdk:"id"`
	NetworkID      types.String   `tfsdk:"network_id"`
	NetworkRules   types.List     `tfsdk:"network_rules"`
	Name           types.String   `tfsdk:"name"`
	Members        types.List     `tfsdk:"members"`
	Size           types.String   `tfsdk:"size"`
	VMType         types.String   `tfsdk:"vm_type"`
	MachineCount   types.Int64    `tfsdk:"machine_count"`
	Image          types.String   `tfsdk:"image"`
	Datasets       types.List     `tfsdk:"datasets"`
	WorkingBucket  types.String   `tfsdk:"working_bucket"`
	ImportBucket   types.String   `tfsdk:"import_bucket"`
	ExportBucket   types.String   `tfsdk:"export_bucket"`
	DataGateways   types.List     `tfsdk:"data_gateways"`
	PackageMirror  types.Object   `tfsdk:"package_mirror"`
	Tags           types.Map      `tfsdk:"tags"`
	Rules          types.List     `tfsdk:"rules"`
	IdentityPolicy types.String   `tfsdk:"identity_policy"`
	IdentityID     types.String   `tfsdk:"identity_id"`
	MachineKeyID   types.String   `tfsdk:"machine_access_key_id"`
	Machines       types.List     `tfsdk:"machines"`
	CloudIDs       types.Map      `tfsdk:"cloud_ids"`
	Exceptions     types.List     `tfsdk:"compliance_exceptions"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`

	// HostKeys are the public host keys of the machines just rendered, by
	// name: their private halves went into the user-data only.
	HostKeys map[string]string `tfsdk:"-"`
}

var workspaceMachineAttrTypes = map[string]attr.Type{
	"name": types.StringType, "id": types.StringType, "private_ip": types.StringType, "state": types.StringType,
	"host_public_key": types.StringType,
}

// Defaults of a workspace.
const (
	defaultMachineCount = 1
	maxMachineCount     = 10
	maxMembers          = 40
)

func datasetsOf(v types.List) ([]cloud.DatasetGrant, bool) {
	if v.IsNull() {
		return nil, true
	}
	if v.IsUnknown() {
		return nil, false
	}
	var out []cloud.DatasetGrant
	for _, e := range v.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsUnknown() {
			return nil, false
		}
		a := o.Attributes()
		b, _ := a["bucket"].(types.String)
		p, _ := a["prefix"].(types.String)
		if b.IsUnknown() || p.IsUnknown() {
			return nil, false
		}
		out = append(out, cloud.DatasetGrant{Bucket: b.ValueString(), Prefix: p.ValueString()})
	}
	return out, true
}

// bucketsOf is the workspace's buckets; ok is false while one is unknown.
func (m *workspaceModel) bucketsOf() (cloud.WorkspaceBuckets, bool) {
	for _, v := range []types.String{m.WorkingBucket, m.ImportBucket, m.ExportBucket} {
		if v.IsUnknown() {
			return cloud.WorkspaceBuckets{}, false
		}
	}
	return cloud.WorkspaceBuckets{Working: m.WorkingBucket.ValueString(), Import: m.ImportBucket.ValueString(),
		Export: m.ExportBucket.ValueString()}, true
}

// desiredRules are the rules of a workspace's group: SSH in from the bastion
// tier, and the compute tier's outbound rules of the network.
func desiredWorkspaceRules(network []cloud.Rule) []cloud.Rule {
	out := []cloud.Rule{{Tier: cloud.TierCompute, Direction: cloud.Inbound, Protocol: "tcp", FromPort: cloud.PortSSH,
		ToPort: cloud.PortSSH, Source: cloud.TierSource(cloud.TierBastion), Purpose: "SSH from the bastion"}}
	for _, r := range network {
		if r.Tier == cloud.TierCompute && r.IsOutbound() {
			out = append(out, r)
		}
	}
	cloud.SortRules(out)
	return out
}

// normalizedPolicy is a policy document with its keys sorted and no
// spacing, so that documents the cloud reformatted compare equal.
func normalizedPolicy(doc string) string {
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return doc
	}
	out, err := json.Marshal(v)
	if err != nil {
		return doc
	}
	return string(out)
}

// workspaceMachinesValue is the machines as the cloud holds them, each
// with its host public key: hostKey says it (or "" when nobody knows it,
// after an import).
func workspaceMachinesValue(ms []cloud.WorkspaceMachine, hostKey func(cloud.WorkspaceMachine) string) types.List {
	slices.SortFunc(ms, func(a, b cloud.WorkspaceMachine) int { return strings.Compare(a.Name, b.Name) })
	var elems []attr.Value
	for _, m := range ms {
		state := vmStateRunning
		if !m.Running {
			state = strings.ToLower(m.State)
		}
		key := types.StringNull()
		if k := hostKey(m); k != "" {
			key = types.StringValue(k)
		}
		elems = append(elems, types.ObjectValueMust(workspaceMachineAttrTypes, map[string]attr.Value{
			"name": types.StringValue(m.Name), "id": types.StringValue(m.ID), "private_ip": types.StringValue(m.PrivateIP),
			"state": types.StringValue(state), "host_public_key": key,
		}))
	}
	return types.ListValueMust(types.ObjectType{AttrTypes: workspaceMachineAttrTypes}, elems)
}

// membersOf reads members, as bastion admins (name and key).
func membersOf(v types.List) ([]bastion.Admin, bool) { return adminsOf(v) }

// gatewaysOf is the workspace's data gateways, each with its client secret
// taken from the configuration (write-only: the plan and the state hold
// none); nil while a value is unknown (at plan: they are all known at
// apply).
func gatewaysOf(plan, cfg types.List) []workspace.DataGateway {
	if plan.IsNull() || plan.IsUnknown() || cfg.IsUnknown() {
		return nil
	}
	secrets := cfg.Elements()
	var out []workspace.DataGateway
	for i, e := range plan.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsUnknown() {
			return nil
		}
		a := o.Attributes()
		g := workspace.DataGateway{}
		for _, f := range []struct {
			name string
			to   *string
		}{{"bucket", &g.Bucket}, {"endpoint", &g.Endpoint}, {"tls_ca_certificate", &g.CAPEM}, {"client_access_key_id", &g.AccessKeyID}} {
			v, _ := a[f.name].(types.String)
			if v.IsUnknown() {
				return nil
			}
			*f.to = v.ValueString()
		}
		if i < len(secrets) {
			if so, ok := secrets[i].(types.Object); ok && !so.IsNull() {
				v, _ := so.Attributes()["client_secret_access_key"].(types.String)
				if v.IsUnknown() {
					return nil
				}
				g.SecretAccessKey = v.ValueString()
			}
		}
		out = append(out, g)
	}
	return out
}

// gatewayFactsOf is what the workspace's data gateways serve, for the
// compliance controls.
func gatewayFactsOf(v types.List) []compliance.GatewayFacts {
	var out []compliance.GatewayFacts
	for _, e := range v.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsNull() || o.IsUnknown() {
			continue
		}
		a := o.Attributes()
		b, _ := a["bucket"].(types.String)
		prefixes, _ := a["prefixes"].(types.List)
		p, _ := knownStrings(prefixes)
		out = append(out, compliance.GatewayFacts{Bucket: b.ValueString(), Prefixes: p})
	}
	return out
}

// hostKeysByID are the host public keys the machines of v have, by id.
func hostKeysByID(v types.List) map[string]string {
	out := map[string]string{}
	if v.IsNull() || v.IsUnknown() {
		return out
	}
	for _, e := range v.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsNull() || o.IsUnknown() {
			continue
		}
		a := o.Attributes()
		id, _ := a["id"].(types.String)
		key, _ := a["host_public_key"].(types.String)
		if id.ValueString() != "" && key.ValueString() != "" {
			out[id.ValueString()] = key.ValueString()
		}
	}
	return out
}
