package provider

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/keymanager"
)

// keyManagerModel is health_warehouse_key_manager's data.
type keyManagerModel struct {
	ID                types.String   `tfsdk:"id"`
	NetworkID         types.String   `tfsdk:"network_id"`
	NetworkRules      types.List     `tfsdk:"network_rules"`
	Name              types.String   `tfsdk:"name"`
	Servers           types.Int64    `tfsdk:"servers"`
	Size              types.String   `tfsdk:"size"`
	PackageMirror     types.Object   `tfsdk:"package_mirror"`
	OpenBaoMirror     types.String   `tfsdk:"openbao_mirror"`
	OpenBaoSHA256     types.String   `tfsdk:"openbao_sha256"`
	Tags              types.Map      `tfsdk:"tags"`
	Backend           types.String   `tfsdk:"backend"`
	Address           types.String   `tfsdk:"address"`
	CACertPEM         types.String   `tfsdk:"ca_cert_pem"`
	Nodes             types.List     `tfsdk:"nodes"`
	InitInstructions  types.String   `tfsdk:"init_instructions"`
	CloudIDs          types.Map      `tfsdk:"cloud_ids"`
	ComplianceExcepts types.List     `tfsdk:"compliance_exceptions"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

var keyManagerNodeAttrTypes = map[string]attr.Type{
	"index":      types.Int64Type,
	"id":         types.StringType,
	"name":       types.StringType,
	"private_ip": types.StringType,
	"vm_state":   types.StringType,
}

var keyManagerNodeType = types.ObjectType{AttrTypes: keyManagerNodeAttrTypes}

// keyManagerNode is one element of nodes.
type keyManagerNode struct {
	Index     int
	ID        string
	Name      string
	PrivateIP string
	VMState   string
}

func keyManagerNodesValue(nodes []keyManagerNode) types.List {
	elems := make([]attr.Value, 0, len(nodes))
	for _, n := range nodes {
		elems = append(elems, types.ObjectValueMust(keyManagerNodeAttrTypes, map[string]attr.Value{
			"index":      types.Int64Value(int64(n.Index)),
			"id":         types.StringValue(n.ID),
			"name":       types.StringValue(n.Name),
			"private_ip": types.StringValue(n.PrivateIP),
			"vm_state":   types.StringValue(n.VMState),
		}))
	}
	return types.ListValueMust(keyManagerNodeType, elems)
}

// keyManagerNodesOf reads nodes; unknown elements or values are skipped.
func keyManagerNodesOf(v types.List) []keyManagerNode {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	var out []keyManagerNode
	for _, e := range v.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsUnknown() || o.IsNull() {
			continue
		}
		a := o.Attributes()
		str := func(k string) string { s, _ := a[k].(types.String); return s.ValueString() }
		index, _ := a["index"].(types.Int64)
		out = append(out, keyManagerNode{Index: int(index.ValueInt64()), ID: str("id"), Name: str("name"),
			PrivateIP: str("private_ip"), VMState: str("vm_state")})
	}
	return out
}

// ref is what the state knows of the key manager, for the cloud.
func (m *keyManagerModel) ref() cloud.KeyManagerCluster {
	k := cloud.KeyManagerCluster{
		ID:        m.ID.ValueString(),
		Name:      m.Name.ValueString(),
		Backend:   m.Backend.ValueString(),
		NetworkID: m.NetworkID.ValueString(),
		Tags:      stringMap(m.Tags),
		CloudIDs:  stringMap(m.CloudIDs),
	}
	for _, n := range keyManagerNodesOf(m.Nodes) {
		k.NodeAddresses = append(k.NodeAddresses, n.PrivateIP)
	}
	return k
}

// setFromCloud sets the attributes the cloud decides. previousCA is the
// state's ca_cert_pem, kept where the servers' user-data cannot be read.
func (m *keyManagerModel) setFromCloud(k cloud.KeyManagerCluster, previousCA types.String) {
	m.ID = types.StringValue(k.ID)
	if k.ID == "" {
		m.ID = types.StringValue(k.CloudIDs["security_group"] + k.CloudIDs["okms"])
	}
	m.Backend = types.StringValue(k.Backend)
	m.CloudIDs = stringMapValue(k.CloudIDs)
	if k.Backend == cloud.BackendOKMS {
		m.Address = types.StringValue(k.Address)
		m.CACertPEM = types.StringNull()
		if k.CACertPEM != "" {
			m.CACertPEM = types.StringValue(k.CACertPEM)
		}
		m.Nodes = keyManagerNodesValue(nil)
		m.InitInstructions = types.StringValue(keymanager.OKMSRunbook(k.ID, k.Region, k.Address))
		return
	}
	m.Address = types.StringNull()
	if k.Address != "" {
		m.Address = types.StringValue(k.Address)
	}
	var nodes []keyManagerNode
	var issuers []string
	for i, ip := range k.NodeAddresses {
		index := i + 1
		n := keyManagerNode{Index: index, Name: cloud.KeyManagerNodeName(k.Name, index), PrivateIP: ip, VMState: vmStateTerminated}
		if live, ok := k.Node(index); ok {
			n.ID, n.VMState = live.ID, vmStateRunning
			if !live.Running {
				n.VMState = strings.ToLower(live.State)
			}
			if live.Name != "" {
				n.Name = live.Name
			}
			if rec, err := keymanager.Recover(live.UserData); err == nil && rec.Issuer != "" {
				issuers = append(issuers, rec.Issuer)
			}
		}
		nodes = append(nodes, n)
	}
	m.Nodes = keyManagerNodesValue(nodes)
	switch {
	case len(issuers) > 0:
		m.CACertPEM = types.StringValue(keymanager.Bundle(issuers...))
	case !previousCA.IsUnknown():
		m.CACertPEM = previousCA
	default:
		m.CACertPEM = types.StringNull()
	}
	m.InitInstructions = types.StringValue(keymanager.Runbook(keymanager.RunbookInput{Cluster: k.Name,
		Addresses: k.NodeAddresses, Mount: keymanager.DefaultMount}))
}

// kmsInbound derives, from the network's rules and subnets, the rules into
// the kms tier with their sources as CIDR blocks.
func kmsInbound(n cloud.Network, rules []cloud.Rule) []keymanager.InboundRule {
	var out []keymanager.InboundRule
	for _, r := range inboundRules(rules) {
		if r.Tier != cloud.TierKMS {
			continue
		}
		source := r.Source
		if tier, ok := strings.CutPrefix(source, "tier:"); ok {
			sub, found := n.Subnets[tier]
			if !found || sub.CIDR == "" {
				continue
			}
			source = sub.CIDR
		}
		out = append(out, keymanager.InboundRule{Protocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort, Source: source, Purpose: r.Purpose})
	}
	return out
}

// kmsRules keeps the inbound rules into the kms tier: the only ones the
// servers' firewall applies.
func kmsRules(rules []cloud.Rule) []cloud.Rule {
	var out []cloud.Rule
	for _, r := range inboundRules(rules) {
		if r.Tier == cloud.TierKMS {
			out = append(out, r)
		}
	}
	return out
}

// renderedNodes are the servers the provider is about to make: their
// specs with the user-data, and the CA that signed them.
type renderedNodes struct {
	specs []cloud.KeyManagerNodeSpec
	caPEM string
}

// renderNodes makes a CA for the servers of want (positions in layout),
// their certificates and host keys, and renders their user-data; the CA's
// key is dropped before it returns. trusted are the CAs the other servers
// chain to, which the new servers trust too.
func renderNodes(cluster string, n cloud.Network, rules []cloud.Rule, mirrors serverMirrors, size string, layout []string, want []int,
	trusted string, now time.Time) (renderedNodes, error) {
	peers := make([]keymanager.Node, len(layout))
	for i, ip := range layout {
		peers[i] = keymanager.Node{Index: i + 1, Name: cloud.KeyManagerNodeName(cluster, i+1), IP: ip}
	}
	var made []keymanager.Node
	for _, i := range want {
		made = append(made, peers[i-1])
	}
	ca, err := keymanager.NewCA(cluster, made, now)
	if err != nil {
		return renderedNodes{}, err
	}
	defer ca.Discard()
	out := renderedNodes{caPEM: ca.CertPEM()}
	bundle := keymanager.Bundle(trusted, ca.CertPEM())
	token := newClientToken()
	for _, node := range made {
		cert, key, err := ca.Issue(node, now)
		if err != nil {
			return renderedNodes{}, err
		}
		hostKey, err := bastion.GenerateHostKey(node.Name)
		if err != nil {
			return renderedNodes{}, err
		}
		userData, err := keymanager.Render(keymanager.Config{
			Cluster: cluster, NetworkID: n.ID, Cloud: cloud.Outscale, Size: size, Node: node, Peers: peers,
			Mount: keymanager.DefaultMount, Version: keymanager.OpenBaoVersion, HostKey: hostKey,
			TLS:           keymanager.ServerTLS{TrustBundle: bundle, Issuer: ca.CertPEM(), Cert: cert, Key: key},
			Inbound:       kmsInbound(n, rules),
			NetworkRules:  networkRulesOf(rules),
			PackageMirror: mirrors.packages, OpenBaoMirror: mirrors.openBao, OpenBaoSHA256: mirrors.openBaoSHA256,
		})
		if err != nil {
			return renderedNodes{}, fmt.Errorf("rendering the configuration of %s: %w", node.Name, err)
		}
		out.specs = append(out.specs, cloud.KeyManagerNodeSpec{Index: node.Index, Name: node.Name, PrivateIP: node.IP,
			UserData: userData, HostKeyFingerprint: hostKey.Fingerprint, ClientToken: token + "-" + strconv.Itoa(node.Index)})
	}
	return out, nil
}

// adoptRecovered fills, after an import, what the servers' user-data
// records: the size and the network's rules the cluster was made with.
func (m *keyManagerModel) adoptRecovered(k cloud.KeyManagerCluster, diags *diag.Diagnostics) {
	for _, n := range k.Nodes {
		rec, err := keymanager.Recover(n.UserData)
		if err != nil {
			continue
		}
		if m.Size.IsNull() && rec.Spec.Size != "" {
			m.Size = types.StringValue(rec.Spec.Size)
		}
		if m.NetworkRules.IsNull() {
			m.NetworkRules = rulesValue(cloudRulesOf(rec.Spec.NetworkRules))
		}
		if m.PackageMirror.IsNull() && rec.Spec.PackageMirror != nil {
			m.PackageMirror = packageMirrorValue(rec.Spec.PackageMirror)
		}
		if m.OpenBaoMirror.IsNull() && rec.Spec.OpenBaoMirror != "" {
			m.OpenBaoMirror = types.StringValue(rec.Spec.OpenBaoMirror)
		}
		if m.OpenBaoSHA256.IsNull() && rec.Spec.OpenBaoSHA256 != "" {
			m.OpenBaoSHA256 = types.StringValue(rec.Spec.OpenBaoSHA256)
		}
		return
	}
	if len(k.Nodes) > 0 {
		diags.AddWarning("Key Manager Made Elsewhere",
			fmt.Sprintf("The servers of %s were not configured by this provider: only what the cloud holds was imported. "+
				"The next plan shows the configuration it would give them.", m.ID.ValueString()))
	}
}

// keyManagerServers validates servers: 1, 3 or 5.
type keyManagerServers struct{}

func (keyManagerServers) Description(context.Context) string {
	return "value must be 1, 3 or 5: a Raft cluster needs an odd number of voters"
}
func (v keyManagerServers) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (keyManagerServers) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	n := int(req.ConfigValue.ValueInt64())
	if slices.Contains(cloud.KeyManagerServerCounts, n) {
		return
	}
	why := "an even number of servers tolerates no more failures than one fewer, and splits votes"
	switch {
	case n < 1:
		why = "a key manager needs at least one server"
	case n > 5:
		why = "more than five voters slows every write and survives no more failures that matter"
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid Number of Key Manager Servers",
		fmt.Sprintf("%s: %d is not 1, 3 or 5 (%s). Three servers survive the loss of one; five, of two; one is for tests.", req.Path, n, why))
}

// keyManagerName validates name with the renderer's rule.
type keyManagerName struct{}

func (keyManagerName) Description(context.Context) string {
	return "value must be " + keymanager.NameRule
}
func (v keyManagerName) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (keyManagerName) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := keymanager.CheckName(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Key Manager Name",
			fmt.Sprintf("%s: %s. Its servers are named <name>-1, <name>-2, …, which must be host names.", req.Path, err))
	}
}

// keyManagerSize validates size: a size name, or an OUTSCALE VM type.
type keyManagerSize struct{}

func (keyManagerSize) Description(context.Context) string {
	return "value must be small, medium, large, or an OUTSCALE VM type such as tinav6.c2r4p2"
}
func (v keyManagerSize) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (keyManagerSize) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if slices.Contains(cloud.Sizes, s) || vmTypePattern.MatchString(s) {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid Key Manager Size",
		fmt.Sprintf("%s: %q is neither a size (small, medium, large) nor a VM type such as tinav6.c2r4p2.", req.Path, s))
}
