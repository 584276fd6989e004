package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/compliance"
)

var (
	_ resource.ResourceWithConfigure      = (*warehouseBastionResource)(nil)
	_ resource.ResourceWithImportState    = (*warehouseBastionResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*warehouseBastionResource)(nil)
	_ resource.ResourceWithValidateConfig = (*warehouseBastionResource)(nil)
)

// NewWarehouseBastionResource returns the health_warehouse_bastion resource.
func NewWarehouseBastionResource() resource.Resource { return &warehouseBastionResource{} }

// warehouseBastionResource is the warehouse's audited administrative
// entry point: one VM in the network's bastion tier, configured at first
// boot from user-data the provider renders (internal/bastion), with an SSH
// host key the provider makes so that administrators pin it.
type warehouseBastionResource struct {
	data *providerData
}

// Default timeouts: a VM, its address, and on OVHcloud an operation.
const (
	bastionCreateTimeout = 20 * time.Minute
	bastionReadTimeout   = 5 * time.Minute
	bastionUpdateTimeout = 20 * time.Minute
	bastionDeleteTimeout = 20 * time.Minute
)

// maxAdmins keeps the user-data under OpenStack's 64 KiB.
const maxAdmins = 40

func (r *warehouseBastionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_warehouse_bastion"
}

func (r *warehouseBastionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaced := " Changing it replaces the bastion: cloud-init applies the configuration once, at first boot."
	resp.Schema = schema.Schema{
		MarkdownDescription: "The warehouse's audited administrative entry point, and its only one: a hardened SSH " +
			"bastion in the network's `bastion` tier, reachable from the network's `admin_cidrs` only, with a second " +
			"factor (TOTP or a FIDO2 security key), every interactive session recorded, auditd, automatic security " +
			"updates, a host firewall applying the network's rules, and an audit trail shipped to a bucket of yours. " +
			"It replaces Azure Bastion, and goes further where it can: the SSH host key is made by the provider and " +
			"published (`known_hosts`), so administrators never trust a key on first use, and the recordings and keys " +
			"stay in the customer's hands.\n\n" +
			"Administrators reach the other tiers through a recorded hop: a session on the bastion, recorded, that runs " +
			"`ssh` to the target with their agent, restricted by destination (`ssh_config` is ready to use; see `tier_access` " +
			"for why `ssh -J`, `scp`, `sftp` and port forwards through the bastion are refused). The bastion is configured " +
			"once, at first boot, by cloud-init: changing the administrators, the second factor or anything that shapes " +
			"the machine replaces it (the plan says so); only `tags` change in place. A VM stopped, or an address " +
			"unlinked, outside Terraform is set right by the next apply.\n\n" +
			"**Where the private host key lives.** The provider never stores it in the Terraform state. It travels in " +
			"the VM's user-data, which the cloud keeps: on OUTSCALE any identity of the account allowed `ReadVms` can " +
			"read it back through the API (restrict `api:ReadVms` with EIM policies); on OVHcloud the API does not " +
			"return user-data. On the VM, the metadata service serves it; the bastion's firewall lets only root reach it.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The bastion VM's id: `i-…` on OUTSCALE, the instance's UUID on OVHcloud. Use it to import.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"vm_id": schema.StringAttribute{
				MarkdownDescription: "The VM's id in the cloud (the same as `id`): the VM id on OUTSCALE, the instance id on " +
					"OVHcloud, to find it in the console or the API.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"network_id": schema.StringAttribute{
				MarkdownDescription: "The `id` of the `health_warehouse_network` the bastion goes in: its `bastion` tier's " +
					"subnet and security group (and gateway on OVHcloud) receive the bastion." + replaced,
				Required:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{replaceUnlessAdopting()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the bastion: its host name, its `Host` alias in `ssh_config`, the name of its VM. " +
					"Lower-case letters, digits and `-`, starting with a letter, up to 63 characters." + replaced,
				Required: true,
				Validators: []validator.String{stringvalidator.RegexMatches(bastionNamePattern,
					"must be lower-case letters, digits and -, starting with a letter, up to 63 characters")},
				PlanModifiers: []planmodifier.String{replaceUnlessAdopting()},
			},
			"size": schema.StringAttribute{
				MarkdownDescription: "`small` (default), `medium` or `large`: on OUTSCALE `tinav6.c2r4p2`, `tinav6.c4r8p2`, " +
					"`tinav6.c8r16p2`; on OVHcloud the `b3-8`, `b3-16`, `b3-32` flavors. Or a type of the cloud, such as " +
					"`tinav5.c2r2p2` or `d2-4`." + replaced,
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString(defaultSize),
				Validators:    []validator.String{bastionSize{}},
				PlanModifiers: []planmodifier.String{replaceUnlessAdopting()},
			},
			"vm_type": schema.StringAttribute{
				MarkdownDescription: "The cloud's VM type or flavor `size` stands for.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"image": schema.StringAttribute{
				MarkdownDescription: "The operating system: `debian-12` (default) or `ubuntu-24.04`, the newest official image " +
					"of that family at creation (OUTSCALE's `Debian-12-…` OMIs, OVHcloud's `Debian 12` image), or an image id. " +
					"A newer image published later does not replace the bastion; security updates install themselves." + replaced,
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString(defaultImage),
				Validators:    []validator.String{imageAttr{}},
				PlanModifiers: []planmodifier.String{replaceUnlessAdopting()},
			},
			"image_id": schema.StringAttribute{
				MarkdownDescription: "The image the bastion was made from.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"admins": schema.ListNestedAttribute{
				MarkdownDescription: fmt.Sprintf("The administrators: the only accounts on the bastion, 1 to %d. Each logs in "+
					"with their own key, so that the audit trail tells them apart. Keys: %s. Anything else is refused at "+
					"plan time. Nobody, administrators included, is root on the bastion.", maxAdmins, bastion.KeyRule) + replaced,
				Required: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						MarkdownDescription: "The administrator's login on the bastion: " + bastion.NameRule + ".",
						Required:            true,
					},
					"ssh_public_key": schema.StringAttribute{
						MarkdownDescription: "The administrator's SSH public key, as in a `.pub` file " +
							"(`ssh-ed25519 AAAAC3… alice@laptop`). Never a private key.",
						Required: true,
					},
				}},
				Validators:    []validator.List{listvalidator.SizeBetween(1, maxAdmins), adminKeys{}},
				PlanModifiers: []planmodifier.List{replaceListUnlessAdopting()},
			},
			"mfa": schema.StringAttribute{
				MarkdownDescription: "The second factor: `fido2` (the default when every key is a FIDO2 `sk-` key), `totp` " +
					"(the default otherwise) or `none`.\n\n" +
					"  - `fido2`: sshd demands, at each login, the security key's *user presence* (`touch-required`: " +
					"someone touched it — possession) and its *user verification* (`verify-required`: the device checked " +
					"its PIN or a fingerprint). Keys must be made with `ssh-keygen -t ed25519-sk -O verify-required`.\n" +
					"  - `totp`: after the key, a one-time code from an authenticator app (google-authenticator-libpam). " +
					"Each administrator enrols at their first login, which allows nothing else; the secrets stay on the " +
					"bastion, root-only, never in Terraform.\n" +
					"  - `none`: the key alone. The compliance control HW-ADM-02 fails: the plan stops unless " +
					"`compliance_exceptions` accepts it, with a justification." + replaced,
				Optional:      true,
				Computed:      true,
				Validators:    []validator.String{stringvalidator.OneOf(bastion.MFAs...)},
				PlanModifiers: []planmodifier.String{replaceUnlessAdopting()},
			},
			"session_recording": schema.BoolAttribute{
				MarkdownDescription: "Record every session on the bastion, interactive or given a command (default `true`): with tlog in `openssh` " +
					"mode, into the journal, which administrators cannot write to (what the terminal shows; keystrokes are not " +
					"recorded, so that codes and passwords typed to other hosts are not); with ovh-ttyrec in `the-bastion` " +
					"mode. Sessions given a command (`ssh bastion -t ssh target`, the recorded hop of `ssh_config`) are " +
					"recorded like interactive ones: sshd runs the command through the login shell, tlog-rec-session, as " +
					"`-c`. The bastion forwards nothing, so no connection through it escapes the recording (`tier_access`)." + replaced,
				Optional:      true,
				Computed:      true,
				Default:       booldefault.StaticBool(true),
				PlanModifiers: []planmodifier.Bool{replaceBoolUnlessAdopting()},
			},
			"tier_access": schema.StringAttribute{
				MarkdownDescription: "How administrators reach the tiers' hosts through the bastion. `recorded-hop` " +
					"(`openssh` mode): the bastion forwards nothing — no `ssh -J`, `-W`, `-L`, `-R`, `-D`, no socket, tunnel " +
					"or X11 forwarding, no SFTP —, and the way to a tier host is a session on the bastion, recorded like any " +
					"other, that runs `ssh` to the target with your agent forwarded (see `ssh_config`). `the-bastion`: The " +
					"Bastion opens the connections itself and records them. `proxy-jump`: read back from a bastion made by an " +
					"earlier version of this provider, which forwards `ssh -J` connections that no recording sees; a state " +
					"without this attribute counts as one. Either plans the bastion's replacement.",
				Computed: true,
			},
			"idle_timeout": schema.StringAttribute{
				MarkdownDescription: "How long an idle session stays open, such as `15m` (default) " +
					"or `1h`; between 1 minute and 12 hours." + replaced,
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString(defaultIdleTimeout),
				Validators:    []validator.String{idleTimeout{}},
				PlanModifiers: []planmodifier.String{replaceDurationUnlessAdopting()},
			},
			"allowed_targets": schema.SetAttribute{
				MarkdownDescription: "The tiers administrators may reach through the bastion: some of `compute`, `data`, " +
					"`kms` (default: all three). The bastion's firewall lets the recorded hops reach these tiers' blocks only, " +
					"on the ports the network's rules open to the bastion tier; `ssh_config` has a block for each." + replaced,
				Optional:      true,
				Computed:      true,
				ElementType:   types.StringType,
				Validators:    []validator.Set{setvalidator.ValueStringsAre(stringvalidator.OneOf(defaultTargets...))},
				PlanModifiers: []planmodifier.Set{replaceSetUnlessAdopting()},
			},
			"network_rules": schema.ListNestedAttribute{
				MarkdownDescription: "The network's rules, which the bastion's own firewall applies: set it to " +
					"`health_warehouse_network.<name>.rules`. The firewall repeats the tier's security group (OUTSCALE's, " +
					"OpenStack Neutron's on OVHcloud), as defence in depth. Changing the inbound rules (such as the " +
					"network's `admin_cidrs`) replaces the bastion, whose firewall is set at first boot: this keeps the " +
					"firewall and the network from ever disagreeing. The firewall applies the inbound rules only: a change " +
					"in the outbound rules alone (the network's `egress_allow`) is recorded in place.",
				Required:      true,
				NestedObject:  schema.NestedAttributeObject{Attributes: networkRuleAttributes()},
				PlanModifiers: []planmodifier.List{replaceRulesUnlessAdopting()},
			},
			"audit_bucket": schema.SingleNestedAttribute{
				MarkdownDescription: "Where the bastion ships its audit trail every five minutes: the journal (sshd, sudo, " +
					"the session recordings, the audit events) and, in `the-bastion` mode, The Bastion's ttyrec files. Use a " +
					"bucket with object lock (see `health_warehouse_storage`) and a key that may only write to it. Left out, " +
					"the trail stays on the bastion, which a replacement destroys." + replaced,
				Optional: true,
				Attributes: map[string]schema.Attribute{
					"bucket": schema.StringAttribute{MarkdownDescription: "The bucket's name.", Required: true,
						Validators: []validator.String{stringvalidator.LengthBetween(3, 63)}},
					"endpoint": schema.StringAttribute{
						MarkdownDescription: "The S3 endpoint. Default: the cloud's object storage in the provider's region " +
							"(`https://oos.<region>.outscale.com`, `https://s3.<region>.io.cloud.ovh.net`), or the provider's `storage_endpoint`.",
						Optional: true, Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
					},
					"region": schema.StringAttribute{MarkdownDescription: "The S3 region. Default: the provider's region.",
						Optional: true, Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
					"prefix": schema.StringAttribute{MarkdownDescription: "A prefix for the objects, such as `bastions/`. " +
						"Default: none; each bastion writes under its host name.",
						Optional: true, Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
					"access_key_id": schema.StringAttribute{MarkdownDescription: "The access key the bastion writes with. " +
						"Rotate the key by changing it (a new key has a new id). **On OUTSCALE, leave it out** (with " +
						"`secret_access_key`): the provider makes the bastion its own write-only identity, an EIM user whose " +
						"only policy allows `s3:PutObject` under `prefix` of `bucket` and reading the account's API logs " +
						"(`api:ReadApiLogs`, which the bastion pulls into `<prefix><name>/api-logs/`: the plan fails unless " +
						"`network_rules` let the bastion tier reach the API, as the network's rule to `service:cloud-api` does), " +
						"and its access key; the secret goes " +
						"straight into the user-data, never into the plan, the state or a log, and the identity is deleted " +
						"with the bastion (ids in `cloud_ids`). A key or link to the policy deleted outside Terraform " +
						"replaces the bastion. On OVHcloud, give the audit bucket's own key (`health_warehouse_storage_credentials`): the " +
						"provider then makes the bastion its own read-only OAuth2 service account, whose only IAM policy allows " +
						"`account:apiovh:me/logs/audit/get` on the account, which the bastion pulls the account's audit logs with " +
						"into `<prefix><name>/account-logs/`; its client secret goes straight into the user-data, it is deleted " +
						"with the bastion (ids in `cloud_ids`), and its policy deleted or changed outside Terraform replaces the bastion.",
						Optional: true, Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
					"secret_access_key": schema.StringAttribute{
						MarkdownDescription: "The secret of `access_key_id`, with it. Write-only: never in the plan nor the state. " +
							"It reaches the bastion in its user-data only (see above who can read that).",
						Optional: true, Sensitive: true, WriteOnly: true,
					},
				},
			},
			"mode": schema.StringAttribute{
				MarkdownDescription: "`openssh` (default): the distribution's OpenSSH, hardened by the provider (ANSSI's " +
					"OpenSSH guidance), no forwarding, the tiers reached through recorded hops, TOTP or FIDO2, tlog recordings. `the-bastion`: OVHcloud's " +
					"open-source [The Bastion](https://github.com/ovh/the-bastion), installed at first boot from its latest " +
					"release: per-account and group access rules, every session (interactive or not) recorded with " +
					"ovh-ttyrec, its own MFA (TOTP, required for every account with `mfa = \"totp\"`); the listed " +
					"administrators become its admin accounts. The Bastion opens its own connections to the targets, with " +
					"its own keys, which you then install on them." + replaced,
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString(bastion.ModeOpenSSH),
				Validators:    []validator.String{stringvalidator.OneOf(bastion.Modes...)},
				PlanModifiers: []planmodifier.String{replaceUnlessAdopting()},
			},
			"package_mirror": schema.SingleNestedAttribute{
				MarkdownDescription: "Where apt takes the bastion's packages from, at first boot and for the automatic " +
					"security updates after. Default: the official archive of `image` (`http://deb.debian.org/debian` and " +
					"`http://deb.debian.org/debian-security` for `debian-12`; `http://archive.ubuntu.com/ubuntu` and " +
					"`http://security.ubuntu.com/ubuntu` for `ubuntu-24.04`); with an image id there is none, and the image's " +
					"own sources stay. apt checks every package against the archive's Release file, signed with the " +
					"distribution's keys that the image carries: a mirror can withhold packages, not alter them.\n\n" +
					"Egress is denied by default: the plan fails, naming this attribute, unless the network's `egress_allow` " +
					"lets the `bastion` tier reach each mirror's host on its port (80 for `http://`, 443 for `https://`), the " +
					"host being listed in the entry's `hosts` or an address inside its `cidr`. In `the-bastion` mode the " +
					"bastion also downloads The Bastion from `github.com` on 443, checked the same way. The check needs the " +
					"network's outbound rules in `network_rules`; it is skipped for networks made before the provider had " +
					"them." + replaced,
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
			"tags": schema.MapAttribute{
				MarkdownDescription: "Tags on the VM and its public IP (OUTSCALE). OVHcloud instances have no tags: there they " +
					"are kept in the Terraform state only. Keys `Name` and `health:*` are reserved. Changes in place.",
				Optional:    true,
				ElementType: types.StringType,
				Validators:  []validator.Map{userTagKeys{}},
			},
			"vm_state": schema.StringAttribute{
				MarkdownDescription: "`running` while the bastion serves. Another value, read from the cloud (such as " +
					"`stopped`), makes the next apply start it; `terminated` (the VM is gone) makes it replace the bastion.",
				Computed: true,
			},
			"public_ip": schema.StringAttribute{
				MarkdownDescription: "The address administrators connect to; empty when it is not linked to the VM (the next " +
					"apply links it again).",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"private_ip": schema.StringAttribute{
				MarkdownDescription: "The bastion's address in its tier.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"host_public_key": schema.StringAttribute{
				MarkdownDescription: "The bastion's SSH host key (ed25519), made by the provider. Null after an import on " +
					"OVHcloud, whose API does not return the user-data it was sent in.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"host_key_fingerprint": schema.StringAttribute{
				MarkdownDescription: "Its fingerprint as `ssh` prints it (`SHA256:…`), to compare when connecting for the " +
					"first time if you do not use `known_hosts`.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"known_hosts": schema.StringAttribute{
				MarkdownDescription: "A `known_hosts` line pinning the host key for the public IP and the bastion's name: save " +
					"it (see the administrator's guide) and connections never trust on first use.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"ssh_config": schema.StringAttribute{
				MarkdownDescription: "A ready `ssh_config`: a `Host` block for the bastion with strict host key checking " +
					"against `known_hosts`, and for each allowed tier a block matching its addresses (`Host 10.0.1.*`) that goes " +
					"through a recorded hop: `ssh 10.0.1.5` connects to the bastion (`HostName`, `HostKeyAlias`), forwards " +
					"your agent (`ForwardAgent yes`), asks for a terminal (`RequestTTY force`) and runs `ssh -tt -- 10.0.1.5` " +
					"there (`RemoteCommand`), inside the recording. Your login on the target is your login on the bastion. " +
					"Restrict your agent first, once per target, so that a root on the bastion cannot use it anywhere else " +
					"(OpenSSH 8.9 or later): `ssh-add -H <bastion known_hosts> -H <tiers known_hosts> -h <bastion> -h " +
					"\"<bastion>><address>\" <key>`, with the target's host key pinned in the tiers' file (the comments in the " +
					"file give the paths). `scp`, `sftp`, `ssh -J` and port forwards through the bastion are refused: data " +
					"moves through object storage, not through the bastion.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"user_data_sha256": schema.StringAttribute{
				MarkdownDescription: "SHA-256 of the user-data the bastion was made with (it holds secrets; the hash does " +
					"not reveal them). On OUTSCALE it is read back from the cloud.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"cloud_ids": schema.MapAttribute{
				MarkdownDescription: "Ids of the bastion's cloud objects: on OUTSCALE `vm`, `public_ip`, `public_ip.link`; " +
					"on OVHcloud `instance`, `floating_ip`.",
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

func (r *warehouseBastionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks what needs several attributes: the second factor
// against the keys, the mode against the factor.
func (r *warehouseBastionResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg bastionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateExceptions(compliance.KindBastion, cfg.ComplianceExcepts, &resp.Diagnostics)
	if b := auditBucketOf(cfg.AuditBucket); b != nil && !b.AccessKeyID.IsUnknown() && !b.SecretAccessKey.IsUnknown() &&
		b.AccessKeyID.IsNull() != b.SecretAccessKey.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("audit_bucket"), "Access Key Without Its Secret",
			"audit_bucket: give access_key_id and secret_access_key together, or neither (on OUTSCALE the provider then "+
				"makes the bastion its own write-only identity).")
	}
	admins, ok := adminsOf(cfg.Admins)
	if !ok || cfg.MFA.IsUnknown() || cfg.Mode.IsUnknown() || cfg.IdleTimeout.IsUnknown() {
		return
	}
	c := bastion.Config{Admins: admins, MFA: cfg.MFA.ValueString(), Mode: stringOr(cfg.Mode, bastion.ModeOpenSSH),
		IdleTimeout: bastion.DefaultIdleTimeout}
	if c.MFA == "" {
		c.MFA = bastion.DefaultMFA(admins)
	}
	for _, p := range bastion.Check(c) {
		// Names, keys and enumerations have their own validators.
		if p.Attribute == "mfa" && p.Index < 0 && strings.Contains(p.Msg, "the-bastion") ||
			p.Attribute == "ssh_public_key" && strings.Contains(p.Msg, "fido2") || strings.Contains(p.Msg, "also the") {
			addProblem(&resp.Diagnostics, p)
		}
	}
}

// ModifyPlan fills in what is known before apply, and plans the repair of
// a bastion stopped or cut from its address outside Terraform.
func (r *warehouseBastionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan, cfg bastionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var state *bastionModel
	if !req.State.Raw.IsNull() {
		state = &bastionModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	if plan.MFA.IsUnknown() && cfg.MFA.IsNull() {
		if admins, ok := adminsOf(plan.Admins); ok {
			plan.MFA = types.StringValue(bastion.DefaultMFA(admins))
		}
	}
	if plan.AllowedTargets.IsUnknown() && cfg.AllowedTargets.IsNull() {
		plan.AllowedTargets = stringSetValue(defaultTargets)
	}
	if r.data != nil && !plan.Size.IsUnknown() {
		name := r.data.cloud.Name()
		plan.VMType = types.StringValue(cloud.BastionType(name, plan.Size.ValueString()))
		if state != nil && !state.VMType.IsNull() && state.VMType.ValueString() != plan.VMType.ValueString() && !state.Size.IsNull() {
			// Terraform replaces only for a listed path whose value
			// changes: size may not (a VM resized outside Terraform),
			// vm_type does.
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("vm_type"))
		}
	}
	r.planPackageMirror(&plan, cfg, state, resp)
	if planTierAccess(&plan, state) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("tier_access"))
	}
	// The compliance profile's controls, on what the plan says.
	subject := compliance.Subject{Kind: compliance.KindBastion, Name: plan.Name.ValueString(),
		Bastion: &compliance.BastionFacts{MFA: plan.MFA.ValueString(), SessionRecording: plan.SessionRecording.ValueBool(),
			TierAccess: plan.TierAccess.ValueString()}}
	if b := auditBucketOf(plan.AuditBucket); b != nil {
		subject.Bastion.AuditBucket = b.Bucket.ValueString()
	}
	if plan.MFA.IsUnknown() {
		subject.Unknown = append(subject.Unknown, "mfa")
	}
	if plan.SessionRecording.IsUnknown() {
		subject.Unknown = append(subject.Unknown, "session_recording")
	}
	enforceCompliance(ctx, r.data, subject, exceptionsFrom(plan.ComplianceExcepts), &resp.Diagnostics)

	if state != nil && !state.AuditBucket.IsNull() || !plan.AuditBucket.IsNull() {
		if state != nil && state.VMState.ValueString() != "" && auditBucketReplaced(state.AuditBucket, plan.AuditBucket) &&
			(!state.AuditBucket.IsNull() || !state.Admins.IsNull()) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("audit_bucket"))
		}
	}
	r.planAuditWriter(&plan, cfg, state, resp)
	r.checkAPIReach(plan, cfg, &resp.Diagnostics)
	if state == nil {
		plan.VMState = types.StringValue(vmStateRunning)
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	// A VM gone while its address remains: replace, releasing the address.
	if state.VMState.ValueString() == vmStateTerminated {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("vm_state"))
		plan.VMState = types.StringValue(vmStateRunning)
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	// A VM stopped, or an address unlinked, outside Terraform: the plan
	// shows the repair, done in place.
	plan.VMState = types.StringValue(vmStateRunning)
	if state.PublicIP.ValueString() == "" {
		plan.PublicIP = types.StringUnknown()
		plan.KnownHosts, plan.SSHConfig = types.StringUnknown(), types.StringUnknown()
		plan.CloudIDs = types.MapUnknown(types.StringType)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *warehouseBastionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var plan, cfg bastionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...) // write-only values live in the configuration only
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, bastionCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := r.data.cloud
	n, err := c.ReadNetwork(ctx, cloud.Network{ID: plan.NetworkID.ValueString()})
	if err != nil {
		summary := "Unable to Read the Warehouse Network " + plan.NetworkID.ValueString()
		if errors.Is(err, cloud.ErrNotFound) {
			resp.Diagnostics.AddAttributeError(path.Root("network_id"), "Warehouse Network Not Found",
				fmt.Sprintf("network_id %q names no network in %s: %s.", plan.NetworkID.ValueString(), cloud.Title(c.Name()), err))
			return
		}
		resp.Diagnostics.Append(cloudErrorDiagnostic(summary, err))
		return
	}
	rules := rulesFromValue(plan.NetworkRules)
	targets, _ := stringsOf(plan.AllowedTargets)
	bastionTargets, inbound, err := firewallOf(n, rules, targets)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("allowed_targets"), "Unable to Derive the Bastion's Firewall", err.Error()+".")
		return
	}
	image, err := c.ResolveImage(ctx, plan.Image.ValueString())
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Find the Bastion's Image", err))
		return
	}
	idle, _ := parseIdleTimeout(plan.IdleTimeout.ValueString())
	admins, _ := adminsOf(plan.Admins)
	hostKey, err := bastion.GenerateHostKey(plan.Name.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Unable to Make the Host Key", err.Error())
		return
	}
	bc := bastion.Config{
		Name: plan.Name.ValueString(), NetworkID: n.ID, Cloud: c.Name(), Admins: admins, MFA: plan.MFA.ValueString(),
		SessionRecording: plan.SessionRecording.ValueBool(), IdleTimeout: idle, Targets: bastionTargets, Inbound: inbound,
		NetworkRules: networkRulesOf(rules), Mode: plan.Mode.ValueString(), HostKey: hostKey,
		Size: plan.Size.ValueString(), Image: plan.Image.ValueString(), PackageMirror: packageMirrorOf(plan.PackageMirror),
	}
	var writer *cloud.AuditWriter
	if b := auditBucketOf(cfg.AuditBucket); b != nil {
		endpoint, region := c.AuditStorage()
		planned := auditBucket{Bucket: b.Bucket, Endpoint: b.Endpoint, Region: b.Region, Prefix: b.Prefix, AccessKeyID: b.AccessKeyID}
		// On OUTSCALE without a key: the bastion's own write-only identity.
		// On OVHcloud, which ships with the bucket's own key: the bastion's
		// own read-only service account for the account's audit logs. Either
		// secret goes straight into the user-data.
		if b.AccessKeyID.IsNull() || c.Name() == cloud.OVH {
			w, err := c.CreateAuditWriter(ctx, cloud.AuditWriterSpec{Name: plan.Name.ValueString(), Bucket: b.Bucket.ValueString(),
				Prefix: stringOr(b.Prefix, "")})
			if err != nil {
				resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Create the Bastion's Audit Writer", err))
				if _, made := cloud.AuditWriterOf(w.IDs()); made {
					if err := c.DeleteAuditWriter(ctx, w); err != nil {
						resp.Diagnostics.AddWarning("Audit Writer Left Behind", fmt.Sprintf("Removing what was made of the "+
							"audit writer %s failed: %s. %s", w.UserName, err, auditWriterByHand(c.Name())))
					}
				}
				return
			}
			writer = &w
			if b.AccessKeyID.IsNull() {
				planned.AccessKeyID = types.StringValue(w.AccessKeyID)
				b.SecretAccessKey = types.StringValue(w.SecretAccessKey)
			}
			plan.CloudIDs = stringMapValue(w.IDs())
		}
		if planned.Endpoint.IsNull() || planned.Endpoint.IsUnknown() {
			planned.Endpoint = types.StringValue(endpoint)
		}
		if planned.Region.IsNull() || planned.Region.IsUnknown() {
			planned.Region = types.StringValue(region)
		}
		if planned.Prefix.IsNull() || planned.Prefix.IsUnknown() {
			planned.Prefix = types.StringValue("")
		}
		bc.AuditBucket = &bastion.AuditBucket{Endpoint: planned.Endpoint.ValueString(), Region: planned.Region.ValueString(),
			Bucket: planned.Bucket.ValueString(), Prefix: planned.Prefix.ValueString(), AccessKeyID: planned.AccessKeyID.ValueString(),
			SecretAccessKey: b.SecretAccessKey.ValueString()}
		switch {
		case writer != nil && c.Name() == cloud.OVH:
			bc.AuditBucket.AccountLogs = &bastion.AccountLogsReader{Endpoint: writer.APIEndpoint, TokenURL: writer.TokenURL,
				ClientID: writer.AccessKeyID, ClientSecret: writer.SecretAccessKey}
		case writer != nil:
			// Its own identity also pulls the account's API logs.
			bc.AuditBucket.APILogsEndpoint, bc.AuditBucket.APILogsRegion = writer.APIEndpoint, writer.APIRegion
		}
		plan.AuditBucket = planned.value()
	}
	for _, p := range bastion.Check(bc) {
		addProblem(&resp.Diagnostics, p)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	userData, err := bastion.Render(bc)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Render the Bastion's Configuration", err.Error())
		return
	}
	vmType := cloud.BastionType(c.Name(), plan.Size.ValueString())
	b, err := c.CreateBastion(ctx, cloud.BastionSpec{
		Name: plan.Name.ValueString(), Network: n, Type: vmType, ImageID: image.ID, UserData: userData,
		HostKeyFingerprint: hostKey.Fingerprint, Tags: stringMap(plan.Tags), ClientToken: newClientToken(),
	})
	plan.HostPublicKey, plan.HostKeyFingerprint = types.StringValue(hostKey.Public), types.StringValue(hostKey.Fingerprint)
	plan.UserDataSHA256 = types.StringValue(bastion.SHA256(userData))
	plan.ImageID, plan.VMType = types.StringValue(image.ID), types.StringValue(vmType)
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Create the Warehouse Bastion", err))
		if b.ID == "" && len(b.CloudIDs) == 0 {
			if writer != nil {
				if err := c.DeleteAuditWriter(ctx, *writer); err != nil {
					resp.Diagnostics.AddWarning("Audit Writer Left Behind", fmt.Sprintf("Removing the audit writer %s "+
						"failed: %s. %s", writer.UserName, err, auditWriterByHand(c.Name())))
				}
			}
			return
		}
		resp.Diagnostics.AddWarning("Partially Created Warehouse Bastion",
			fmt.Sprintf("%d cloud objects were made before the failure. They are recorded in the state, which marks the "+
				"bastion tainted: the next apply replaces it, and terraform destroy removes them.", len(b.CloudIDs)))
		plan.setFromCloud(b)
		plan.clientOutputs(bastionTargets)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	plan.setFromCloud(b)
	plan.clientOutputs(bastionTargets)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// setFromCloud sets the attributes the cloud decides.
func (m *bastionModel) setFromCloud(b cloud.Bastion) {
	m.ID = types.StringValue(b.ID)
	if b.ID == "" {
		m.ID = types.StringValue(b.CloudIDs["vm"] + b.CloudIDs["instance"])
	}
	m.VMID = m.ID
	state := vmStateRunning
	if !b.Running {
		state = strings.ToLower(b.State)
	}
	if b.State == "" {
		state = "unknown"
	}
	m.VMState = types.StringValue(state)
	m.PublicIP, m.PrivateIP = types.StringValue(b.PublicIP), types.StringValue(b.PrivateIP)
	if b.ImageID != "" {
		m.ImageID = types.StringValue(b.ImageID)
	}
	if b.Type != "" {
		m.VMType = types.StringValue(b.Type)
	}
	if b.UserDataSHA256 != "" {
		m.UserDataSHA256 = types.StringValue(b.UserDataSHA256)
	}
	if b.UserData != nil {
		// What the bastion was made with, where the cloud tells it.
		if rec, err := bastion.Recover(b.UserData); err == nil {
			m.TierAccess = types.StringValue(rec.EffectiveTierAccess())
		}
	}
	if m.TierAccess.IsUnknown() {
		m.TierAccess = types.StringNull()
	}
	ids := map[string]string{}
	if !m.CloudIDs.IsUnknown() {
		if w, ok := cloud.AuditWriterOf(stringMap(m.CloudIDs)); ok {
			ids = w.IDs() // the bastion's write-only identity is not part of the VM
		}
	}
	for k, v := range b.CloudIDs {
		ids[k] = v
	}
	m.CloudIDs = stringMapValue(ids)
	if m.ImageID.IsUnknown() {
		m.ImageID = types.StringNull()
	}
	if m.UserDataSHA256.IsUnknown() {
		m.UserDataSHA256 = types.StringNull()
	}
}

func (r *warehouseBastionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var state bastionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, bastionReadTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	b, err := r.data.cloud.ReadBastion(ctx, state.ref())
	if errors.Is(err, cloud.ErrNotFound) {
		ids := stringMap(state.CloudIDs)
		if ids["public_ip"] == "" && ids["floating_ip"] == "" {
			resp.Diagnostics.AddWarning("Warehouse Bastion Gone",
				fmt.Sprintf("The bastion %s no longer exists in the cloud; it was removed from the state and the next apply "+
					"creates it again.", state.ID.ValueString()))
			resp.State.RemoveResource(ctx)
			return
		}
		// Its address remains: keep it in the state so that the
		// replacement releases it.
		resp.Diagnostics.AddWarning("Warehouse Bastion VM Gone",
			fmt.Sprintf("The VM of the bastion %s no longer exists; its public address remains. The next apply replaces "+
				"the bastion and releases the address.", state.ID.ValueString()))
		state.VMState = types.StringValue(vmStateTerminated)
		state.PublicIP = types.StringValue("")
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		return
	}
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Warehouse Bastion "+state.ID.ValueString(), err))
		return
	}
	oldIP := state.PublicIP.ValueString()
	state.setFromCloud(b)
	if r.data.cloud.Name() == cloud.Outscale || !state.Tags.IsNull() {
		if len(b.Tags) > 0 || !state.Tags.IsNull() {
			state.Tags = stringMapValue(b.Tags)
		}
	}
	if b.NetworkID != "" {
		state.NetworkID = types.StringValue(b.NetworkID)
	}
	if state.Name.IsNull() && b.Name != "" {
		state.Name = types.StringValue(b.Name)
	}
	if b.UserData != nil && state.Admins.IsNull() {
		r.adoptRecovered(&state, b.UserData, &resp.Diagnostics)
	}
	r.readAuditWriter(ctx, &state, &resp.Diagnostics)
	r.refreshClientOutputs(ctx, &state, oldIP)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// adoptRecovered fills, after an import, what the user-data records: the
// configuration the bastion was made with and its host key. Secrets stay
// where they are.
func (r *warehouseBastionResource) adoptRecovered(m *bastionModel, userData []byte, diags *diag.Diagnostics) {
	rec, err := bastion.Recover(userData)
	if err != nil {
		diags.AddWarning("Bastion Made Elsewhere",
			fmt.Sprintf("The user-data of %s was not rendered by this provider (%v): only the VM's own attributes were "+
				"imported. The next plan shows the configuration it would give it.", m.ID.ValueString(), err))
		return
	}
	s := rec.Spec
	admins := make([]bastion.Admin, 0, len(s.Admins))
	for _, a := range s.Admins {
		admins = append(admins, bastion.Admin{Name: a.Name, PublicKey: a.PublicKey})
	}
	m.Admins = adminsValue(admins)
	m.MFA, m.Mode = types.StringValue(s.MFA), types.StringValue(s.Mode)
	if s.Size != "" {
		m.Size = types.StringValue(s.Size)
	}
	if s.Image != "" {
		m.Image = types.StringValue(s.Image)
	}
	m.SessionRecording = types.BoolValue(s.SessionRecording)
	m.IdleTimeout = types.StringValue(formatIdleTimeout(time.Duration(s.IdleTimeoutSec) * time.Second))
	m.AllowedTargets = stringSetValue(s.AllowedTargets)
	m.NetworkRules = rulesValue(cloudRulesOf(s.NetworkRules))
	if s.Name != "" {
		m.Name = types.StringValue(s.Name)
	}
	if s.NetworkID != "" {
		m.NetworkID = types.StringValue(s.NetworkID)
	}
	if rec.HostPublicKey != "" {
		m.HostPublicKey = types.StringValue(rec.HostPublicKey)
		if fp, err := bastion.HostKeyFingerprint(rec.HostPublicKey); err == nil {
			m.HostKeyFingerprint = types.StringValue(fp)
		}
	}
	if s.PackageMirror != nil {
		m.PackageMirror = packageMirrorValue(s.PackageMirror)
	}
	if b := s.AuditBucket; b != nil {
		m.AuditBucket = auditBucket{Bucket: types.StringValue(b.Bucket), Endpoint: types.StringValue(b.Endpoint),
			Region: types.StringValue(b.Region), Prefix: types.StringValue(b.Prefix), AccessKeyID: types.StringValue(b.AccessKeyID)}.value()
	}
}

// refreshClientOutputs keeps known_hosts and ssh_config in step with the
// public IP: recomputed when it changed, from the network's subnets when
// nothing was rendered yet (after an import).
func (r *warehouseBastionResource) refreshClientOutputs(ctx context.Context, m *bastionModel, oldIP string) {
	ip := m.PublicIP.ValueString()
	switch {
	case ip == "":
		m.KnownHosts = types.StringNull()
		if m.SSHConfig.IsUnknown() {
			m.SSHConfig = types.StringNull()
		}
	case ip == oldIP && !m.SSHConfig.IsNull() && !m.SSHConfig.IsUnknown():
		// Unchanged.
	case !m.SSHConfig.IsNull() && !m.SSHConfig.IsUnknown() && oldIP != "":
		m.SSHConfig = types.StringValue(strings.ReplaceAll(m.SSHConfig.ValueString(), "HostName "+oldIP+"\n", "HostName "+ip+"\n"))
		if !m.HostPublicKey.IsNull() {
			m.KnownHosts = types.StringValue(bastion.KnownHostsLine([]string{ip, m.Name.ValueString()}, m.HostPublicKey.ValueString()))
		}
	default:
		targets, _ := stringsOf(m.AllowedTargets)
		if len(targets) == 0 {
			targets = defaultTargets
		}
		var bt []bastion.Target
		if n, err := r.data.cloud.ReadNetwork(ctx, cloud.Network{ID: m.NetworkID.ValueString()}); err == nil {
			bt = targetsOf(n, targets)
		}
		m.clientOutputs(bt)
	}
}

// ref is what the state knows of the bastion, for the cloud.
func (m *bastionModel) ref() cloud.Bastion {
	return cloud.Bastion{
		ID:        m.ID.ValueString(),
		Name:      m.Name.ValueString(),
		NetworkID: m.NetworkID.ValueString(),
		PublicIP:  m.PublicIP.ValueString(),
		Tags:      stringMap(m.Tags),
		CloudIDs:  stringMap(m.CloudIDs),
	}
}

// Update repairs a bastion stopped or cut from its address outside
// Terraform, sets its tags, and takes the configuration as declared where
// the cloud cannot tell it (after an import on OVHcloud). Everything else
// replaces the bastion.
func (r *warehouseBastionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var plan, state bastionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, bastionUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := r.data.cloud
	b, err := c.ReadBastion(ctx, state.ref())
	if err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Read the Warehouse Bastion "+state.ID.ValueString(), err))
		return
	}
	if problems := b.NeedsRepair(); len(problems) > 0 {
		tflog.Info(ctx, "repairing the bastion", map[string]any{"id": b.ID, "problems": strings.Join(problems, "; ")})
		if b, err = c.RepairBastion(ctx, b); err != nil {
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Repair the Warehouse Bastion "+state.ID.ValueString(), err))
			return
		}
	}
	if !plan.Tags.Equal(state.Tags) || b.Name != plan.Name.ValueString() {
		if b, err = c.UpdateBastionTags(ctx, b, plan.Name.ValueString(), stringMap(plan.Tags)); err != nil {
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Update the Tags of the Warehouse Bastion "+state.ID.ValueString(), err))
			return
		}
	}
	// Computed values not planned anew keep what the state has.
	plan.HostPublicKey, plan.HostKeyFingerprint = state.HostPublicKey, state.HostKeyFingerprint
	plan.UserDataSHA256, plan.SSHConfig, plan.KnownHosts = state.UserDataSHA256, state.SSHConfig, state.KnownHosts
	if plan.ImageID.IsUnknown() {
		plan.ImageID = state.ImageID
	}
	if plan.NetworkRules.IsUnknown() {
		plan.NetworkRules = state.NetworkRules
	}
	if plan.TierAccess.IsUnknown() {
		plan.TierAccess = types.StringValue(bastion.TierAccess(plan.Mode.ValueString()))
	}
	switch {
	case plan.AuditBucket.IsUnknown() || (!plan.AuditBucket.IsNull() && !state.AuditBucket.IsNull()):
		plan.AuditBucket = state.AuditBucket
	case !plan.AuditBucket.IsNull():
		// Taken as declared after an import: the defaults Create would give.
		b := auditBucketOf(plan.AuditBucket)
		endpoint, region := c.AuditStorage()
		if b.Endpoint.IsUnknown() || b.Endpoint.IsNull() {
			b.Endpoint = types.StringValue(endpoint)
		}
		if b.Region.IsUnknown() || b.Region.IsNull() {
			b.Region = types.StringValue(region)
		}
		if b.Prefix.IsUnknown() || b.Prefix.IsNull() {
			b.Prefix = types.StringValue("")
		}
		plan.AuditBucket = b.value()
	}
	plan.setFromCloud(b)
	r.refreshClientOutputs(ctx, &plan, state.PublicIP.ValueString())
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *warehouseBastionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	if r.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	var state bastionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, bastionDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := r.data.cloud.DeleteBastion(ctx, state.ref()); err != nil {
		resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Delete the Warehouse Bastion "+state.ID.ValueString(), err))
		return
	}
	if w, ok := cloud.AuditWriterOf(stringMap(state.CloudIDs)); ok {
		if err := r.data.cloud.DeleteAuditWriter(ctx, w); err != nil {
			resp.Diagnostics.Append(cloudErrorDiagnostic("Unable to Delete the Bastion's Audit Writer "+w.UserName, err))
		}
	}
}

// ImportState takes the VM's id: `i-…` on OUTSCALE, the instance's UUID on
// OVHcloud. On OUTSCALE, Read recovers the configuration from the user-data;
// on OVHcloud, whose API does not return it, the next apply takes the
// configuration as declared, and the host key stays unknown.
func (r *warehouseBastionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" {
		resp.Diagnostics.AddError("Invalid Import ID",
			"Import a warehouse bastion by its VM id: i-… on OUTSCALE, the instance's UUID on OVHcloud.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}
