package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/compliance"
)

var (
	_ datasource.DataSourceWithConfigure = (*warehouseComplianceDataSource)(nil)
)

// NewWarehouseComplianceDataSource returns the health_warehouse_compliance
// data source.
func NewWarehouseComplianceDataSource() datasource.DataSource {
	return &warehouseComplianceDataSource{}
}

// warehouseComplianceDataSource reads a warehouse's resources back from the
// cloud and reports every control of the catalogue on them: the evidence a
// tender evaluator hands in, taken from what the cloud holds rather than
// from what the configuration says.
type warehouseComplianceDataSource struct {
	data *providerData
}

type complianceModel struct {
	Title          types.String `tfsdk:"title"`
	NetworkIDs     types.List   `tfsdk:"network_ids"`
	KMSKeyIDs      types.List   `tfsdk:"kms_key_ids"`
	BucketNames    types.List   `tfsdk:"bucket_names"`
	BastionIDs     types.List   `tfsdk:"bastion_ids"`
	KeyManagerIDs  types.List   `tfsdk:"key_manager_ids"`
	WorkspaceIDs   types.List   `tfsdk:"workspace_ids"`
	Exceptions     types.List   `tfsdk:"exceptions"`
	Profile        types.String `tfsdk:"profile"`
	Compliant      types.Bool   `tfsdk:"compliant"`
	Summary        types.Object `tfsdk:"summary"`
	Controls       types.List   `tfsdk:"controls"`
	ReportMarkdown types.String `tfsdk:"report_markdown"`
	ReportJSON     types.String `tfsdk:"report_json"`
}

var summaryAttrTypes = map[string]attr.Type{
	"pass": types.Int64Type, "fail": types.Int64Type, "excepted": types.Int64Type,
	"not_applicable": types.Int64Type, "unknown": types.Int64Type,
}

var findingAttrTypes = map[string]attr.Type{
	"control": types.StringType, "title": types.StringType, "resource_type": types.StringType,
	"subject": types.StringType, "status": types.StringType, "evidence": types.StringType,
	"detail": types.StringType, "enforced": types.BoolType,
}

// defaultReportTitle names a report whose configuration gives no title.
const defaultReportTitle = "Health-data warehouse compliance report"

func (d *warehouseComplianceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_warehouse_compliance"
}

func (d *warehouseComplianceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	ids := func(what string) schema.ListAttribute {
		return schema.ListAttribute{
			MarkdownDescription: "The " + what + " to check, read back from the cloud.",
			Optional:            true,
			ElementType:         types.StringType,
		}
	}
	var controls []string
	for _, c := range compliance.Catalogue() {
		controls = append(controls, c.ID)
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The compliance report of a warehouse: every control of the catalogue (see the Compliance " +
			"guide) on each resource listed, with its status (`pass`, `fail`, `excepted`, `not-applicable`, `unknown`) and " +
			"the evidence it rests on. The evidence is read back from the cloud at every refresh, not taken from the " +
			"configuration: a bucket whose versioning was suspended outside Terraform is reported as failing even before " +
			"the next apply restores it. Where a cloud does not hold a setting (OVHcloud returns no bastion user-data, OKMS " +
			"keeps no rotation period), the control is `unknown` and the evidence says why. For a raw or pseudonymised bucket " +
			"under a customer key, HW-ENC-02 asks the key manager whether it holds `kms_key_id`, enabled, and samples the " +
			"bucket's five newest objects without any key: one stored under the cloud's own key rather than SSE-C fails it, " +
			"named.\n\n" +
			"`report_markdown` and `report_json` are ready to hand in; write them to files with `terraform output -raw`.",
		Attributes: map[string]schema.Attribute{
			"title": schema.StringAttribute{
				MarkdownDescription: "The report's title. Default: `" + defaultReportTitle + "`.",
				Optional:            true,
			},
			"network_ids":     ids("ids of `health_warehouse_network` resources"),
			"kms_key_ids":     ids("ids of `health_warehouse_kms_key` resources"),
			"bucket_names":    ids("names of `health_warehouse_storage` buckets"),
			"bastion_ids":     ids("ids of `health_warehouse_bastion` resources"),
			"key_manager_ids": ids("ids of `health_warehouse_key_manager` resources"),
			"workspace_ids": schema.ListAttribute{
				MarkdownDescription: "The workspaces to check, each as `<network_id>/<name>/<id>` (the form `terraform import` " +
					"takes): their groups' rules and their identities' policies are read back from the cloud, and judged " +
					"against each other (HW-WS-01 to HW-WS-03). Their buckets' zones come from the buckets' own tags.",
				Optional:    true,
				ElementType: types.StringType,
			},
			"exceptions": schema.ListNestedAttribute{
				MarkdownDescription: "Controls accepted to fail, as the resources' own `compliance_exceptions` state them " +
					"(a data source cannot read another resource's configuration: repeat them here). A failed control " +
					"listed here is reported `excepted`, with the justification.",
				Optional: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"control": schema.StringAttribute{
						MarkdownDescription: "The control's id, such as `HW-STO-03`.",
						Required:            true,
						Validators:          []validator.String{stringvalidator.OneOf(controls...)},
					},
					"subject": schema.StringAttribute{
						MarkdownDescription: "The resource the exception is for: its name or its cloud id, exactly, as " +
							"listed above (a bucket's name, a key's id, …); part of a name matches nothing. Leave it out to " +
							"accept the control on every resource.",
						Optional: true,
					},
					"justification": schema.StringAttribute{
						MarkdownDescription: "Why the risk is accepted, and who accepted it.",
						Required:            true,
						Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
					},
				}},
			},
			"profile": schema.StringAttribute{
				MarkdownDescription: "The provider's compliance profile the report is made against.",
				Computed:            true,
			},
			"compliant": schema.BoolAttribute{
				MarkdownDescription: "Whether no control the profile enforces fails.",
				Computed:            true,
			},
			"summary": schema.SingleNestedAttribute{
				MarkdownDescription: "How many findings have each status.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"pass":           schema.Int64Attribute{MarkdownDescription: "Controls met.", Computed: true},
					"fail":           schema.Int64Attribute{MarkdownDescription: "Controls failed.", Computed: true},
					"excepted":       schema.Int64Attribute{MarkdownDescription: "Controls failed and accepted by an exception.", Computed: true},
					"not_applicable": schema.Int64Attribute{MarkdownDescription: "Controls that do not concern the resource (a zone-bound control on another zone).", Computed: true},
					"unknown":        schema.Int64Attribute{MarkdownDescription: "Controls the cloud gives no evidence for.", Computed: true},
				},
			},
			"controls": schema.ListNestedAttribute{
				MarkdownDescription: "Every finding: one control on one resource, sorted by control.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"control":       schema.StringAttribute{MarkdownDescription: "The control's id.", Computed: true},
					"title":         schema.StringAttribute{MarkdownDescription: "What the control requires.", Computed: true},
					"resource_type": schema.StringAttribute{MarkdownDescription: "The resource type checked.", Computed: true},
					"subject":       schema.StringAttribute{MarkdownDescription: "The resource checked: its name and cloud id.", Computed: true},
					"status":        schema.StringAttribute{MarkdownDescription: "`pass`, `fail`, `excepted`, `not-applicable` or `unknown`.", Computed: true},
					"evidence":      schema.StringAttribute{MarkdownDescription: "The values read from the cloud that decide it.", Computed: true},
					"detail":        schema.StringAttribute{MarkdownDescription: "The fix for a failure, or the justification of an exception.", Computed: true},
					"enforced":      schema.BoolAttribute{MarkdownDescription: "Whether the profile enforces the control at plan time.", Computed: true},
				}},
			},
			"report_markdown": schema.StringAttribute{
				MarkdownDescription: "The report for people: verdict, a table of findings, and the sources of each control.",
				Computed:            true,
			},
			"report_json": schema.StringAttribute{
				MarkdownDescription: "The same report as JSON, for tools.",
				Computed:            true,
			},
		},
	}
}

func (d *warehouseComplianceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// scoped is an exception of the data source, with the resource it is for.
type scoped struct {
	compliance.Exception
	Subject string
}

func (d *warehouseComplianceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var m complianceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var subjects []compliance.Subject
	sources := &trailSources{}
	for _, read := range []struct {
		list types.List
		what string
		read func(context.Context, string) (compliance.Subject, error)
	}{
		{m.NetworkIDs, "network", d.network},
		{m.KMSKeyIDs, "KMS key", d.key},
		{m.BucketNames, "bucket", func(ctx context.Context, name string) (compliance.Subject, error) {
			return d.bucket(ctx, name, sources)
		}},
		{m.BastionIDs, "bastion", func(ctx context.Context, id string) (compliance.Subject, error) {
			return d.bastion(ctx, id, sources)
		}},
		{m.KeyManagerIDs, "key manager", d.keyManager},
	} {
		ids, _ := knownStrings(read.list)
		for _, id := range ids {
			s, err := read.read(ctx, id)
			if err != nil {
				resp.Diagnostics.Append(cloudErrorDiagnostic(fmt.Sprintf("Unable to Read the %s %s for the Compliance Report", read.what, id), err))
				continue
			}
			subjects = append(subjects, s)
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	subjects = append(subjects, d.workspaces(ctx, m.WorkspaceIDs, &resp.Diagnostics)...)
	d.readTrails(ctx, subjects, sources)

	exceptions := scopedExceptions(m.Exceptions)
	region := regionFacts(d.data.cloud.Name(), d.data.cloud.Region())
	var findings []compliance.Finding
	for _, s := range subjects {
		s.Cloud, s.Region = d.data.cloud.Name(), region
		var mine []compliance.Exception
		for _, e := range exceptions {
			if exceptionFor(e.Subject, s.Name) {
				mine = append(mine, e.Exception)
			}
		}
		findings = append(findings, compliance.Evaluate(d.data.profile, s, mine)...)
	}
	title := m.Title.ValueString()
	if title == "" {
		title = defaultReportTitle
	}
	report := compliance.NewReport(title, d.data.profile, d.data.cloud.Name(), d.data.cloud.Region(), findings)

	m.Profile = types.StringValue(d.data.profile)
	m.Compliant = types.BoolValue(report.Summary.Compliant)
	m.Summary = types.ObjectValueMust(summaryAttrTypes, map[string]attr.Value{
		"pass": types.Int64Value(int64(report.Summary.Pass)), "fail": types.Int64Value(int64(report.Summary.Fail)),
		"excepted": types.Int64Value(int64(report.Summary.Excepted)), "not_applicable": types.Int64Value(int64(report.Summary.NotApplicable)),
		"unknown": types.Int64Value(int64(report.Summary.Unknown)),
	})
	rows := make([]attr.Value, 0, len(report.Findings))
	for _, f := range report.Findings {
		rows = append(rows, types.ObjectValueMust(findingAttrTypes, map[string]attr.Value{
			"control": types.StringValue(f.Control), "title": types.StringValue(f.Title),
			"resource_type": types.StringValue(string(f.Kind)), "subject": types.StringValue(f.Subject),
			"status": types.StringValue(string(f.Status)), "evidence": types.StringValue(f.Evidence),
			"detail": types.StringValue(f.Detail), "enforced": types.BoolValue(f.Enforced),
		}))
	}
	m.Controls = types.ListValueMust(types.ObjectType{AttrTypes: findingAttrTypes}, rows)
	m.ReportMarkdown = types.StringValue(report.Markdown())
	m.ReportJSON = types.StringValue(report.JSON())
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func scopedExceptions(v types.List) []scoped {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	var out []scoped
	for _, e := range v.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsNull() || o.IsUnknown() {
			continue
		}
		a := o.Attributes()
		control, _ := a["control"].(types.String)
		subject, _ := a["subject"].(types.String)
		why, _ := a["justification"].(types.String)
		out = append(out, scoped{Exception: compliance.Exception{Control: control.ValueString(), Justification: why.ValueString()},
			Subject: subject.ValueString()})
	}
	return out
}

// exceptionFor says whether an exception scoped to subject is for the
// resource the report names name (subjectName's form): subject is that
// whole name, the resource's name or its cloud id, exactly; "" is every
// resource. A part of a name is not enough: an exception for the bucket
// wh-raw says nothing of wh-raw-archive.
func exceptionFor(subject, name string) bool {
	if subject == "" || subject == name {
		return true
	}
	if n, id, ok := strings.Cut(name, " ("); ok {
		return subject == n || subject+")" == id
	}
	return false
}

// subjectName names a resource in reports: its name, then its cloud id.
func subjectName(name, id string) string {
	if name == "" || name == id {
		return id
	}
	return fmt.Sprintf("%s (%s)", name, id)
}

func (d *warehouseComplianceDataSource) network(ctx context.Context, id string) (compliance.Subject, error) {
	n, err := d.data.cloud.ReadNetwork(ctx, cloud.Network{ID: id})
	if err != nil {
		return compliance.Subject{}, err
	}
	facts := &compliance.NetworkFacts{RulesEnforcement: n.RulesEnforcement}
	s := compliance.Subject{Kind: compliance.KindNetwork, Name: subjectName(n.Name, n.ID), Network: facts}
	if n.RulesEnforcement != cloud.EnforcedBySecurityGroups {
		s.Unreadable = map[string]string{
			"admin_cidrs":  "the cloud holds no security groups for this network: only the machines' own firewalls apply admin_cidrs",
			"egress_allow": "the cloud holds no security groups for this network: nothing the cloud shows denies egress",
		}
		return s, nil
	}
	// A tier without its group is enforced by nothing the cloud shows
	// (on OVHcloud its ports fall back on the project's default group).
	var ungrouped []string
	for _, tier := range cloud.Tiers {
		if n.Subnets[tier].SecurityGroupID == "" {
			ungrouped = append(ungrouped, tier)
		}
	}
	if len(ungrouped) > 0 {
		why := fmt.Sprintf("the %s tier(s) have no security group in the cloud (deleted outside Terraform, or made "+
			"before the provider managed them): apply the network to make them", strings.Join(ungrouped, ", "))
		s.Unreadable = map[string]string{"admin_cidrs": why, "egress_allow": why}
		return s, nil
	}
	for _, r := range n.Rules {
		if r.IsOutbound() {
			continue
		}
		if r.Tier == cloud.TierBastion && r.FromPort <= cloud.PortSSH && r.ToPort >= cloud.PortSSH && !strings.HasPrefix(r.Source, "tier:") {
			facts.AdminCIDRs = append(facts.AdminCIDRs, r.Source)
		}
	}
	// Every outbound rule of the tiers' security groups, as the cloud holds
	// them: a rule added outside Terraform counts as much as one of egress_allow.
	facts.Outbound = outboundFacts(n.Rules)
	return s, nil
}

func (d *warehouseComplianceDataSource) key(ctx context.Context, id string) (compliance.Subject, error) {
	k, err := d.data.cloud.ReadKey(ctx, cloud.Key{ID: id})
	if err != nil {
		return compliance.Subject{}, err
	}
	b := d.data.cloud.KeyBackend()
	facts := &compliance.KeyFacts{Backend: k.Backend}
	s := compliance.Subject{Kind: compliance.KindKMSKey, Name: subjectName(k.Name, k.ID), Key: facts, Unreadable: map[string]string{}}
	if b.NativeRotation {
		facts.RotationPeriodDays = int(k.RotationPeriod.Hours() / 24)
	} else {
		s.Unreadable["rotation_period"] = b.Title + " keeps no rotation period: the provider rotates the key when " +
			"its rotation_period is due, which only the Terraform state records"
	}
	if b.EnforcesDeletionProtection {
		facts.DeletionProtection = k.DeletionProtection
	} else {
		s.Unreadable["deletion_protection"] = b.Title + " has no deletion protection of its own: the provider " +
			"enforces deletion_protection, which only the Terraform state records"
	}
	return s, nil
}

func (d *warehouseComplianceDataSource) bucket(ctx context.Context, name string, sources *trailSources) (compliance.Subject, error) {
	bk, err := d.data.cloud.ReadBucket(ctx, cloud.Bucket{Name: name})
	if err != nil {
		return compliance.Subject{}, err
	}
	if l := bk.AccessLogs; l != nil {
		sources.add(l.Bucket, "", compliance.StreamFacts{What: "the access logs of " + bk.Name, Prefix: l.Prefix})
	}
	facts := &compliance.BucketFacts{Zone: bk.Zone, Encryption: bk.Encryption, KMSKeyID: bk.KMSKeyID,
		Versioning: bk.Versioning, Policy: bk.Policy, PolicyKind: bk.PolicyKind}
	if bk.SSEAlgorithm == "" {
		facts.Encryption = "none"
	}
	if bk.ObjectLock != nil {
		facts.ObjectLockMode, facts.ObjectLockDays = bk.ObjectLock.Mode, bk.ObjectLock.RetentionDays
	}
	s := compliance.Subject{Kind: compliance.KindStorage, Name: bk.Name, Bucket: facts}
	if err := d.customerKeyEvidence(ctx, bk, &s); err != nil {
		return compliance.Subject{}, err
	}
	return s, nil
}

// customerKeyEvidence reads what HW-ENC-02 rests on for a raw or
// pseudonymised bucket under a customer key: the key as the key manager
// holds it, and how the newest objects are stored.
func (d *warehouseComplianceDataSource) customerKeyEvidence(ctx context.Context, bk cloud.Bucket, s *compliance.Subject) error {
	if bk.Encryption != cloud.EncryptionCustomerKey || bk.KMSKeyID == "" ||
		(bk.Zone != compliance.ZoneRaw && bk.Zone != compliance.ZonePseudonymised) {
		return nil
	}
	unreadable := func(attr, why string) {
		if s.Unreadable == nil {
			s.Unreadable = map[string]string{}
		}
		s.Unreadable[attr] = why
	}
	manager := d.data.cloud.KeyBackend().Title
	k, err := d.data.cloud.ReadKey(ctx, cloud.Key{ID: bk.KMSKeyID})
	switch {
	case err == nil:
		s.Bucket.KMSKey = &compliance.KMSKeyFacts{Manager: manager, Found: true, Enabled: k.Enabled, State: k.State}
	case errors.Is(err, cloud.ErrNotFound), errors.Is(err, cloud.ErrInvalid):
		// An id the key manager does not know, or cannot even read as one.
		s.Bucket.KMSKey = &compliance.KMSKeyFacts{Manager: manager}
	default:
		unreadable("kms_key", fmt.Sprintf("the key %s could not be read from %s: %v", bk.KMSKeyID, manager, err))
	}
	sample, err := d.data.cloud.SampleObjectEncryption(ctx, bk.Name)
	switch {
	case err == nil:
		facts := &compliance.ObjectSampleFacts{Listed: sample.Listed, Truncated: sample.Truncated}
		for _, o := range sample.Objects {
			facts.Sampled = append(facts.Sampled, compliance.SampledObject{Key: o.Key, CustomerKey: o.CustomerKey, SSEAlgorithm: o.SSEAlgorithm})
		}
		s.Bucket.Objects = facts
	case errors.Is(err, cloud.ErrAuth):
		// allowed_source_ips: the bucket's policy refuses object calls
		// from anywhere but the warehouse.
		// The error itself is left out: it carries the store's request id,
		// which would change the report at every read.
		unreadable("objects", fmt.Sprintf("the objects of the bucket %s could not be sampled from here (the bucket's "+
			"policy refused the listing: AccessDenied): read the report from an address allowed_source_ips lists", bk.Name))
	default:
		return err
	}
	return nil
}

func (d *warehouseComplianceDataSource) bastion(ctx context.Context, id string, sources *trailSources) (compliance.Subject, error) {
	b, err := d.data.cloud.ReadBastion(ctx, cloud.Bastion{ID: id})
	if err != nil {
		return compliance.Subject{}, err
	}
	s := compliance.Subject{Kind: compliance.KindBastion, Name: subjectName(b.Name, b.ID), Bastion: &compliance.BastionFacts{}}
	if b.UserData == nil {
		s.Unreadable = map[string]string{
			"mfa":               "the cloud's API does not return the bastion's user-data: check the second factor on the VM",
			"session_recording": "the cloud's API does not return the bastion's user-data: check the recording on the VM",
		}
		// Where it ships is unknown too: its records are looked for in
		// the report's audit buckets, under its host name.
		if b.Name != "" {
			var extra []compliance.StreamFacts
			if d.data.cloud.Name() == cloud.OVH {
				// Bastions made before the account-log readers pull none:
				// the stream counts where it is found.
				extra = append(extra, accountLogsStream(b.Name))
			}
			sources.search(s.Name, b.Name, extra...)
		}
		return s, nil
	}
	rec, err := bastion.Recover(b.UserData)
	if err != nil {
		if errors.Is(err, bastion.ErrNotABastion) {
			s.Unreadable = map[string]string{
				"mfa":               "the VM's user-data was not rendered by this provider",
				"session_recording": "the VM's user-data was not rendered by this provider",
			}
			return s, nil
		}
		return compliance.Subject{}, err
	}
	s.Bastion.MFA, s.Bastion.SessionRecording = rec.Spec.MFA, rec.Spec.SessionRecording
	setTierAccessFacts(s.Bastion, rec)
	if a := rec.Spec.AuditBucket; a != nil {
		s.Bastion.AuditBucket = a.Bucket
		host := rec.Spec.Name
		if host == "" {
			host = b.Name
		}
		streams := bastionStreams(host)
		if a.APILogsEndpoint != "" {
			streams = append(streams, compliance.StreamFacts{What: "the OUTSCALE API logs pulled by the bastion " + host,
				Prefix: host + "/api-logs/"})
		}
		if a.AccountLogsEndpoint != "" {
			streams = append(streams, accountLogsStream(host))
		}
		for _, st := range streams {
			st.Prefix = a.Prefix + st.Prefix
			sources.add(a.Bucket, s.Name, st)
		}
	}
	return s, nil
}

// setTierAccessFacts says, from a bastion's user-data, how its tiers are
// reached and what its sshd_config forwards: read back from the cloud,
// not taken from the state.
func setTierAccessFacts(f *compliance.BastionFacts, rec bastion.Recovered) {
	f.TierAccess = rec.EffectiveTierAccess()
	if rec.SSHDConfig != "" {
		f.SSHDForwarding, f.OpenForwarding = bastion.ForwardingSettings(rec.SSHDConfig)
	}
}

// keyManager reads a key manager: the controls on it are about where it is.
func (d *warehouseComplianceDataSource) keyManager(ctx context.Context, id string) (compliance.Subject, error) {
	c, err := d.data.cloud.ReadKeyManager(ctx, cloud.KeyManagerCluster{ID: id})
	if err != nil {
		return compliance.Subject{}, err
	}
	return compliance.Subject{Kind: compliance.KindKeyManager, Name: subjectName(c.Name, c.ID)}, nil
}

// workspaces reads the workspaces ids name, each judged with the others as
// its neighbours, and the zones of every bucket they name.
func (d *warehouseComplianceDataSource) workspaces(ctx context.Context, list types.List, diags *diag.Diagnostics) []compliance.Subject {
	ids, _ := knownStrings(list)
	var all []cloud.Workspace
	var facts []*compliance.WorkspaceFacts
	for _, id := range ids {
		parts := strings.Split(id, "/")
		if len(parts) != 3 {
			diags.AddAttributeError(path.Root("workspace_ids"), "Invalid Workspace Id",
				fmt.Sprintf("%q is not <network_id>/<name>/<id>.", id))
			continue
		}
		ws, err := d.data.cloud.ReadWorkspace(ctx, cloud.Workspace{NetworkID: parts[0], Name: parts[1], ID: parts[2]})
		if err != nil {
			diags.Append(cloudErrorDiagnostic("Unable to Read the Workspace "+id+" for the Compliance Report", err))
			continue
		}
		all = append(all, ws)
	}
	zones := map[string]string{}
	var unreadable string
	networkUnreadable := map[*compliance.WorkspaceFacts]string{}
	for _, ws := range all {
		f := workspaceFactsOf(ws)
		n, err := d.data.cloud.ReadNetwork(ctx, cloud.Network{ID: ws.NetworkID})
		if err == nil {
			f.BastionCIDR, f.ComputeCIDR = n.Subnets[cloud.TierBastion].CIDR, n.Subnets[cloud.TierCompute].CIDR
			f.ComputeRules = computeTierRules(n.Rules)
		} else {
			networkUnreadable[f] = fmt.Sprintf("the network %s, whose compute tier's group the machines are in, could not be read: %s",
				ws.NetworkID, err)
		}
		for _, b := range workspaceBucketNames(f) {
			if _, done := zones[b]; done {
				continue
			}
			bucket, err := d.data.cloud.ReadBucket(ctx, cloud.Bucket{Name: b})
			if err != nil {
				unreadable = fmt.Sprintf("the bucket %s could not be read: %s", b, err)
				continue
			}
			zones[b] = bucket.Zone
		}
		facts = append(facts, f)
	}
	var out []compliance.Subject
	for i, f := range facts {
		for j, other := range facts {
			if i != j {
				f.Others = append(f.Others, compliance.OtherWorkspace{Name: other.Name, GroupID: other.GroupID, Buckets: other.Buckets})
			}
		}
		s := compliance.Subject{Kind: compliance.KindWorkspace, Name: f.Name, Workspace: f, Unreadable: map[string]string{}}
		if unreadable != "" {
			s.Unreadable["zones"] = unreadable
		} else {
			f.Zones = zones
		}
		if why, ok := networkUnreadable[f]; ok {
			s.Unreadable["compute_rules"] = why
		}
		out = append(out, s)
	}
	return out
}

// workspaceFactsOf is what the cloud holds of a workspace, as facts. The
// datasets and buckets are read from the policy's statements' names: the
// cloud holds no other record of them.
func workspaceFactsOf(ws cloud.Workspace) *compliance.WorkspaceFacts {
	f := &compliance.WorkspaceFacts{Name: ws.Name, GroupID: ws.ID, Rules: ws.Rules, Policy: ws.Policy}
	f.Datasets, f.Buckets = cloud.WorkspaceGrants(ws.Policy)
	return f
}

// workspaceBucketNames are the buckets a workspace's facts name.
func workspaceBucketNames(f *compliance.WorkspaceFacts) []string {
	var out []string
	for _, b := range []string{f.Buckets.Working, f.Buckets.Import, f.Buckets.Export} {
		if b != "" {
			out = append(out, b)
		}
	}
	for _, d := range f.Datasets {
		out = append(out, d.Bucket)
	}
	return out
}
