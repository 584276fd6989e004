package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/compliance"
)

var (
	_ resource.ResourceWithConfigure      = (*warehouseNetworkResource)(nil)
	_ resource.ResourceWithImportState    = (*warehouseNetworkResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*warehouseNetworkResource)(nil)
	_ resource.ResourceWithValidateConfig = (*warehouseNetworkResource)(nil)
)

// NewWarehouseNetworkResource returns the health_warehouse_network resource.
func NewWarehouseNetworkResource() resource.Resource { return &warehouseNetworkResource{} }

// warehouseNetworkResource is the isolated network a warehouse lives in:
// four tiers of subnets, default-deny inbound rules between them, NAT egress
// and a path to object storage, made and removed as one resource.
type warehouseNetworkResource struct {
	data *providerData
}

// Default timeouts. Creating a network is a dozen or so calls plus the waits
// on a NAT service or an OVHcloud gateway, which take minutes on real clouds.
const (
	networkCreateTimeout = 30 * time.Minute
	networkReadTimeout   = 5 * time.Minute
	networkUpdateTimeout = 30 * time.Minute
	networkDeleteTimeout = 30 * time.Minute
)

// networkNamePattern keeps names valid on both clouds and in the names the
// provider derives from them ("<name>-bastion", "<name>-gateway").
var networkNamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_-]{0,54}$`)

// egressNamePattern keeps the names of egress_allow entries readable in
// the rules' purposes.
var egressNamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$`)

func (r *warehouseNetworkResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_warehouse_network"
}

func (r *warehouseNetworkResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	tierCIDR := func(tier, what string) schema.StringAttribute {
		return schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("CIDR block of the `%s` tier (%s). Must sit inside `cidr`, no smaller than /%d, "+
				"and not overlap another tier. Default: the %s quarter of `cidr`. Changing it replaces the network.",
				tier, what, cloud.MaxSubnetBits, map[string]string{
					cloud.TierBastion: "first", cloud.TierCompute: "second", cloud.TierData: "third", cloud.TierKMS: "fourth"}[tier]),
			Optional:   true,
			Computed:   true,
			Validators: []validator.String{cidrSyntax{}},
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The isolated network a health-data warehouse lives in, made as one resource: four tiers of " +
			"subnets (`bastion`, `compute`, `data`, `kms`), traffic denied both ways unless a rule of the warehouse allows " +
			"it, NAT for the outbound destinations `egress_allow` lists, and a path to object storage that does not cross " +
			"the Internet where the cloud offers one. It replaces an Azure virtual network with its subnets, network " +
			"security groups, NAT gateway and storage private endpoint.\n\n" +
			"Only the `bastion` tier is reachable from outside, on SSH, from `admin_cidrs`. The other tiers admit SSH from " +
			"the bastion, and `data` and `kms` admit the storage and key-manager ports from `compute`.\n\n" +
			"**Egress is denied by default.** A tier may send traffic only where a rule lets it: to the tiers it talks to " +
			"(the bastion to the others on SSH, `compute` to `data` on HTTPS and to `kms` on the key manager's port), to " +
			"object storage on HTTPS from `bastion` (its audit trail), `compute` and `data`, on OUTSCALE to the API on HTTPS " +
			"from `bastion` (the API logs it pulls), and to the destinations of `egress_allow`. The `kms` tier reaches nothing outside the warehouse unless `egress_allow` says so. The " +
			"`rules` attribute shows every rule, both ways, at plan time; control HW-NET-01 fails the plan when a tier " +
			"could reach `0.0.0.0/0`.\n\n" +
			"**What each cloud enforces.** On OUTSCALE the rules are security groups, one per tier, made without the rule " +
			"letting everything out that OUTSCALE gives new groups; object storage is reached through a Net access point " +
			"to OOS, and the API through a Net access point to the API service (`com.outscale.<region>.api`) on the bastion's " +
			"route table, which the outbound rules name by their service ids. OVHcloud has no such API service. On OVHcloud the rules are OpenStack Neutron security " +
			"groups, one per tier (`cloud_ids[\"security_group.<tier>\"]`), made without the two rules letting everything " +
			"out that Neutron gives new groups, through an OpenStack user of the project made for the network " +
			"(`cloud_ids[\"openstack_user\"]`, deleted with it; its password is never stored: each provider run gives it a " +
			"new one). The bastion's port is put in its tier's group; put your own instances' ports in their tier's group. " +
			"OVHcloud publishes no address block for object storage, so the outbound rules to it name the addresses its " +
			"regional endpoint resolves to when the provider runs (if they change, the next plan shows it). OVHcloud also " +
			"offers no private S3 endpoint on the vRack, so storage traffic leaves through the gateway's address over TLS; " +
			"restrict buckets to `egress_ips`. On both clouds `rules_enforcement` is `security-groups`, and the rules are " +
			"also published for the machines' own firewalls, which the bastion and the key manager apply as defence in " +
			"depth.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The network's id in the cloud: the Net id (`vpc-…`) on OUTSCALE, the private network " +
					"id (`pn-…`) on OVHcloud. Use it to import the network.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the network, also used to name its parts (`<name>-bastion`, …). Letters, " +
					"digits, `-` and `_`, up to 55 characters, starting with a letter or digit. Can be changed in place.",
				Required: true,
				Validators: []validator.String{stringvalidator.RegexMatches(networkNamePattern,
					"must be letters, digits, - and _, up to 55 characters, starting with a letter or digit")},
			},
			"cidr": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The network's IPv4 block: a private range (RFC 1918: inside 10.0.0.0/8, "+
					"172.16.0.0/12 or 192.168.0.0/16) between /%d and /%d. Changing it replaces the network.",
					cloud.MinNetworkBits, cloud.MaxNetworkBits),
				Required:      true,
				Validators:    []validator.String{networkCIDR{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"subnet_cidrs": schema.SingleNestedAttribute{
				MarkdownDescription: "The CIDR block of each tier. Leave it out, or any tier out, to carve the tier from " +
					"`cidr`: its four quarters go to `bastion`, `compute`, `data` and `kms` in that order.",
				Optional: true,
				Computed: true,
				Attributes: map[string]schema.Attribute{
					cloud.TierBastion: tierCIDR(cloud.TierBastion, "the bastion; the only tier reachable from outside"),
					cloud.TierCompute: tierCIDR(cloud.TierCompute, "research workloads"),
					cloud.TierData:    tierCIDR(cloud.TierData, "the path to object storage"),
					cloud.TierKMS:     tierCIDR(cloud.TierKMS, "the customer-held key manager"),
				},
			},
			"admin_cidrs": schema.SetAttribute{
				MarkdownDescription: "IPv4 blocks the administrators connect from: the only sources allowed to reach the " +
					"bastion, on SSH (port 22). At least one. `0.0.0.0/0` is refused unless `allow_admin_from_anywhere = true`.",
				Required:    true,
				ElementType: types.StringType,
				Validators: []validator.Set{
					setvalidator.SizeAtLeast(1),
					setvalidator.ValueStringsAre(cidrSyntax{}),
				},
			},
			"allow_admin_from_anywhere": schema.BoolAttribute{
				MarkdownDescription: "Accept `0.0.0.0/0` in `admin_cidrs`, exposing the bastion's SSH port to the whole " +
					"Internet. Default `false`. Compliance checks flag it.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"nat_egress": schema.BoolAttribute{
				MarkdownDescription: "Give the private tiers a route out through NAT, for the destinations `egress_allow` " +
					"lists (the rules decide what may leave; the route only makes it possible). Default `true`. No inbound path " +
					"is opened either way. On OUTSCALE, `false` removes the NAT service and its public IP (object storage stays " +
					"reachable through the Net access point). On OVHcloud it must stay `true`: the gateway is the network's only " +
					"way to object storage and to the bastion's public IP.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"egress_allow": schema.ListNestedAttribute{
				MarkdownDescription: "The destinations outside the warehouse that its tiers may reach: everything else is " +
					"denied, but the warehouse's own flows and object storage (see above). List here what the tiers need, such " +
					"as a package mirror for the software the bastion and the key manager install at first boot, an NTP or DNS " +
					"server of yours, or a partner's endpoint. Each entry opens one outbound rule from each of its `tiers`, shown " +
					"in `rules`. A block as wide as the Internet (`0.0.0.0/0`) fails control HW-NET-01 unless " +
					"`compliance_exceptions` accepts it. Changes apply in place.",
				Optional: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						MarkdownDescription: "A name for the entry, unique in the list, shown in the purpose of its rules " +
							"(`egress_allow \"<name>\"`). Letters, digits, `.`, `-` and `_`, up to 63 characters.",
						Required: true,
						Validators: []validator.String{stringvalidator.RegexMatches(egressNamePattern,
							"must be letters, digits, ., - and _, up to 63 characters, starting with a letter or digit")},
					},
					"cidr": schema.StringAttribute{
						MarkdownDescription: "The destination: an IPv4 CIDR block, such as `198.51.100.10/32`. Security groups " +
							"filter on addresses, not names: give the block the destination's host names resolve to.",
						Required:   true,
						Validators: []validator.String{cidrSyntax{}},
					},
					"protocol": schema.StringAttribute{
						MarkdownDescription: "`tcp` (when left out), `udp`, `icmp`, or `-1` for every protocol. `icmp` and " +
							"`-1` take no ports.",
						Optional:   true,
						Validators: []validator.String{stringvalidator.OneOf("tcp", "udp", "icmp", "-1")},
					},
					"from_port": schema.Int64Attribute{
						MarkdownDescription: "The destination port, or the first of a range: required for `tcp` and `udp`.",
						Optional:            true,
						Validators:          []validator.Int64{int64validator.Between(1, 65535)},
					},
					"to_port": schema.Int64Attribute{
						MarkdownDescription: "The last port of the range. Default: `from_port`.",
						Optional:            true,
						Validators:          []validator.Int64{int64validator.Between(1, 65535)},
					},
					"tiers": schema.SetAttribute{
						MarkdownDescription: "The tiers that may reach the destination: `bastion`, `compute`, `data`, `kms`.",
						Required:            true,
						ElementType:         types.StringType,
						Validators: []validator.Set{
							setvalidator.SizeAtLeast(1),
							setvalidator.ValueStringsAre(stringvalidator.OneOf(cloud.Tiers...)),
						},
					},
					"hosts": schema.ListAttribute{
						MarkdownDescription: "The host names served at `cidr` (such as `deb.debian.org`), for people reading " +
							"the rules and for the bastion and the key manager, which check at plan time that the hosts they " +
							"install software from at first boot are reachable. The cloud ignores them.",
						Optional:    true,
						ElementType: types.StringType,
					},
				}},
			},
			"tags": schema.MapAttribute{
				MarkdownDescription: "Tags set on every object of the network that the cloud can tag (OUTSCALE). OVHcloud " +
					"private networks have no tags: there they are kept in the Terraform state only. Keys `Name` and " +
					"`health:*` are reserved.",
				Optional:    true,
				ElementType: types.StringType,
				Validators:  []validator.Map{userTagKeys{}},
			},
			"region": schema.StringAttribute{
				MarkdownDescription: "The region the network is in: the provider's region.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"subnets": schema.MapNestedAttribute{
				MarkdownDescription: "The subnets, by tier (`bastion`, `compute`, `data`, `kms`).",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":                schema.StringAttribute{MarkdownDescription: "The subnet's id in the cloud.", Computed: true},
					"cidr":              schema.StringAttribute{MarkdownDescription: "The subnet's CIDR block.", Computed: true},
					"security_group_id": schema.StringAttribute{MarkdownDescription: "The tier's security group: `sg-…` on OUTSCALE, a Neutron security group id on OVHcloud.", Computed: true},
					"route_table_id":    schema.StringAttribute{MarkdownDescription: "The route table of the subnet (OUTSCALE); empty on OVHcloud.", Computed: true},
				}},
			},
			"rules": schema.ListNestedAttribute{
				MarkdownDescription: "Every rule in force, inbound and outbound, known at plan time. Anything not listed is " +
					"denied, both ways. A rule deleted or added outside Terraform shows up as a change in the next plan, which " +
					"restores this list, on both clouds: the rules are read back from the tiers' security groups.",
				Computed:     true,
				NestedObject: schema.NestedAttributeObject{Attributes: computedRuleAttributes()},
			},
			"rules_enforcement": schema.StringAttribute{
				MarkdownDescription: "How the cloud enforces `rules`: `security-groups` on both clouds (OUTSCALE security " +
					"groups, OpenStack Neutron security groups on OVHcloud), one per tier, denying both ways what no rule allows. " +
					"The machines' own firewalls (the bastion's, the key manager's) apply the rules again, as defence in depth. " +
					"`host-firewall` was the value on OVHcloud before its security groups were managed.",
				Computed: true,
			},
			"storage_path": schema.StringAttribute{
				MarkdownDescription: "How the warehouse reaches object storage: `net-access-point` (OUTSCALE: a Net access " +
					"point to OOS on the route tables, traffic stays in the cloud's network) or `gateway` (OVHcloud: through " +
					"the gateway's address to the regional S3 endpoint, over TLS).",
				Computed: true,
			},
			"egress_ips": schema.ListAttribute{
				MarkdownDescription: "Public addresses the network's outbound traffic leaves from (the NAT service's or the " +
					"gateway's): use them in allow-lists, such as bucket policies. Empty without `nat_egress`.",
				Computed:    true,
				ElementType: types.StringType,
			},
			"cloud_ids": schema.MapAttribute{
				MarkdownDescription: "Ids of every cloud object behind the network, by role: on OUTSCALE `net`, " +
					"`subnet.<tier>`, `security_group.<tier>`, `route_table.public`, `route_table.private`, " +
					"`internet_service`, `public_ip.nat`, `nat_service`, `net_access_point` (object storage), " +
					"`net_access_point.api` (the API); on OVHcloud `network`, " +
					"`network.openstack`, `subnet.<tier>`, `gateway`, `gateway_interface.<tier>`, `security_group.<tier>` " +
					"(Neutron) and `openstack_user` (the OpenStack user that manages the groups).",
				Computed:    true,
				ElementType: types.StringType,
			},
			"compliance_exceptions": complianceExceptionsAttribute(),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *warehouseNetworkResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks what needs several attributes at once: the subnet
// layout against the network, and the admin blocks against the flag.
func (r *warehouseNetworkResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg networkModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateExceptions(compliance.KindNetwork, cfg.ComplianceExceptions, &resp.Diagnostics)
	if !cfg.AllowAdminFromAnywhere.IsUnknown() {
		anywhere := cfg.AllowAdminFromAnywhere.ValueBool()
		if !cfg.AdminCIDRs.IsUnknown() && !cfg.AdminCIDRs.IsNull() {
			for _, v := range cfg.AdminCIDRs.Elements() {
				s, ok := v.(types.String)
				if !ok || s.IsUnknown() || s.IsNull() {
					continue
				}
				if err := cloud.CheckAdminCIDR(s.ValueString(), anywhere); err != nil {
					resp.Diagnostics.AddAttributeError(path.Root("admin_cidrs"), "Invalid Administrator CIDR",
						fmt.Sprintf("admin_cidrs: %s.", err))
				}
			}
		}
	}
	validateEgressAllow(cfg.EgressAllow, &resp.Diagnostics)
	if cfg.CIDR.IsUnknown() || cfg.CIDR.IsNull() || cloud.CheckNetworkCIDR(cfg.CIDR.ValueString()) != nil {
		return // the attribute's own validator reports a bad network
	}
	given := knownSubnetCIDRs(cfg.SubnetCIDRs)
	for _, p := range cloud.CheckSubnets(cfg.CIDR.ValueString(), given) {
		summary := "Invalid Subnet CIDR"
		if p.Other != "" {
			summary = "Overlapping Subnets"
		}
		resp.Diagnostics.AddAttributeError(path.Root("subnet_cidrs").AtName(p.Tier), summary,
			fmt.Sprintf("subnet_cidrs.%s: %s. Each tier needs its own block inside cidr (%s).", p.Tier, p.Msg, cfg.CIDR.ValueString()))
	}
}

// ModifyPlan fills in what is known before apply: the default subnets, the
// rule set, how the cloud enforces it; and refuses what the cloud cannot do.
func (r *warehouseNetworkResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan networkModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *networkModel
	if !req.State.Raw.IsNull() {
		state = &networkModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	// Subnets: defaults carved from cidr for the tiers not given.
	// subnet_cidrs is unknown here when the configuration leaves it out.
	if !plan.CIDR.IsUnknown() && cloud.CheckNetworkCIDR(plan.CIDR.ValueString()) == nil {
		var cfg networkModel
		resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
		defaults, err := cloud.DefaultSubnets(plan.CIDR.ValueString())
		if err == nil && !resp.Diagnostics.HasError() {
			layout := knownSubnetCIDRs(cfg.SubnetCIDRs)
			complete := true
			for _, tier := range cloud.Tiers {
				if _, ok := layout[tier]; !ok {
					if tierValueUnknown(cfg.SubnetCIDRs, tier) {
						complete = false
						continue
					}
					layout[tier] = defaults[tier]
				}
			}
			if complete {
				plan.SubnetCIDRs = subnetCIDRsValue(layout)
				// A tier whose block changes is rebuilt with the whole network;
				// a tier deleted out of band is simply made again.
				if state != nil {
					was := knownSubnetCIDRs(state.SubnetCIDRs)
					for _, tier := range cloud.Tiers {
						if old, ok := was[tier]; ok && old != layout[tier] {
							resp.RequiresReplace = append(resp.RequiresReplace, path.Root("subnet_cidrs").AtName(tier))
						}
					}
				}
			} else {
				plan.SubnetCIDRs = types.ObjectUnknown(subnetCIDRsAttrTypes)
			}
		}
	}

	// The rule set follows from the configuration and the cloud.
	desired, rulesKnown := plan.desiredRules(r.data != nil && cloudAPI(r.data.cloud.Name()))
	if rulesKnown && r.data != nil {
		plan.Rules = rulesValue(desired)
	} else {
		plan.Rules = types.ListUnknown(types.ObjectType{AttrTypes: ruleAttrTypes})
	}

	if r.data != nil {
		name := r.data.cloud.Name()
		plan.Region = types.StringValue(r.data.cloud.Region())
		switch name {
		case cloud.Outscale:
			plan.RulesEnforcement = types.StringValue(cloud.EnforcedBySecurityGroups)
			plan.StoragePath = types.StringValue(cloud.StorageViaNetAccessPoint)
		case cloud.OVH:
			plan.RulesEnforcement = types.StringValue(cloud.EnforcedBySecurityGroups)
			plan.StoragePath = types.StringValue(cloud.StorageViaGateway)
			if !plan.NATEgress.IsUnknown() && !plan.NATEgress.ValueBool() {
				resp.Diagnostics.AddAttributeError(path.Root("nat_egress"), "NAT Egress Required on OVHcloud",
					"nat_egress = false cannot be honoured on OVHcloud: the network's gateway is its only path to object "+
						"storage (OVHcloud offers no private S3 endpoint on the vRack) and the only way to give the bastion a "+
						"public IP. Remove nat_egress or set it to true; restrict outbound traffic in the machines' firewalls.")
			}
		}
		if state != nil && !state.Region.IsNull() && state.Region.ValueString() != plan.Region.ValueString() {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("region"))
		}
	}

	// The compliance profile's controls, on what the plan says.
	admin, known := knownStrings(plan.AdminCIDRs)
	subject := compliance.Subject{Kind: compliance.KindNetwork, Name: plan.Name.ValueString(),
		Network: &compliance.NetworkFacts{AdminCIDRs: admin, AllowAdminFromAnywhere: plan.AllowAdminFromAnywhere.ValueBool(),
			Outbound: outboundFacts(desired)}}
	if !known {
		subject.Unknown = append(subject.Unknown, "admin_cidrs")
	}
	if _, egressKnown := egressFromValue(plan.EgressAllow); !egressKnown {
		subject.Unknown = append(subject.Unknown, "egress_allow")
	}
	enforceCompliance(ctx, r.data, subject, exceptionsFrom(plan.ComplianceExceptions), &resp.Diagnostics)

	// Renaming, retagging or changing rules keeps every id; only a subnet
	// made again or NAT turned on or off changes them. Those are unknown
	// until apply even when nothing in the configuration changed: a subnet
	// deleted out of band leaves the layout as the only difference, which
	// Terraform's proposed plan does not show in the computed attributes.
	// A tier without its security group (deleted out of band, or a network
	// made before OVHcloud's groups were managed) gets one, of a new id.
	if state != nil {
		sameLayout, sameNAT := plan.SubnetCIDRs.Equal(state.SubnetCIDRs), plan.NATEgress.Equal(state.NATEgress)
		groupsMade := tierWithoutGroup(state.Subnets)
		plan.Subnets, plan.CloudIDs, plan.EgressIPs = state.Subnets, state.CloudIDs, state.EgressIPs
		if !sameLayout || groupsMade {
			plan.Subnets = types.MapUnknown(types.ObjectType{AttrTypes: subnetAttrTypes})
		}
		if !sameLayout || !sameNAT || groupsMade {
			plan.CloudIDs = types.MapUnknown(types.StringType)
		}
		if !sameNAT {
			plan.EgressIPs = types.ListUnknown(types.StringType)
		}
		if missing := missingAccessPoints(r.data, state); len(missing) > 0 {
			plan.CloudIDs = types.MapUnknown(types.StringType)
			resp.Diagnostics.AddWarning("Net Access Point Missing",
				fmt.Sprintf("The network %s lacks its Net access point to %s (deleted outside Terraform, or made by an "+
					"earlier version of the provider): this apply makes it again, with a new id in cloud_ids.",
					state.ID.ValueString(), strings.Join(missing, ", and the one to ")))
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *warehouseNetworkResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var plan networkModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, networkCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	spec, diags := plan.spec(ctx, r.data.cloud.Name())
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec.ClientToken = newClientToken()
	n, err := r.data.cloud.CreateNetwork(ctx, spec)
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Create the Warehouse Network", err))
		if n.ID == "" && len(n.CloudIDs) == 0 {
			return // nothing was made
		}
		// Save what exists: Terraform marks the resource tainted, and the
		// next destroy or apply removes every object listed in cloud_ids.
		resp.Diagnostics.AddWarning("Partially Created Warehouse Network",
			fmt.Sprintf("%d cloud objects were made before the failure. They are recorded in the state, which marks the "+
				"network tainted: the next apply replaces it, and terraform destroy removes them.", len(n.CloudIDs)))
		partial := plan.partial(ctx, n)
		resp.Diagnostics.Append(resp.State.Set(ctx, &partial)...)
		return
	}
	plan.setComputed(n)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *warehouseNetworkResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var state networkModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, networkReadTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	n, err := r.data.cloud.ReadNetwork(ctx, state.ref(ctx))
	if errors.Is(err, cloud.ErrNotFound) {
		resp.Diagnostics.AddWarning("Warehouse Network Gone",
			fmt.Sprintf("The network %s no longer exists in the cloud; it was removed from the state and the next "+
				"apply will create it again.", state.ID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Warehouse Network "+state.ID.ValueString(), err))
		return
	}
	state.fromCloud(n)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *warehouseNetworkResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var plan, state networkModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, networkUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	spec, diags := plan.spec(ctx, r.data.cloud.Name())
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	n, err := r.data.cloud.UpdateNetwork(ctx, state.ref(ctx), spec)
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Update the Warehouse Network "+state.ID.ValueString(), err))
		return
	}
	plan.setComputed(n)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *warehouseNetworkResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var state networkModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, networkDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	if err := r.data.cloud.DeleteNetwork(ctx, state.ref(ctx)); err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Delete the Warehouse Network "+state.ID.ValueString(), err))
	}
}

// ImportState takes the network's cloud id: `vpc-…` on OUTSCALE, `pn-…` on
// OVHcloud. Read rebuilds everything else from the cloud.
func (r *warehouseNetworkResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" {
		resp.Diagnostics.AddError("Invalid Import ID",
			"Import a warehouse network by its cloud id: the Net id (vpc-…) on OUTSCALE, the private network id (pn-…) on OVHcloud.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}

// validateEgressAllow checks egress_allow as a whole (see
// cloud.CheckEgressRules), and that icmp and -1 entries give no ports.
func validateEgressAllow(v types.List, diags *diag.Diagnostics) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	for i, e := range v.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsNull() || o.IsUnknown() {
			return
		}
		a := o.Attributes()
		for _, value := range a {
			if value.IsUnknown() {
				return // checked again at apply
			}
		}
		protocol, _ := a["protocol"].(types.String)
		from, _ := a["from_port"].(types.Int64)
		to, _ := a["to_port"].(types.Int64)
		if p := protocol.ValueString(); (p == "icmp" || p == "-1") && (!from.IsNull() || !to.IsNull()) {
			diags.AddAttributeError(path.Root("egress_allow").AtListIndex(i).AtName("from_port"), "Invalid Egress Rule",
				fmt.Sprintf("egress_allow[%d]: protocol %q takes no ports: it lets every port (every ICMP type) through. "+
					"Remove from_port and to_port, or use tcp or udp.", i, p))
		}
	}
	entries, known := egressFromValue(v)
	if !known {
		return
	}
	for _, p := range cloud.CheckEgressRules(entries) {
		at := path.Root("egress_allow").AtListIndex(p.Index)
		if p.Field != "" {
			at = at.AtName(p.Field)
		}
		diags.AddAttributeError(at, "Invalid Egress Rule", fmt.Sprintf("egress_allow[%d] (%q): %s.", p.Index, entries[p.Index].Name, p.Msg))
	}
}

// outboundFacts are the outbound rules as the compliance checks see them.
func outboundFacts(rules []cloud.Rule) []compliance.OutboundRule {
	var out []compliance.OutboundRule
	for _, r := range rules {
		if r.IsOutbound() {
			out = append(out, compliance.OutboundRule{Tier: r.Tier, Protocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort,
				Destination: r.Destination, Purpose: r.Purpose})
		}
	}
	return out
}

// missingAccessPoints names what the Net access points an OUTSCALE
// network's state lacks would reach: object storage, the API.
func missingAccessPoints(data *providerData, state *networkModel) []string {
	if data == nil || data.cloud.Name() != cloud.Outscale || state.ID.ValueString() == "" ||
		state.CloudIDs.IsNull() || state.CloudIDs.IsUnknown() {
		return nil
	}
	ids := stringMap(state.CloudIDs)
	var missing []string
	for _, p := range []struct{ key, what string }{
		{cloud.CloudIDStorageAccessPoint, "object storage (OOS)"},
		{cloud.CloudIDAPIAccessPoint, "the OUTSCALE API"},
	} {
		if ids[p.key] == "" {
			missing = append(missing, p.what)
		}
	}
	return missing
}

// tierWithoutGroup says whether a tier of subnets (the state's) has no
// security group id.
func tierWithoutGroup(subnets types.Map) bool {
	if subnets.IsNull() || subnets.IsUnknown() {
		return false
	}
	elements := subnets.Elements()
	for _, tier := range cloud.Tiers {
		o, ok := elements[tier].(types.Object)
		if !ok || o.IsNull() || o.IsUnknown() {
			return true
		}
		id, ok := o.Attributes()["security_group_id"].(types.String)
		if !ok || id.IsNull() || id.ValueString() == "" {
			return true
		}
	}
	return false
}

// computedRuleAttributes are the attributes of one rule of a computed
// rules list (the network's, a workspace's).
func computedRuleAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"tier": schema.StringAttribute{MarkdownDescription: "The tier the rule belongs to.", Computed: true},
		"direction": schema.StringAttribute{
			MarkdownDescription: "`inbound`: traffic the tier admits; `outbound`: traffic the tier may send.",
			Computed:            true,
		},
		"protocol":  schema.StringAttribute{MarkdownDescription: "`tcp`, `udp`, `icmp`, or `-1` for all.", Computed: true},
		"from_port": schema.Int64Attribute{MarkdownDescription: "First port of the range (`-1`: all).", Computed: true},
		"to_port":   schema.Int64Attribute{MarkdownDescription: "Last port of the range (`-1`: all).", Computed: true},
		"source": schema.StringAttribute{
			MarkdownDescription: "Inbound rules: who is admitted, a CIDR block or `tier:<name>` for the machines of " +
				"another tier. Null on outbound rules.",
			Computed: true,
		},
		"destination": schema.StringAttribute{
			MarkdownDescription: "Outbound rules: where traffic may go, a CIDR block, `tier:<name>`, or " +
				"`service:object-storage` (the Net access point's OOS service on OUTSCALE, the regional endpoint " +
				"through the gateway on OVHcloud), or `service:cloud-api` (OUTSCALE only: the Net access point's API " +
				"service, which the bastion pulls the API logs from). Null on inbound rules.",
			Computed: true,
		},
		"hosts": schema.ListAttribute{
			MarkdownDescription: "Outbound rules of `egress_allow`: the host names its entry says are served at " +
				"`destination`.",
			Computed:    true,
			ElementType: types.StringType,
		},
		"purpose": schema.StringAttribute{MarkdownDescription: "Why the rule exists.", Computed: true},
	}
}
