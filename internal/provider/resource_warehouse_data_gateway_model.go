package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// dataGatewayModel is health_warehouse_data_gateway's data.
type dataGatewayModel struct {
	ID                    types.String   `tfsdk:"id"`
	VMID                  types.String   `tfsdk:"vm_id"`
	NetworkID             types.String   `tfsdk:"network_id"`
	Name                  types.String   `tfsdk:"name"`
	Size                  types.String   `tfsdk:"size"`
	VMType                types.String   `tfsdk:"vm_type"`
	Image                 types.String   `tfsdk:"image"`
	ImageID               types.String   `tfsdk:"image_id"`
	KMSKeyID              types.String   `tfsdk:"kms_key_id"`
	Bucket                types.Object   `tfsdk:"bucket"`
	ClientAccessKeyID     types.String   `tfsdk:"client_access_key_id"`
	ClientSecretAccessKey types.String   `tfsdk:"client_secret_access_key"`
	ClientSecretVersion   types.Int64    `tfsdk:"client_secret_version"`
	Clients               types.Set      `tfsdk:"clients"`
	Port                  types.Int64    `tfsdk:"port"`
	Rclone                types.Object   `tfsdk:"rclone"`
	PackageMirror         types.Object   `tfsdk:"package_mirror"`
	Tags                  types.Map      `tfsdk:"tags"`
	VMState               types.String   `tfsdk:"vm_state"`
	PrivateIP             types.String   `tfsdk:"private_ip"`
	Endpoint              types.String   `tfsdk:"endpoint"`
	TLSCACertificate      types.String   `tfsdk:"tls_ca_certificate"`
	DataKeyObject         types.String   `tfsdk:"data_key_object"`
	ReadOnly              types.Bool     `tfsdk:"read_only"`
	Prefixes              types.List     `tfsdk:"prefixes"`
	UserDataSHA256        types.String   `tfsdk:"user_data_sha256"`
	CloudIDs              types.Map      `tfsdk:"cloud_ids"`
	Timeouts              timeouts.Value `tfsdk:"timeouts"`
}

var gatewayBucketAttrTypes = map[string]attr.Type{
	"name":              types.StringType,
	"endpoint":          types.StringType,
	"region":            types.StringType,
	"access_key_id":     types.StringType,
	"secret_access_key": types.StringType,
}

var rcloneAttrTypes = map[string]attr.Type{
	"version": types.StringType,
	"mirror":  types.StringType,
	"sha256":  types.StringType,
}

// Defaults of the data gateway.
const defaultGatewayPort = cloud.PortStorage

// defaultGatewayClients are the tiers that may reach a gateway unless told
// otherwise: the research workloads.
var defaultGatewayClients = []string{cloud.TierCompute}

// gatewayBucket is the bucket block, secret included when read from the
// configuration.
type gatewayBucket struct {
	Name, Endpoint, Region, AccessKeyID, SecretAccessKey types.String
}

func gatewayBucketOf(v types.Object) *gatewayBucket {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	a := v.Attributes()
	get := func(k string) types.String { s, _ := a[k].(types.String); return s }
	return &gatewayBucket{Name: get("name"), Endpoint: get("endpoint"), Region: get("region"),
		AccessKeyID: get("access_key_id"), SecretAccessKey: get("secret_access_key")}
}

// value is the block as the state keeps it: without the secret.
func (b gatewayBucket) value() types.Object {
	return types.ObjectValueMust(gatewayBucketAttrTypes, map[string]attr.Value{
		"name": b.Name, "endpoint": b.Endpoint, "region": b.Region,
		"access_key_id": b.AccessKeyID, "secret_access_key": types.StringNull(),
	})
}

// rcloneSettings is the rclone block.
type rcloneSettings struct {
	Version, Mirror, SHA256 string
}

func rcloneOf(v types.Object) (rcloneSettings, bool) {
	if v.IsNull() || v.IsUnknown() {
		return rcloneSettings{}, false
	}
	a := v.Attributes()
	get := func(k string) string { s, _ := a[k].(types.String); return s.ValueString() }
	return rcloneSettings{Version: get("version"), Mirror: get("mirror"), SHA256: get("sha256")}, true
}

func (s rcloneSettings) value() types.Object {
	return types.ObjectValueMust(rcloneAttrTypes, map[string]attr.Value{
		"version": types.StringValue(s.Version), "mirror": types.StringValue(s.Mirror), "sha256": types.StringValue(s.SHA256),
	})
}

// ref is the gateway's VM as the last state names it.
func (m *dataGatewayModel) ref() cloud.DataGateway {
	return cloud.DataGateway{ID: m.ID.ValueString(), Name: m.Name.ValueString(), NetworkID: m.NetworkID.ValueString(),
		Tags: stringMap(m.Tags), CloudIDs: vmIDsOf(stringMap(m.CloudIDs))}
}

// vmIDsOf keeps the VM's own ids of a gateway's cloud_ids: not those of
// its identities.
func vmIDsOf(ids map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range ids {
		if !strings.HasPrefix(k, "audit_writer.") && !strings.HasPrefix(k, cloud.KeyCredentialID) {
			out[k] = v
		}
	}
	return out
}

// setFromCloud records the VM as the cloud holds it, keeping the ids of the
// gateway's identities.
func (m *dataGatewayModel) setFromCloud(g cloud.DataGateway) {
	m.ID = types.StringValue(g.ID)
	if g.ID == "" {
		m.ID = types.StringValue(g.CloudIDs["vm"] + g.CloudIDs["instance"])
	}
	m.VMID = m.ID
	state := vmStateRunning
	if !g.Running {
		state = strings.ToLower(g.State)
	}
	if g.State == "" {
		state = "unknown"
	}
	m.VMState = types.StringValue(state)
	m.PrivateIP = types.StringValue(g.PrivateIP)
	if g.PrivateIP != "" && !m.Port.IsNull() && !m.Port.IsUnknown() {
		m.Endpoint = types.StringValue(gatewayEndpoint(g.PrivateIP, m.Port.ValueInt64()))
	} else if m.Endpoint.IsUnknown() {
		m.Endpoint = types.StringNull()
	}
	if g.ImageID != "" {
		m.ImageID = types.StringValue(g.ImageID)
	}
	if g.Type != "" {
		m.VMType = types.StringValue(g.Type)
	}
	if g.UserDataSHA256 != "" {
		m.UserDataSHA256 = types.StringValue(g.UserDataSHA256)
	}
	ids := map[string]string{}
	if !m.CloudIDs.IsUnknown() {
		for k, v := range stringMap(m.CloudIDs) {
			if _, vm := vmIDsOf(map[string]string{k: v})[k]; !vm {
				ids[k] = v
			}
		}
	}
	for k, v := range g.CloudIDs {
		ids[k] = v
	}
	m.CloudIDs = stringMapValue(ids)
	for _, v := range []*types.String{&m.ImageID, &m.UserDataSHA256, &m.PrivateIP} {
		if v.IsUnknown() {
			*v = types.StringNull()
		}
	}
}

// gatewayEndpoint is the URL clients reach a gateway at.
func gatewayEndpoint(ip string, port int64) string {
	if port == cloud.PortStorage {
		return "https://" + ip
	}
	return fmt.Sprintf("https://%s:%d", ip, port)
}
