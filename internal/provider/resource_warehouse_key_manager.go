package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/compliance"
	"github.com/sovhealth/terraform-provider-health/internal/keymanager"
)

var (
	_ resource.ResourceWithConfigure      = (*warehouseKeyManagerResource)(nil)
	_ resource.ResourceWithImportState    = (*warehouseKeyManagerResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*warehouseKeyManagerResource)(nil)
	_ resource.ResourceWithValidateConfig = (*warehouseKeyManagerResource)(nil)
)

// NewWarehouseKeyManagerResource returns the health_warehouse_key_manager
// resource.
func NewWarehouseKeyManagerResource() resource.Resource { return &warehouseKeyManagerResource{} }

// warehouseKeyManagerResource is what health_warehouse_kms_key keeps its
// keys in: on OUTSCALE, whose API has no KMS, a cluster of OpenBao servers
// the customer holds, in the network's kms tier; on OVHcloud, the OVHcloud
// KMS (OKMS) the provider's kms_id names, which it only reads.
type warehouseKeyManagerResource struct {
	data *providerData
}

// Default timeouts: VMs, and on OUTSCALE a wait for terminations.
const (
	keyManagerCreateTimeout = 30 * time.Minute
	keyManagerReadTimeout   = 5 * time.Minute
	keyManagerUpdateTimeout = 30 * time.Minute
	keyManagerDeleteTimeout = 30 * time.Minute
)

func (r *warehouseKeyManagerResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_warehouse_key_manager"
}

func (r *warehouseKeyManagerResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	lost := " Changing it on OUTSCALE replaces the key manager, **which destroys every key it holds** (the plan warns)."
	resp.Schema = schema.Schema{
		MarkdownDescription: "The warehouse's key manager: where `health_warehouse_kms_key` keeps the keys. The same HCL on " +
			"both clouds, two very different things behind it:\n\n" +
			"  - **OUTSCALE** (`backend = \"openbao\"`), whose API has no KMS: a cluster of 1, 3 or 5 OpenBao servers " +
			"(the open-source, Vault-compatible key manager) that the customer holds, in the network's `kms` tier, with no " +
			"public address. The provider makes the VMs, installs a pinned OpenBao release, joins the servers with Raft " +
			"integrated storage, and gives each a TLS certificate signed by a CA it makes and forgets. OpenBao starts " +
			"**sealed and uninitialised**: initialising it and holding the unseal key shares is yours (`init_instructions`). " +
			"The host (OUTSCALE) never holds OpenBao's keys.\n" +
			"  - **OVHcloud** (`backend = \"ovh-okms\"`): nothing is made. The resource reads the OVHcloud KMS (OKMS) named " +
			"by the provider's `ovh.kms_id` and publishes its endpoint. Its keys are OVHcloud-held, in OVHcloud's HSMs, not " +
			"customer-held.\n\n" +
			"The provider's `kms_address` and `kms_ca_cert` (OUTSCALE) come from this resource's `address` and " +
			"`ca_cert_pem`, in a second apply, once the key holders have initialised OpenBao (see the two-stage apply below).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "On OUTSCALE, the id of the cluster's security group (`sg-…`), which lives as long as the " +
					"cluster; on OVHcloud, the OKMS id. Use it to import.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"network_id": schema.StringAttribute{
				MarkdownDescription: "The `id` of the `health_warehouse_network` the key manager serves. On OUTSCALE its servers " +
					"go in the network's `kms` subnet and security group, reachable from the `compute` tier on 8200 and from " +
					"the bastion on 22." + lost,
				Required:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{replaceUnlessAdopting()},
			},
			"network_rules": schema.ListNestedAttribute{
				MarkdownDescription: "The network's rules: set it to `health_warehouse_network.<name>.rules`, as for the " +
					"bastion. On OUTSCALE each server's own firewall (nftables) applies the rules into the `kms` tier, on top " +
					"of the security groups; servers keep the rules of their first boot, so a change here is recorded in " +
					"place, applies to servers made later, and the plan says so. Nothing uses them on OVHcloud.",
				Required:     true,
				NestedObject: schema.NestedAttributeObject{Attributes: networkRuleAttributes()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the key manager, such as `cohort-2026-kms`: " + keymanager.NameRule + ". Its " +
					"servers are `<name>-1`, `<name>-2`, … (host names, Raft node ids, certificate names)." + lost,
				Required:      true,
				Validators:    []validator.String{keyManagerName{}},
				PlanModifiers: []planmodifier.String{replaceUnlessAdopting()},
			},
			"package_mirror": schema.SingleNestedAttribute{
				MarkdownDescription: "OUTSCALE: where apt takes the servers' packages from, at first boot and for the " +
					"automatic security updates after. Default: Debian's archive, `http://deb.debian.org/debian` and " +
					"`http://deb.debian.org/debian-security` (the servers run Debian 12). apt checks every package against the " +
					"archive's signed Release file. Ignored on OVHcloud." + mirrorsCheckedText + firstBootOnly,
				Optional: true,
				Computed: true,
				Attributes: map[string]schema.Attribute{
					"primary": schema.StringAttribute{
						MarkdownDescription: "The distribution's archive, such as `http://deb.debian.org/debian`.",
						Required:            true,
						Validators:          []validator.String{mirrorURL{}},
					},
					"security": schema.StringAttribute{
						MarkdownDescription: "The security archive, such as `http://deb.debian.org/debian-security`.",
						Required:            true,
						Validators:          []validator.String{mirrorURL{}},
					},
				},
			},
			"openbao_mirror": schema.StringAttribute{
				MarkdownDescription: "OUTSCALE: the URL holding the files of OpenBao's release " + keymanager.OpenBaoVersion +
					" (its Debian packages, `bao_<version>_linux_<arch>.deb`, and its checksums file, `checksums-linux.txt`), " +
					"from which each server installs OpenBao at first boot. Default: the release on GitHub, `" +
					keymanager.DefaultOpenBaoMirror(keymanager.OpenBaoVersion) + "` (GitHub answers with a redirect to " +
					"`release-assets.githubusercontent.com` or `objects.githubusercontent.com`, which the kms tier must reach " +
					"too). Use a mirror of your own, inside the warehouse's reach, to keep the kms tier off the Internet. A " +
					"plain `http://` mirror needs `openbao_sha256`. Ignored on OVHcloud." + mirrorsCheckedText + firstBootOnly,
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{mirrorURL{}},
			},
			"openbao_sha256": schema.StringAttribute{
				MarkdownDescription: "OUTSCALE: the SHA-256 of OpenBao's Debian package for the servers' architecture " +
					"(amd64), as `sha256sum` prints it. Given, the servers install the package only if it has this checksum, " +
					"whatever the mirror serves; left out, they check it against the release's checksums file, fetched from " +
					"the same mirror, which proves the download is whole but not who made it. Ignored on OVHcloud." + firstBootOnly,
				Optional:   true,
				Validators: []validator.String{sha256Hex{}},
			},
			"servers": schema.Int64Attribute{
				MarkdownDescription: "OUTSCALE: how many OpenBao servers form the Raft cluster: `1`, `3` (default) or `5`. " +
					"Three keep serving with one down, five with two; one is for tests. Ignored on OVHcloud, whose KMS is a " +
					"service (the plan notes it)." + lost,
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(cloud.DefaultKeyManagerServers),
				Validators: []validator.Int64{keyManagerServers{}},
			},
			"size": schema.StringAttribute{
				MarkdownDescription: "OUTSCALE: the servers' size, as the bastion's: `small` (default, `tinav6.c2r4p2`), " +
					"`medium` (`tinav6.c4r8p2`), `large` (`tinav6.c8r16p2`), or an OUTSCALE VM type. A transit engine " +
					"serving a warehouse's key wrapping is light work: `small` is plenty. Ignored on OVHcloud." + lost,
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(defaultSize),
				Validators: []validator.String{keyManagerSize{}},
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "Tags on the servers and the cluster's security group (OUTSCALE); kept in the state only " +
					"on OVHcloud. Keys `Name` and `health:*` are reserved. Changes in place.",
				Optional:    true,
				ElementType: types.StringType,
				Validators:  []validator.Map{userTagKeys{}},
			},
			"backend": schema.StringAttribute{
				MarkdownDescription: "`openbao` (OUTSCALE: your OpenBao cluster) or `ovh-okms` (OVHcloud: the OVHcloud KMS). " +
					"Known at plan time.",
				Computed: true,
			},
			"address": schema.StringAttribute{
				MarkdownDescription: "The key manager's API. OUTSCALE: `https://<first server's private IP>:8200` (any " +
					"unsealed server answers, standbys forward to the active one): the provider's `outscale.kms_address` " +
					"in the second apply. OVHcloud: the OKMS REST endpoint.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"ca_cert_pem": schema.StringAttribute{
				MarkdownDescription: "What clients trust. OUTSCALE: the certificate(s) of the CA(s) that signed the servers' TLS " +
					"certificates, a PEM bundle: one CA at creation; a server made again later gets a CA of its own, added " +
					"here. Give it to the provider's `outscale.kms_ca_cert` and to the applications. The CAs' private keys are " +
					"dropped after signing and exist nowhere. OVHcloud: the public CA(s) of the OVHcloud KMS (OKMS), as its API publishes them.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"nodes": schema.ListNestedAttribute{
				MarkdownDescription: "The OpenBao servers (OUTSCALE), in order; empty on OVHcloud. A server stopped outside " +
					"Terraform is started by the next apply; one terminated is made again at its address (it comes back " +
					"empty and sealed: unseal it, and Raft copies the data to it).",
				Computed:      true,
				PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"index":      schema.Int64Attribute{MarkdownDescription: "The server's position, from 1.", Computed: true},
					"id":         schema.StringAttribute{MarkdownDescription: "The VM's id (`i-…`).", Computed: true},
					"name":       schema.StringAttribute{MarkdownDescription: "Its host name and Raft node id, `<name>-<index>`.", Computed: true},
					"private_ip": schema.StringAttribute{MarkdownDescription: "Its address in the kms subnet, in its certificate.", Computed: true},
					"vm_state": schema.StringAttribute{
						MarkdownDescription: "`running`, or the state read from the cloud (`stopped`, `terminated`), which the " +
							"next apply repairs. It says nothing of OpenBao's seal, which the cloud cannot see.",
						Computed: true,
					},
				}},
			},
			"init_instructions": schema.StringAttribute{
				MarkdownDescription: "A short Markdown runbook: how to initialise and unseal OpenBao, who holds the key shares, " +
					"how to give the provider its token (OUTSCALE); why there is nothing to do (OVHcloud).",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"cloud_ids": schema.MapAttribute{
				MarkdownDescription: "Ids of the key manager's cloud objects: `security_group` and `vm.<index>` on OUTSCALE, " +
					"`okms` on OVHcloud.",
				Computed:      true,
				ElementType:   types.StringType,
				PlanModifiers: []planmodifier.Map{mapUseStateForUnknown()},
			},
			"compliance_exceptions": complianceExceptionsAttribute(),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *warehouseKeyManagerResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks the exceptions against the controls that look at
// key managers.
func (r *warehouseKeyManagerResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg keyManagerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateExceptions(compliance.KindKeyManager, cfg.ComplianceExcepts, &resp.Diagnostics)
}

// ModifyPlan fills in the backend, holds the plan to the compliance
// profile, warns before anything would destroy an OpenBao cluster's keys,
// and plans the repair of servers stopped or terminated outside Terraform.
func (r *warehouseKeyManagerResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var state *keyManagerModel
	if !req.State.Raw.IsNull() {
		state = &keyManagerModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if req.Plan.Raw.IsNull() {
		if state != nil && state.Backend.ValueString() == cloud.BackendOpenBao {
			resp.Diagnostics.AddWarning("Destroying the Key Manager Destroys Its Keys", keysLost(state, "Destroying"))
		}
		return
	}
	var plan, cfg keyManagerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || r.data == nil {
		return
	}
	backend := r.data.cloud.KeyManagerBackend()
	plan.Backend = types.StringValue(backend)
	enforceCompliance(ctx, r.data, compliance.Subject{Kind: compliance.KindKeyManager, Name: plan.Name.ValueString()},
		exceptionsFrom(plan.ComplianceExcepts), &resp.Diagnostics)
	if backend == cloud.BackendOKMS && !cfg.Servers.IsNull() {
		resp.Diagnostics.AddAttributeWarning(path.Root("servers"), "Servers Ignored on OVHcloud",
			fmt.Sprintf("servers = %s has no effect on OVHcloud: the key manager is the OVHcloud KMS (OKMS), a service "+
				"OVHcloud runs; the provider makes no server there.", cfg.Servers))
	}
	r.planMirrors(&plan, cfg, state, backend, resp)
	if state == nil || backend != cloud.BackendOpenBao {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}

	// What replaces an OpenBao cluster, and so loses its keys: a new value,
	// or one unknown until apply (such as the id of a network replaced).
	var replaced []string
	for _, a := range []struct {
		name          string
		planned, prev attr.Value
		ownModifier   bool // the attribute's plan modifier asks for the replacement
	}{
		{"name", plan.Name, state.Name, true},
		{"network_id", plan.NetworkID, state.NetworkID, true},
		{"servers", plan.Servers, state.Servers, false},
		{"size", plan.Size, state.Size, false},
	} {
		if a.prev.IsNull() || a.planned.Equal(a.prev) {
			continue
		}
		replaced = append(replaced, a.name)
		if !a.ownModifier {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root(a.name))
		}
	}
	if len(replaced) > 0 {
		resp.Diagnostics.AddWarning("Replacing the Key Manager Destroys Its Keys",
			keysLost(state, "Changing "+strings.Join(replaced, ", ")+" replaces the key manager. Replacing it"))
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	if !state.NetworkRules.IsNull() && !plan.NetworkRules.IsUnknown() &&
		!sameRules(kmsRules(rulesFromValue(state.NetworkRules)), kmsRules(rulesFromValue(plan.NetworkRules))) {
		resp.Diagnostics.AddAttributeWarning(path.Root("network_rules"), "Key Manager Servers Keep Their Firewall",
			"The network's rules into the kms tier changed. The servers' own firewalls were written at their first boot and "+
				"keep the rules they had; the security groups, which the network updates, enforce the new ones. Servers made "+
				"later (after one is terminated) get the new rules. Nothing is replaced: that would destroy the keys.")
	}
	// Servers stopped or terminated outside Terraform: the plan shows the
	// repair, done in place.
	nodes := keyManagerNodesOf(state.Nodes)
	drifted, gone := false, false
	elems := make([]attr.Value, 0, len(nodes))
	for _, n := range nodes {
		id := types.StringValue(n.ID)
		switch n.VMState {
		case vmStateRunning:
		case vmStateTerminated:
			drifted, gone = true, true
			id = types.StringUnknown()
		default:
			drifted = true
		}
		elems = append(elems, types.ObjectValueMust(keyManagerNodeAttrTypes, map[string]attr.Value{
			"index": types.Int64Value(int64(n.Index)), "id": id, "name": types.StringValue(n.Name),
			"private_ip": types.StringValue(n.PrivateIP), "vm_state": types.StringValue(vmStateRunning),
		}))
	}
	if drifted {
		plan.Nodes = types.ListValueMust(keyManagerNodeType, elems)
	}
	if gone {
		plan.CACertPEM = types.StringUnknown()
		plan.CloudIDs = types.MapUnknown(types.StringType)
		resp.Diagnostics.AddWarning("Key Manager Server Made Again",
			"A server of the key manager was terminated outside Terraform. The apply makes it again at its address, with a "+
				"new TLS certificate signed by a new CA, which ca_cert_pem adds: update the provider's kms_ca_cert and the "+
				"applications' trust. The new server starts empty and sealed; once its key holders unseal it, Raft copies the "+
				"cluster's data to it. If every server was lost, so is every key.")
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// keysLost says what destroying an OpenBao cluster means.
func keysLost(m *keyManagerModel, doing string) string {
	return fmt.Sprintf("%s the key manager %s (%s) destroys its OpenBao servers and their Raft storage: every key it holds "+
		"is lost, and with them everything they encrypted (crypto-shredding). Do it only to retire the warehouse, or "+
		"after restoring a Raft snapshot elsewhere. Guard it with lifecycle { prevent_destroy = true }.",
		doing, m.Name.ValueString(), m.ID.ValueString())
}

// diagnostic explains a cloud error; OKMS's missing settings are the key
// manager's.
func (r *warehouseKeyManagerResource) diagnostic(summary string, err error) diag.Diagnostic {
	if r.data != nil && r.data.cloud.KeyManagerBackend() == cloud.BackendOKMS {
		return kmsErrorDiagnostic(summary, err)
	}
	return cloudErrorDiagnostic(summary, err)
}

func (r *warehouseKeyManagerResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var plan keyManagerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, keyManagerCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := r.data.cloud
	name := plan.Name.ValueString()
	n, err := c.ReadNetwork(ctx, cloud.Network{ID: plan.NetworkID.ValueString()})
	if err != nil {
		if errors.Is(err, cloud.ErrNotFound) {
			resp.Diagnostics.AddAttributeError(path.Root("network_id"), "Warehouse Network Not Found",
				fmt.Sprintf("network_id %q names no network in %s: %s.", plan.NetworkID.ValueString(), cloud.Title(c.Name()), err))
			return
		}
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Warehouse Network "+plan.NetworkID.ValueString(), err))
		return
	}
	spec := cloud.KeyManagerSpec{Name: name, Network: n, Tags: stringMap(plan.Tags), ClientToken: newClientToken()}
	caPEM := types.StringNull()
	if c.KeyManagerBackend() == cloud.BackendOpenBao {
		count := int(plan.Servers.ValueInt64())
		layout, err := c.KeyManagerAddresses(ctx, n, count)
		if err != nil {
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Place the Key Manager's Servers", err))
			return
		}
		image, err := c.ResolveImage(ctx, cloud.ImageDebian12)
		if err != nil {
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Find the Key Manager's Image", err))
			return
		}
		all := make([]int, count)
		for i := range all {
			all[i] = i + 1
		}
		rendered, err := renderNodes(name, n, rulesFromValue(plan.NetworkRules), plan.mirrors(), plan.Size.ValueString(), layout, all, "", time.Now())
		if err != nil {
			resp.Diagnostics.AddError("Unable to Render the Key Manager's Configuration", err.Error())
			return
		}
		spec.Type, spec.ImageID, spec.Nodes = cloud.BastionType(c.Name(), plan.Size.ValueString()), image.ID, rendered.specs
		caPEM = types.StringValue(rendered.caPEM)
	}
	k, err := c.CreateKeyManager(ctx, spec)
	if err != nil {
		resp.Diagnostics.Append(r.diagnostic("Unable to Create the Warehouse Key Manager "+name, err))
		if k.ID == "" && len(k.CloudIDs) == 0 {
			return
		}
		resp.Diagnostics.AddWarning("Partially Created Warehouse Key Manager",
			fmt.Sprintf("%d cloud objects were made before the failure. They are recorded in the state, which marks the "+
				"key manager tainted: the next apply replaces it, and terraform destroy removes them. No key was in it yet.",
				len(k.CloudIDs)))
	}
	plan.setFromCloud(k, caPEM)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *warehouseKeyManagerResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var state keyManagerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, keyManagerReadTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	k, err := r.data.cloud.ReadKeyManager(ctx, state.ref())
	if errors.Is(err, cloud.ErrNotFound) {
		resp.Diagnostics.AddWarning("Warehouse Key Manager Gone",
			fmt.Sprintf("The key manager %s no longer exists in the cloud (%s); it was removed from the state, and the next "+
				"apply creates a new, empty one. The keys it held are not in the new one.", state.ID.ValueString(), err))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(r.diagnostic("Unable to Read the Warehouse Key Manager "+state.ID.ValueString(), err))
		return
	}
	importing := state.Name.IsNull()
	state.setFromCloud(k, state.CACertPEM)
	if k.Backend == cloud.BackendOpenBao {
		if len(k.Tags) > 0 || !state.Tags.IsNull() {
			state.Tags = stringMapValue(k.Tags)
		}
		if importing {
			if k.Name != "" {
				state.Name = types.StringValue(k.Name)
			}
			if k.NetworkID != "" {
				state.NetworkID = types.StringValue(k.NetworkID)
			}
			state.Servers = types.Int64Value(int64(len(k.NodeAddresses)))
			state.adoptRecovered(k, &resp.Diagnostics)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update starts the servers stopped outside Terraform, makes again those
// terminated, sets tags, and takes the configuration as declared where the
// cloud could not tell it (after an import on OVHcloud). Anything else
// replaces the key manager (the plan warns).
func (r *warehouseKeyManagerResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var plan, state keyManagerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, keyManagerUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := r.data.cloud
	id := state.ID.ValueString()
	k, err := c.ReadKeyManager(ctx, state.ref())
	if err != nil {
		resp.Diagnostics.Append(r.diagnostic("Unable to Read the Warehouse Key Manager "+id, err))
		return
	}
	if k.Backend == cloud.BackendOpenBao {
		if k, err = r.repair(ctx, k, plan, state, &resp.Diagnostics); err != nil {
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Repair the Warehouse Key Manager "+id, err))
			return
		}
		if !plan.Tags.Equal(state.Tags) {
			if k, err = c.UpdateKeyManagerTags(ctx, k, stringMap(plan.Tags)); err != nil {
				resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Update the Tags of the Warehouse Key Manager "+id, err))
				return
			}
		}
	}
	plan.setFromCloud(k, state.CACertPEM)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// repair starts the stopped servers and makes again the terminated ones,
// each with a certificate from a new CA, trusted next to the others'.
func (r *warehouseKeyManagerResource) repair(ctx context.Context, k cloud.KeyManagerCluster, plan, state keyManagerModel,
	diags *diag.Diagnostics) (cloud.KeyManagerCluster, error) {
	missing, stopped := k.MissingNodes(), k.StoppedNodes()
	if len(missing) == 0 && len(stopped) == 0 {
		return k, nil
	}
	c := r.data.cloud
	var replacements cloud.KeyManagerSpec
	if len(missing) > 0 {
		n, err := c.ReadNetwork(ctx, cloud.Network{ID: k.NetworkID})
		if err != nil {
			return k, fmt.Errorf("reading the network %s: %w", k.NetworkID, err)
		}
		image, err := c.ResolveImage(ctx, cloud.ImageDebian12)
		if err != nil {
			return k, err
		}
		rendered, err := renderNodes(k.Name, n, rulesFromValue(plan.NetworkRules), plan.mirrors(), plan.Size.ValueString(), k.NodeAddresses,
			missing, state.CACertPEM.ValueString(), time.Now())
		if err != nil {
			return k, err
		}
		replacements = cloud.KeyManagerSpec{Name: k.Name, Network: n, Type: cloud.BastionType(c.Name(), plan.Size.ValueString()),
			ImageID: image.ID, Nodes: rendered.specs, ClientToken: newClientToken()}
	}
	tflog.Info(ctx, "repairing the key manager", map[string]any{"id": k.ID, "missing": fmt.Sprint(missing), "stopped": fmt.Sprint(stopped)})
	repaired, err := c.RepairKeyManager(ctx, k, replacements)
	if err != nil {
		return repaired, err
	}
	for _, i := range stopped {
		diags.AddWarning("Key Manager Server Started",
			fmt.Sprintf("The server %s was stopped outside Terraform and is started again. OpenBao comes back sealed: "+
				"its key holders must unseal it (bao operator unseal).", cloud.KeyManagerNodeName(k.Name, i)))
	}
	for _, i := range missing {
		diags.AddWarning("Key Manager Server Made Again",
			fmt.Sprintf("The server %s was terminated outside Terraform and is made again at %s. It starts empty and sealed: "+
				"its key holders must unseal it, then Raft copies the cluster's data to it (if it does not join, remove its old "+
				"peer with bao operator raft remove-peer %s and restart it). ca_cert_pem now holds its new CA: update the "+
				"provider's kms_ca_cert and the applications' trust.", cloud.KeyManagerNodeName(k.Name, i), k.NodeAddresses[i-1],
				cloud.KeyManagerNodeName(k.Name, i)))
	}
	return repaired, nil
}

func (r *warehouseKeyManagerResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var state keyManagerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, keyManagerDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := r.data.cloud.DeleteKeyManager(ctx, state.ref()); err != nil {
		resp.Diagnostics.Append(r.diagnostic("Unable to Delete the Warehouse Key Manager "+state.ID.ValueString(), err))
	}
}

// ImportState takes the key manager's id: the cluster's security group
// (sg-…) on OUTSCALE, whose Read recovers the configuration from the tags
// and the servers' user-data; the OKMS id on OVHcloud, where the next apply
// takes the configuration as declared.
func (r *warehouseKeyManagerResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" {
		resp.Diagnostics.AddError("Invalid Import ID",
			"Import a key manager by its id: the cluster's security group (sg-…) on OUTSCALE, the OKMS id on OVHcloud.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}
