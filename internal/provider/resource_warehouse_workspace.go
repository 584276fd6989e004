package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/compliance"
	"github.com/sovhealth/terraform-provider-health/internal/workspace"
)

var (
	_ resource.ResourceWithConfigure   = (*warehouseWorkspaceResource)(nil)
	_ resource.ResourceWithImportState = (*warehouseWorkspaceResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*warehouseWorkspaceResource)(nil)
)

// NewWarehouseWorkspaceResource returns the health_warehouse_workspace
// resource.
func NewWarehouseWorkspaceResource() resource.Resource { return &warehouseWorkspaceResource{} }

// warehouseWorkspaceResource is an approved research project's workspace:
// its own security group in the compute tier, its research machines (in
// that group and the compute tier's), and an object storage identity
// limited to its datasets and its own buckets.
type warehouseWorkspaceResource struct {
	data *providerData
}

// Default timeouts: machines, and on OVHcloud operations.
const (
	workspaceCreateTimeout = 30 * time.Minute
	workspaceReadTimeout   = 5 * time.Minute
	workspaceUpdateTimeout = 30 * time.Minute
	workspaceDeleteTimeout = 30 * time.Minute
)

func (r *warehouseWorkspaceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_warehouse_workspace"
}

func (r *warehouseWorkspaceResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	rebuilt := " Changing it rebuilds the workspace's machines in place (the group, the identity and the buckets stay): " +
		"keep work in the working bucket."
	resp.Schema = schema.Schema{
		MarkdownDescription: "An approved research project's workspace, like-for-like with an AzureTRE workspace: research " +
			"machines in the network's `compute` tier, each in two security groups, the `compute` tier's (which the other " +
			"tiers' rules name) and one of the workspace's own (which holds its rules), reached by its members " +
			"through the bastion's recorded hops only, with no Internet egress (object storage, the data gateways, the key " +
			"manager and the network's `egress_allow` entries of the `compute` tier, such as a package mirror, and nothing " +
			"else), and an object storage identity of its own that may read the `datasets` granted, read and write its " +
			"`working_bucket`, read its airlock's `import_bucket` and write its `export_bucket`, and nothing else.\n\n" +
			"**Segregation.** One workspace cannot reach another's machines nor data. Machines: no rule of a workspace's " +
			"group admits another workspace's group or the `compute` tier, the `compute` tier's group admits SSH from the " +
			"`bastion` tier only (never the `compute` tier itself), and security groups only add what their rules allow, " +
			"so sharing the `compute` tier's group opens nothing between workspaces. Data: no policy names another " +
			"workspace's buckets. Control HW-WS-01 checks both, the `compute` tier's inbound rules in `network_rules` " +
			"included, at plan and from the cloud in the compliance report (with HW-WS-02 and HW-WS-03). A machine moved " +
			"out of its two groups (or put in another) outside Terraform reads as `detached`, and the next plan rebuilds " +
			"it.\n\n" +
			"**Credentials.** The machines get the identity's key in their user-data (root- and members-readable on the " +
			"machine, never in the plan or the state); members' own sessions use `health_warehouse_workspace_credentials`, " +
			"an ephemeral key made for one Terraform run and deleted after it.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The workspace's security group: `sg-…` on OUTSCALE, the Neutron group's UUID on OVHcloud. " +
					"Use it to import.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"network_id": schema.StringAttribute{
				MarkdownDescription: "The `id` of the `health_warehouse_network` whose `compute` tier receives the workspace. " +
					"Changing it replaces the workspace.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{replaceUnlessAdopting()},
			},
			"network_rules": schema.ListNestedAttribute{
				MarkdownDescription: "The network's rules: set it to `health_warehouse_network.<name>.rules`. The workspace's " +
					"group takes the `compute` tier's outbound rules from it (and admits SSH from the `bastion` tier only); " +
					"control HW-WS-01 refuses, at plan, a `compute` tier inbound rule in it that admits the `compute` tier, " +
					"`0.0.0.0/0` or a group that is no tier's (and, in the compliance report, which knows the subnets, any " +
					"block holding `compute` addresses): the machines are in the `compute` tier's group, so such a rule would " +
					"let every workspace reach the others.",
				Required:     true,
				NestedObject: schema.NestedAttributeObject{Attributes: networkRuleAttributes()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The workspace's name, such as `cohort-diabetes`: lower-case letters, digits and `-`, " +
					"starting with a letter, up to 40 characters. It names the group, the identity and the machines " +
					"(`<name>-1`, …). Changing it replaces the workspace.",
				Required: true,
				Validators: []validator.String{stringvalidator.RegexMatches(workspaceNamePattern,
					"must be lower-case letters, digits and -, starting with a letter, up to 40 characters")},
				PlanModifiers: []planmodifier.String{replaceUnlessAdopting()},
			},
			"members": schema.ListNestedAttribute{
				MarkdownDescription: fmt.Sprintf("The project's members, 1 to %d: each gets an account with their key on the "+
					"workspace's machines, and must also be an administrator of the bastion (the warehouse module does it) to "+
					"reach them through its recorded hop. Keys: %s.", maxMembers, bastion.KeyRule) + rebuilt,
				Required: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						MarkdownDescription: "The member's login: " + bastion.NameRule + ".",
						Required:            true,
					},
					"ssh_public_key": schema.StringAttribute{
						MarkdownDescription: "The member's SSH public key, as in a `.pub` file. Never a private key.",
						Required:            true,
					},
				}},
				Validators: []validator.List{listvalidator.SizeBetween(1, maxMembers), adminKeys{}},
			},
			"size": schema.StringAttribute{
				MarkdownDescription: "`small` (default), `medium` or `large`: 4, 8 or 16 vCPUs with 4 GiB per vCPU " +
					"(`tinav6.c4r16p2`… on OUTSCALE, `b3-16`… on OVHcloud), or a type of the cloud." + rebuilt,
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(defaultSize),
				Validators: []validator.String{bastionSize{}},
			},
			"vm_type": schema.StringAttribute{
				MarkdownDescription: "The cloud's VM type or flavor `size` stands for.",
				Computed:            true,
			},
			"machine_count": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many research machines (default %d, at most %d; 0 keeps the group, the "+
					"identity and the buckets with no machine).", defaultMachineCount, maxMachineCount) + rebuilt,
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(defaultMachineCount),
				Validators: []validator.Int64{int64validator.Between(0, maxMachineCount)},
			},
			"image": schema.StringAttribute{
				MarkdownDescription: "The machines' operating system: `debian-12` (default), `ubuntu-24.04`, or an image id." +
					rebuilt,
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(defaultImage),
				Validators: []validator.String{imageAttr{}},
			},
			"datasets": schema.ListNestedAttribute{
				MarkdownDescription: "The data the project was approved for: read-only access to objects under `prefix` of " +
					"`bucket` (a `pseudonymised` zone bucket), and listing under that prefix only. Data minimisation: grant " +
					"prefixes, not whole buckets. Changes in place (the identity's policy), and rebuilds the machines, whose " +
					"configuration lists them.",
				Optional: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"bucket": schema.StringAttribute{MarkdownDescription: "The bucket's name.", Required: true,
						Validators: []validator.String{bucketName{}}},
					"prefix": schema.StringAttribute{MarkdownDescription: "The prefix, ending with `/`, such as " +
						"`cohort-2026/diabetes/`; `\"\"` grants the whole bucket: keep it for a bucket made for this project alone.",
						Required:   true,
						Validators: []validator.String{datasetPrefix{}}},
				}},
			},
			"working_bucket": schema.StringAttribute{
				MarkdownDescription: "The workspace's own bucket for working files, read and written by its identity " +
					"(a `health_warehouse_storage` of zone `workspace`, under a key of the workspace's own).",
				Required:   true,
				Validators: []validator.String{bucketName{}},
			},
			"import_bucket": schema.StringAttribute{
				MarkdownDescription: "The airlock's import bucket: data the data office brought in, read by the workspace.",
				Optional:            true,
				Validators:          []validator.String{bucketName{}},
			},
			"export_bucket": schema.StringAttribute{
				MarkdownDescription: "The airlock's export bucket: results the workspace asks to take out, written by it; they " +
					"reach the `results` zone only through an approved export (`health_warehouse_airlock_export`).",
				Optional:   true,
				Validators: []validator.String{bucketName{}},
			},
			"data_gateways": schema.ListNestedAttribute{
				MarkdownDescription: "The `health_warehouse_data_gateway`s in front of the workspace's buckets that hold objects " +
					"under a customer key (SSE-C): the machines' rclone reaches those buckets (a dataset's, the working or import " +
					"bucket) through the gateway, which holds the data key, instead of the store, where the objects are unreadable " +
					"without it. At most one per bucket, and only for buckets the workspace uses; not the export bucket, which the " +
					"airlock reads to approve and copy what it holds. A working or import bucket behind a gateway is reached " +
					"through it only: the workspace's identity loses its direct access there, so that nothing lands in it but " +
					"under the customer key.\n\n" +
					"**A gateway serves what its `prefixes` say to whoever holds its client key**, whatever the workspace's identity " +
					"may read: for datasets, give each workspace a `read_only` gateway of its own whose `prefixes` are its datasets' " +
					"(HW-WS-02 fails at plan for a gateway serving more), sharing the writer gateway's `data_key_object`." +
					rebuilt,
				Optional: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"bucket": schema.StringAttribute{MarkdownDescription: "The bucket the gateway serves: the gateway's `bucket.name`.",
						Required: true, Validators: []validator.String{bucketName{}}},
					"endpoint": schema.StringAttribute{MarkdownDescription: "The gateway's `endpoint` (`https://<private_ip>`).",
						Required: true},
					"tls_ca_certificate": schema.StringAttribute{MarkdownDescription: "The gateway's `tls_ca_certificate`: the " +
						"machines trust it, for this gateway's certificate.", Required: true},
					"client_access_key_id": schema.StringAttribute{MarkdownDescription: "The gateway's `client_access_key_id`.",
						Required: true},
					"client_secret_access_key": schema.StringAttribute{
						MarkdownDescription: "The gateway's client secret, the value given to its `client_secret_access_key`. " +
							"Write-only: never in the plan nor the state; it reaches the machines in their user-data, readable by " +
							"the workspace's members only. To change it, change `client_secret_version` too.",
						Required: true, Sensitive: true, WriteOnly: true},
					"client_secret_version": schema.Int64Attribute{MarkdownDescription: "Any number; changing it rebuilds the " +
						"machines with the current `client_secret_access_key` (a write-only value cannot be compared with the last " +
						"one). Keep it equal to the gateway's.", Optional: true},
					"prefixes": schema.ListAttribute{MarkdownDescription: "What the gateway serves of the bucket: its `prefixes` " +
						"(omit it for a gateway of the whole bucket). HW-WS-02 checks them against the workspace's datasets.",
						Optional: true, ElementType: types.StringType},
				}},
			},
			"package_mirror": schema.SingleNestedAttribute{
				MarkdownDescription: "Where apt takes the machines' packages from. Default: the official archive of `image`." +
					rebuilt,
				Optional: true,
				Computed: true,
				Attributes: map[string]schema.Attribute{
					"primary": schema.StringAttribute{MarkdownDescription: "The distribution's archive.", Required: true,
						Validators: []validator.String{mirrorURL{}}},
					"security": schema.StringAttribute{MarkdownDescription: "The security archive.", Required: true,
						Validators: []validator.String{mirrorURL{}}},
				},
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "Tags on the group and the machines (OUTSCALE); kept in the state on OVHcloud, whose " +
					"instances have none. Keys `Name` and `health:*` are reserved.",
				Optional:    true,
				ElementType: types.StringType,
				Validators:  []validator.Map{userTagKeys{}},
			},
			"rules": schema.ListNestedAttribute{
				MarkdownDescription: "The workspace group's rules, read back from the cloud: SSH in from the `bastion` tier, " +
					"and the `compute` tier's outbound rules. A rule added, changed or deleted outside Terraform shows in the " +
					"next plan, which restores them.",
				Computed:     true,
				NestedObject: schema.NestedAttributeObject{Attributes: computedRuleAttributes()},
			},
			"identity_policy": schema.StringAttribute{
				MarkdownDescription: "The identity's object storage policy (JSON), read back from the cloud: a change made " +
					"outside Terraform shows in the next plan, which restores it.",
				Computed: true,
			},
			"identity_id": schema.StringAttribute{
				MarkdownDescription: "The identity: the EIM user's id on OUTSCALE, the object storage user's id on OVHcloud.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"machine_access_key_id": schema.StringAttribute{
				MarkdownDescription: "The identity's key the machines use (its secret is in their user-data only).",
				Computed:            true,
			},
			"machines": schema.ListNestedAttribute{
				MarkdownDescription: "The research machines: name, id, private address (a member connects with " +
					"`ssh <private_ip>` through the bastion's `ssh_config`), state, host key.",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":       schema.StringAttribute{MarkdownDescription: "The machine's name.", Computed: true},
					"id":         schema.StringAttribute{MarkdownDescription: "The VM or instance id.", Computed: true},
					"private_ip": schema.StringAttribute{MarkdownDescription: "Its address in the compute tier.", Computed: true},
					"state": schema.StringAttribute{MarkdownDescription: "`running`; `detached` when it is no longer in " +
						"exactly the `compute` tier's group and the workspace's (changed outside Terraform: the next plan " +
						"rebuilds the machines); or the cloud's word.", Computed: true},
					"host_public_key": schema.StringAttribute{MarkdownDescription: "The machine's SSH host key (`ssh-ed25519 " +
						"AAAA…`), made by the provider, whose private half is in the machine's user-data only: pin it as " +
						"`<private_ip> <host_public_key>` in the tiers' known_hosts file before the first connection (the bastion's " +
						"`ssh_config` says where). Null after an import.", Computed: true},
				}},
			},
			"cloud_ids": schema.MapAttribute{
				MarkdownDescription: "Ids of the workspace's cloud objects, so that destroy removes them all.",
				Computed:            true,
				ElementType:         types.StringType,
			},
			"compliance_exceptions": complianceExceptionsAttribute(),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *warehouseWorkspaceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// ImportState takes <network_id>/<name>/<id>: OVHcloud reaches the
// workspace's group through its network's OpenStack user, and finds the
// identity and the machines by the workspace's name.
func (r *warehouseWorkspaceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parts := strings.Split(req.ID, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		resp.Diagnostics.AddError("Invalid Import Id", fmt.Sprintf("%q is not <network_id>/<name>/<id>, such as "+
			"vpc-1a2b3c4d/cohort-diabetes/sg-5e6f7a8b.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("network_id"), parts[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), parts[1])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), parts[2])...)
}

func (r *warehouseWorkspaceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, cfg workspaceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *workspaceModel
	if !req.State.Raw.IsNull() {
		state = &workspaceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if r.data != nil && !plan.Size.IsUnknown() {
		plan.VMType = types.StringValue(cloud.WorkspaceType(r.data.cloud.Name(), plan.Size.ValueString()))
	}
	datasets, dok := datasetsOf(plan.Datasets)
	buckets, bok := plan.bucketsOf()
	members, _ := membersOf(plan.Members)
	gateways := gatewaysOf(plan.DataGateways, cfg.DataGateways)
	var used []string // the buckets the workspace uses; nil while one is unknown
	if dok && bok {
		used = append(used, buckets.Working, buckets.Import)
		for _, d := range datasets {
			used = append(used, d.Bucket)
		}
	}
	for _, p := range workspaceProblems(members, gateways, used, buckets.Export) {
		title := "Invalid Workspace Member"
		if strings.HasPrefix(p.path.String(), "data_gateways") {
			title = "Invalid Data Gateway"
		}
		resp.Diagnostics.AddAttributeError(p.path, title, p.msg)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	var stateMirror *types.Object
	if state != nil {
		stateMirror = &state.PackageMirror
	}
	plan.PackageMirror, _ = plannedPackageMirror(cfg.PackageMirror, stateMirror, plan.Image)
	policy := cloud.WorkspaceSpec{Datasets: datasets, Buckets: buckets, Fronted: frontedOf(plan.DataGateways, buckets)}.Policy()
	if dok && bok {
		plan.IdentityPolicy = types.StringValue(normalizedPolicy(policy))
	} else {
		plan.IdentityPolicy = types.StringUnknown()
	}
	if !plan.NetworkRules.IsUnknown() {
		plan.Rules = rulesValue(desiredWorkspaceRules(rulesFromValue(plan.NetworkRules)))
	} else {
		plan.Rules = types.ListUnknown(types.ObjectType{AttrTypes: ruleAttrTypes})
	}
	validateExceptions(compliance.KindWorkspace, cfg.Exceptions, &resp.Diagnostics)
	facts := &compliance.WorkspaceFacts{Name: plan.Name.ValueString(), Datasets: datasets, Buckets: buckets}
	facts.Gateways = gatewayFactsOf(plan.DataGateways)
	subject := compliance.Subject{Kind: compliance.KindWorkspace, Name: plan.Name.ValueString(), Workspace: facts,
		Unknown: []string{"zones"}}
	if !plan.NetworkRules.IsUnknown() {
		facts.Rules = desiredWorkspaceRules(rulesFromValue(plan.NetworkRules))
		facts.ComputeRules = computeTierRules(rulesFromValue(plan.NetworkRules))
	} else {
		subject.Unknown = append(subject.Unknown, "rules")
	}
	if dok && bok {
		facts.Policy = policy
	} else {
		subject.Unknown = append(subject.Unknown, "policy")
	}
	enforceCompliance(ctx, r.data, subject, exceptionsFrom(plan.Exceptions), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if state == nil || r.rebuilds(plan, *state) {
		plan.Machines = types.ListUnknown(types.ObjectType{AttrTypes: workspaceMachineAttrTypes})
		plan.MachineKeyID = types.StringUnknown()
		plan.CloudIDs = types.MapUnknown(types.StringType)
	} else {
		plan.Machines, plan.MachineKeyID, plan.CloudIDs = state.Machines, state.MachineKeyID, state.CloudIDs
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// computeTierRules are the compute tier's rules among the network's: the
// group every workspace's machines are in too (HW-WS-01 checks it).
func computeTierRules(rules []cloud.Rule) []cloud.Rule {
	var out []cloud.Rule
	for _, r := range rules {
		if r.Tier == cloud.TierCompute {
			out = append(out, r)
		}
	}
	return out
}

// rebuilds says whether the plan remakes the machines: their user-data
// (members, datasets, buckets, data gateways, mirror), their number, size
// or image changed,
// or some are gone or stopped.
func (r *warehouseWorkspaceResource) rebuilds(plan, state workspaceModel) bool {
	for _, pair := range [][2]attr.Value{{plan.Members, state.Members}, {plan.Size, state.Size}, {plan.MachineCount, state.MachineCount},
		{plan.Image, state.Image}, {plan.Datasets, state.Datasets}, {plan.WorkingBucket, state.WorkingBucket},
		{plan.ImportBucket, state.ImportBucket}, {plan.ExportBucket, state.ExportBucket}, {plan.PackageMirror, state.PackageMirror},
		{plan.DataGateways, state.DataGateways}} {
		if !pair[0].Equal(pair[1]) {
			return true
		}
	}
	if state.Machines.IsNull() || state.Machines.IsUnknown() || int64(len(state.Machines.Elements())) != state.MachineCount.ValueInt64() {
		return true
	}
	for _, e := range state.Machines.Elements() {
		if s, _ := e.(types.Object).Attributes()["state"].(types.String); s.ValueString() != vmStateRunning {
			return true
		}
	}
	return false
}

// specOf is the workspace's cloud spec, without machines.
func (m *workspaceModel) specOf(n cloud.Network) cloud.WorkspaceSpec {
	datasets, _ := datasetsOf(m.Datasets)
	buckets, _ := m.bucketsOf()
	n.Rules = rulesFromValue(m.NetworkRules)
	return cloud.WorkspaceSpec{Name: m.Name.ValueString(), Network: n, Datasets: datasets, Buckets: buckets,
		Fronted: frontedOf(m.DataGateways, buckets), Tags: stringMap(m.Tags)}
}

// frontedOf are the workspace's working and import buckets that a data
// gateway fronts: its identity gets no direct access to them.
func frontedOf(gateways types.List, b cloud.WorkspaceBuckets) []string {
	var out []string
	for _, g := range gatewayFactsOf(gateways) {
		if g.Bucket != "" && (g.Bucket == b.Working || g.Bucket == b.Import) {
			out = append(out, g.Bucket)
		}
	}
	return out
}

func (r *warehouseWorkspaceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var plan, cfg workspaceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...) // write-only values live in the configuration only
	if resp.Diagnostics.HasError() {
		return
	}
	gateways := gatewaysOf(plan.DataGateways, cfg.DataGateways)
	timeout, diags := plan.Timeouts.Create(ctx, workspaceCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := r.data.cloud
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
	spec := plan.specOf(n)
	spec.ClientToken = newClientToken()
	ws, key, err := c.CreateWorkspace(ctx, spec)
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Create the Workspace", err))
		r.keepPartial(ctx, &plan, ws, resp)
		return
	}
	plan.setFromCloud(ws)
	plan.MachineKeyID = types.StringValue(key.ID)
	if ws, err = r.buildMachines(ctx, &plan, ws, spec, key, gateways); err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Create the Workspace's Machines", err))
		r.keepPartial(ctx, &plan, ws, resp)
		return
	}
	plan.setFromCloud(ws)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// keepPartial records what a failed create made, tainted, so that the next
// apply replaces it and destroy removes it.
func (r *warehouseWorkspaceResource) keepPartial(ctx context.Context, plan *workspaceModel, ws cloud.Workspace, resp *resource.CreateResponse) {
	if ws.ID == "" && len(ws.CloudIDs) == 0 {
		return
	}
	resp.Diagnostics.AddWarning("Partially Created Workspace",
		fmt.Sprintf("%d cloud objects were made before the failure. They are recorded in the state, which marks the workspace "+
			"tainted: the next apply replaces it, and terraform destroy removes them.", len(ws.CloudIDs)))
	plan.setFromCloud(ws)
	for _, v := range []*types.String{&plan.IdentityPolicy, &plan.IdentityID, &plan.MachineKeyID} {
		if v.IsUnknown() {
			*v = types.StringNull()
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// renderMachines renders the machines' user-data with the identity's key,
// into spec.Machines: all of them, before anything is made or deleted.
func (r *warehouseWorkspaceResource) renderMachines(ctx context.Context, m *workspaceModel, spec *cloud.WorkspaceSpec,
	key cloud.AccessKey, gateways []workspace.DataGateway) error {
	count := int(m.MachineCount.ValueInt64())
	spec.Machines = nil
	if count == 0 {
		return nil
	}
	c := r.data.cloud
	image, err := c.ResolveImage(ctx, m.Image.ValueString())
	if err != nil {
		return fmt.Errorf("finding the machines' image: %w", err)
	}
	members, _ := membersOf(m.Members)
	endpoint, region := c.AuditStorage()
	m.HostKeys = map[string]string{}
	for i := 1; i <= count; i++ {
		name := cloud.WorkspaceMachineName(spec.Name, i)
		// The machine's host key, made here so that members can pin it
		// before their first connection; its private half goes into the
		// user-data only.
		hostKey, err := bastion.GenerateHostKey(name)
		if err != nil {
			return err
		}
		m.HostKeys[name] = hostKey.Public
		userData, err := renderWorkspaceMachine(workspaceMachineInput{
			Workspace: spec.Name, Machine: name, Index: i, Cloud: c.Name(), Members: members, Network: spec.Network,
			Datasets: spec.Datasets, Buckets: spec.Buckets, Endpoint: endpoint, Region: region, Key: key,
			DataGateways: gateways, PackageMirror: packageMirrorOf(m.PackageMirror), Size: m.Size.ValueString(),
			Image: m.Image.ValueString(), HostKey: &hostKey,
		})
		if err != nil {
			return fmt.Errorf("rendering the machine %s: %w", name, err)
		}
		spec.Machines = append(spec.Machines, cloud.WorkspaceMachineSpec{Name: name, Type: m.VMType.ValueString(),
			ImageID: image.ID, UserData: userData, ClientToken: newClientToken()})
	}
	return nil
}

// buildMachines renders and makes the machines with the identity's key.
func (r *warehouseWorkspaceResource) buildMachines(ctx context.Context, m *workspaceModel, ws cloud.Workspace, spec cloud.WorkspaceSpec,
	key cloud.AccessKey, gateways []workspace.DataGateway) (cloud.Workspace, error) {
	if err := r.renderMachines(ctx, m, &spec, key, gateways); err != nil || len(spec.Machines) == 0 {
		return ws, err
	}
	return r.data.cloud.CreateWorkspaceMachines(ctx, ws, spec)
}

func (m *workspaceModel) setFromCloud(ws cloud.Workspace) {
	if ws.ID != "" {
		m.ID = types.StringValue(ws.ID)
	}
	if ws.NetworkID != "" {
		m.NetworkID = types.StringValue(ws.NetworkID)
	}
	if ws.Rules != nil {
		m.Rules = rulesValue(ws.Rules)
	}
	if ws.Policy != "" {
		m.IdentityPolicy = types.StringValue(normalizedPolicy(ws.Policy))
	}
	if ws.IdentityID != "" {
		m.IdentityID = types.StringValue(ws.IdentityID)
	}
	// A machine's host key: the one just rendered for its name, or the one
	// the state recorded for its id.
	known := hostKeysByID(m.Machines)
	m.Machines = workspaceMachinesValue(ws.Machines, func(machine cloud.WorkspaceMachine) string {
		if k := m.HostKeys[machine.Name]; k != "" {
			return k
		}
		return known[machine.ID]
	})
	m.CloudIDs = stringMapValue(ws.CloudIDs)
	if m.Rules.IsUnknown() {
		m.Rules = types.ListNull(types.ObjectType{AttrTypes: ruleAttrTypes})
	}
}

func (m *workspaceModel) ref() cloud.Workspace {
	return cloud.Workspace{ID: m.ID.ValueString(), Name: m.Name.ValueString(), NetworkID: m.NetworkID.ValueString(),
		IdentityID: m.IdentityID.ValueString(), Tags: stringMap(m.Tags), CloudIDs: stringMap(m.CloudIDs)}
}

func (r *warehouseWorkspaceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var state workspaceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, workspaceReadTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	ws, err := r.data.cloud.ReadWorkspace(ctx, state.ref())
	if errors.Is(err, cloud.ErrNotFound) {
		resp.Diagnostics.AddWarning("Workspace Gone",
			fmt.Sprintf("The workspace %s's security group no longer exists: the workspace was removed from the state and the "+
				"next apply creates it again. Its identity and machines, if any remain, are named after it: %s.",
				state.ID.ValueString(), err))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Workspace "+state.ID.ValueString(), err))
		return
	}
	state.setFromCloud(ws)
	if state.Name.IsNull() && ws.Name != "" {
		state.Name = types.StringValue(ws.Name)
	}
	if r.data.cloud.Name() == cloud.Outscale && (len(ws.Tags) > 0 || !state.Tags.IsNull()) {
		state.Tags = stringMapValue(ws.Tags)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *warehouseWorkspaceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var plan, state, cfg workspaceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...) // write-only values live in the configuration only
	if resp.Diagnostics.HasError() {
		return
	}
	gateways := gatewaysOf(plan.DataGateways, cfg.DataGateways)
	timeout, diags := plan.Timeouts.Update(ctx, workspaceUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := r.data.cloud
	n, err := c.ReadNetwork(ctx, cloud.Network{ID: plan.NetworkID.ValueString()})
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Warehouse Network "+plan.NetworkID.ValueString(), err))
		return
	}
	spec := plan.specOf(n)
	ref := state.ref()
	ws, err := c.UpdateWorkspaceAccess(ctx, ref, spec)
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Update the Workspace's Access", err))
		return
	}
	plan.setFromCloud(ws)
	plan.MachineKeyID = state.MachineKeyID
	if r.rebuilds(plan, state) {
		// A new key for the new machines, and their user-data rendered,
		// before the old machines and their key go.
		key, err := c.CreateWorkspaceKey(ctx, ws)
		if err != nil {
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Make a Key for the Workspace's Machines", err))
			return
		}
		if err := r.renderMachines(ctx, &plan, &spec, key, gateways); err != nil {
			_ = c.DeleteWorkspaceKey(ctx, ws, key.ID)
			resp.Diagnostics.AddError("Unable to Render the Workspace's Machines", err.Error())
			return
		}
		if ws, err = c.DeleteWorkspaceMachines(ctx, ws, nil); err != nil {
			_ = c.DeleteWorkspaceKey(ctx, ws, key.ID)
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Delete the Workspace's Machines", err))
			return
		}
		if old := state.MachineKeyID.ValueString(); old != "" && old != key.ID {
			if err := c.DeleteWorkspaceKey(ctx, ws, old); err != nil && !errors.Is(err, cloud.ErrNotFound) {
				resp.Diagnostics.AddWarning("Old Machine Key Left", fmt.Sprintf("Deleting the machines' old key %s failed: %s.", old, err))
			}
		}
		plan.MachineKeyID = types.StringValue(key.ID)
		if len(spec.Machines) > 0 {
			ws, err = c.CreateWorkspaceMachines(ctx, ws, spec)
		}
		plan.setFromCloud(ws)
		if err != nil {
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Create the Workspace's Machines", err))
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *warehouseWorkspaceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var state workspaceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, workspaceDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := r.data.cloud.DeleteWorkspace(ctx, state.ref()); err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Delete the Workspace "+state.ID.ValueString(), err))
	}
}

// datasetPrefix accepts "" or a prefix ending with "/".
type datasetPrefix struct{}

func (datasetPrefix) Description(context.Context) string {
	return "\"\" (the whole bucket) or a prefix ending with /, without a leading /"
}
func (v datasetPrefix) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (datasetPrefix) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	p := req.ConfigValue.ValueString()
	if p == "" {
		return
	}
	if p[0] == '/' || p[len(p)-1] != '/' || slices.Contains([]string{"*", "?"}, p) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Dataset Prefix",
			fmt.Sprintf("%s: %q must end with / and not start with one, such as \"cohort-2026/diabetes/\" (or be \"\" for the "+
				"whole bucket).", req.Path, p))
	}
}
