package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

var _ datasource.DataSource = (*secNumCloudRegionsDataSource)(nil)

// NewSecNumCloudRegionsDataSource returns the health_secnumcloud_regions data source.
func NewSecNumCloudRegionsDataSource() datasource.DataSource { return &secNumCloudRegionsDataSource{} }

// secNumCloudRegionsDataSource lists the regions of both clouds with what
// public statements say of their SecNumCloud qualification and HDS
// certification. It reads a catalogue built into the provider: no call to
// any cloud, no credentials needed.
type secNumCloudRegionsDataSource struct{}

type secNumCloudRegionsModel struct {
	Cloud                types.String `tfsdk:"cloud"`
	SecNumCloudQualified types.Bool   `tfsdk:"secnumcloud_qualified"`
	HDSCertified         types.Bool   `tfsdk:"hds_certified"`
	Regions              types.List   `tfsdk:"regions"`
	Names                types.List   `tfsdk:"names"`
}

// regionAttrTypes is the object type of one element of "regions".
var regionAttrTypes = map[string]attr.Type{
	"cloud":                 types.StringType,
	"name":                  types.StringType,
	"location":              types.StringType,
	"country":               types.StringType,
	"in_eu":                 types.BoolType,
	"secnumcloud_qualified": types.BoolType,
	"hds_certified":         types.BoolType,
	"offer":                 types.StringType,
	"provider_supported":    types.BoolType,
	"source":                types.StringType,
	"hds_source":            types.StringType,
	"notes":                 types.StringType,
}

func (d *secNumCloudRegionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secnumcloud_regions"
}

func (d *secNumCloudRegionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The regions and offers of 3DS OUTSCALE and OVHcloud, with what public statements say of " +
			"their **SecNumCloud** qualification (ANSSI) and **HDS** certification (French health-data hosting). " +
			"The catalogue is built into the provider and needs no credentials; every claim carries the URL of the " +
			"public statement behind it, and `notes` says plainly what could not be verified. A region counts as " +
			"qualified or certified only when a public source says so; anything unverified is `false`.\n\n" +
			"Qualifications change: check the ANSSI list of qualified providers and the ANS list of certified hosts " +
			"before relying on this in a tender.",
		Attributes: map[string]schema.Attribute{
			"cloud": schema.StringAttribute{
				MarkdownDescription: "Only list the regions of this cloud: `outscale` or `ovh`. Default: both.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(cloud.Names...)},
			},
			"secnumcloud_qualified": schema.BoolAttribute{
				MarkdownDescription: "Only list the regions whose SecNumCloud qualification equals this value.",
				Optional:            true,
			},
			"hds_certified": schema.BoolAttribute{
				MarkdownDescription: "Only list the regions whose HDS certification equals this value.",
				Optional:            true,
			},
			"names": schema.ListAttribute{
				MarkdownDescription: "The names of the listed regions, in the order of `regions`.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"regions": schema.ListNestedAttribute{
				MarkdownDescription: "The matching regions, OUTSCALE first, each in the cloud's own order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"cloud": schema.StringAttribute{MarkdownDescription: "`outscale` or `ovh`.", Computed: true},
					"name": schema.StringAttribute{
						MarkdownDescription: "The region's name in the cloud's API (`cloudgouv-eu-west-1`, `EU-WEST-PAR`), " +
							"or, for an offer outside the public API, the name of its location.",
						Computed: true,
					},
					"location": schema.StringAttribute{MarkdownDescription: "Where the data centres are, as the cloud describes it.", Computed: true},
					"country":  schema.StringAttribute{MarkdownDescription: "ISO 3166-1 alpha-2 code of the country the data centres are in.", Computed: true},
					"in_eu":    schema.BoolAttribute{MarkdownDescription: "Whether the data centres are in the European Union.", Computed: true},
					"secnumcloud_qualified": schema.BoolAttribute{
						MarkdownDescription: "Whether a public statement names this region or offer as SecNumCloud-qualified by ANSSI.",
						Computed:            true,
					},
					"hds_certified": schema.BoolAttribute{
						MarkdownDescription: "Whether a public statement places this region or offer within an HDS certificate.",
						Computed:            true,
					},
					"offer": schema.StringAttribute{MarkdownDescription: "The commercial offer the region belongs to.", Computed: true},
					"provider_supported": schema.BoolAttribute{
						MarkdownDescription: "Whether this provider can deploy a warehouse there. Some qualified offers are " +
							"driven through other APIs than the ones this provider uses; they are listed so that the " +
							"catalogue is complete, with `provider_supported = false`.",
						Computed: true,
					},
					"source":     schema.StringAttribute{MarkdownDescription: "URL of the public statement behind `secnumcloud_qualified`.", Computed: true},
					"hds_source": schema.StringAttribute{MarkdownDescription: "URL of the public statement behind `hds_certified`.", Computed: true},
					"notes":      schema.StringAttribute{MarkdownDescription: "What is verified and what is not, in plain words.", Computed: true},
				}},
			},
		},
	}
}

func (d *secNumCloudRegionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var state secNumCloudRegionsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var regions []attr.Value
	var names []attr.Value
	for _, r := range cloud.Regions() {
		if (!state.Cloud.IsNull() && state.Cloud.ValueString() != r.Cloud) ||
			(!state.SecNumCloudQualified.IsNull() && state.SecNumCloudQualified.ValueBool() != r.SecNumCloud) ||
			(!state.HDSCertified.IsNull() && state.HDSCertified.ValueBool() != r.HDS) {
			continue
		}
		obj, diags := types.ObjectValue(regionAttrTypes, map[string]attr.Value{
			"cloud":                 types.StringValue(r.Cloud),
			"name":                  types.StringValue(r.Name),
			"location":              types.StringValue(r.Location),
			"country":               types.StringValue(r.Country),
			"in_eu":                 types.BoolValue(r.InEU),
			"secnumcloud_qualified": types.BoolValue(r.SecNumCloud),
			"hds_certified":         types.BoolValue(r.HDS),
			"offer":                 types.StringValue(r.Offer),
			"provider_supported":    types.BoolValue(r.ProviderSupported),
			"source":                types.StringValue(r.Source),
			"hds_source":            types.StringValue(r.HDSSource),
			"notes":                 types.StringValue(r.Notes),
		})
		resp.Diagnostics.Append(diags...)
		regions = append(regions, obj)
		names = append(names, types.StringValue(r.Name))
	}
	list, diags := types.ListValue(types.ObjectType{AttrTypes: regionAttrTypes}, regions)
	resp.Diagnostics.Append(diags...)
	state.Regions = list
	list, diags = types.ListValue(types.StringType, names)
	resp.Diagnostics.Append(diags...)
	state.Names = list
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
