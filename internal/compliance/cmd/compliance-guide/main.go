// Command compliance-guide writes the Compliance guide's template from the
// control catalogue, so that the guide always lists what the provider
// checks. `make docs` runs it before tfplugindocs.
//
//	compliance-guide templates/guides/compliance.md.tmpl
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/compliance"
)

const header = `---
page_title: "Compliance: SecNumCloud and HDS controls at plan time"
subcategory: ""
description: |-
  The controls every health_* resource is held to at plan time, the texts behind them, and how to read the compliance reports.
---

# Compliance: SecNumCloud and HDS controls at plan time

Health data must sit on qualified infrastructure, encrypted, with its keys and its administration
under the data controller's control. This provider makes the plan tell whether a configuration does:
every ` + "`health_*`" + ` resource is checked against the controls below when Terraform plans it.

## Profiles

The provider's ` + "`compliance_profile`" + ` sets the bar:

| Profile | For | Region must be |
|---|---|---|
| ` + "`secnumcloud`" + ` (default) | ANSSI's SecNumCloud qualification, the bar of the French State's "cloud au centre" doctrine | SecNumCloud-qualified (see ` + "`health_secnumcloud_regions`" + `) |
| ` + "`hds`" + ` | the French certification for hosting personal health data (HDS) | HDS-certified, in the EEA |
| ` + "`none`" + ` | development on the local emulator | anything; nothing is enforced, reports still list every control |

On OVHcloud, Public Cloud regions are HDS-certified (for projects with the HDS option) but OVHcloud
states they are not SecNumCloud-qualified: use ` + "`compliance_profile = \"hds\"`" + ` there, or the
plan stops at control HW-LOC-01. OUTSCALE's ` + "`cloudgouv-eu-west-1`" + ` is the Region public sources
name as SecNumCloud-qualified.

## What happens at plan time

A control the profile enforces that fails stops the plan with an error at the attribute that decides
it, naming the control, the texts, what was found and the fix:

` + "```text" + `
Error: Compliance Control HW-ADM-01 Failed

  on main.tf line 12, in resource "health_warehouse_network" "wh":
  12:   admin_cidrs = ["0.0.0.0/0"]

HW-ADM-01: No administration port is open to the whole Internet, which the "secnumcloud"
compliance profile requires (SecNumCloud 3.2 §9.6 e), h); ...). Found: admin_cidrs holds 0.0.0.0/0.
` + "```" + `

To accept a risk knowingly, list the control in the resource's ` + "`compliance_exceptions`" + ` with the reason;
the plan then goes on with a warning that repeats it, and reports show the control as ` + "`excepted`" + `:

` + "```terraform" + `
resource "health_warehouse_network" "wh" {
  # ...
  compliance_exceptions = [{
    control       = "HW-ADM-01"
    justification = "break-glass access while the VPN is rebuilt (RSSI, ticket 42)"
  }]
}
` + "```" + `

A control decided by a value known only after apply (an id another resource returns) is ` + "`unknown`" + `
at plan time and checked again by the compliance report.

## The compliance report

The ` + "`health_warehouse_compliance`" + ` data source reads a warehouse's resources back from the cloud at every
refresh and reports every control on each of them, with the evidence: what the cloud holds, not what
the configuration says. A bucket whose versioning was suspended outside Terraform is reported as
failing HW-STO-01 before the next apply restores it. Where a cloud does not hold a setting, the control
is ` + "`unknown`" + ` and the evidence says why (OVHcloud returns no bastion user-data; OKMS keeps no rotation
period). The network's controls (HW-ADM-01, HW-NET-01) read the tiers' security groups on both clouds:
OUTSCALE's, and OpenStack Neutron's on OVHcloud; a tier whose group is missing makes them ` + "`unknown`" + `,
since nothing the cloud shows then filters its traffic. ` + "`report_markdown`" + ` and ` + "`report_json`" + ` are
ready to hand in; ` + "`modules/warehouse`" + ` outputs them, and ` + "`make demo`" + ` writes both clouds' reports to
` + "`.demo/reports/`" + `.

For HW-ENC-02 the report also asks the key manager (OpenBao on OUTSCALE, the OVHcloud KMS) whether it
holds the bucket's ` + "`kms_key_id`" + `, enabled, and asks the object store, with no key, how the bucket's five
newest objects are stored (an SSE-C object is refused to a HEAD without its key). A key the key manager
does not hold or has disabled, or an object stored under the cloud's own key, fails the control, named.
Plans read neither. Where ` + "`allowed_source_ips`" + ` keeps the report's address from the objects
(OVHcloud), the control is ` + "`unknown`" + ` and says so.

The audit trail is read as records, not settings. HW-LOG-01 (on the audit bucket) and HW-ADM-03 (on each
bastion) list what the audit bucket holds under each stream that ships there: every bucket's server
access logs (` + "`access_logs`" + `) and every bastion's journal (` + "`<prefix><bastion name>/journal/`" + `, as its ship
script writes it), its journal's verification key (` + "`<prefix><bastion name>/journal-seal/`" + `, shipped once),
on OUTSCALE the account's API logs it pulls (` + "`<prefix><bastion name>/api-logs/`" + `), and on OVHcloud the account's
audit logs its read-only service account pulls (` + "`<prefix><bastion name>/account-logs/`" + `; looked for like the
rest of an OVHcloud bastion's trail, counted where found).
The evidence cites each stream's count, newest object key and date, and its retention; the control
fails, naming the stream, when a stream has no record, when its newest is more than 48 hours old (the
verification key excepted), or when that record is not under object lock. An audit bucket younger than a day that holds no
record at all is ` + "`unknown`" + ` (server access logs arrive within hours). On OUTSCALE the bastion's
user-data says where it ships; OVHcloud returns no user-data, so the report looks for the bastion's
trail under its name in the report's audit buckets (at the top or one prefix down): found, it is
cited and a stale one fails; not found, nothing tells the report it should be there, and HW-ADM-03
stays ` + "`unknown`" + `. At plan time, where nothing is read, both controls judge the settings alone.

HW-ADM-03 also checks that no way through the bastion escapes the recording. On OUTSCALE it reads the
bastion's ` + "`sshd_config`" + ` back from the user-data and fails while it forwards without a session
(` + "`AllowTcpForwarding`, `AllowStreamLocalForwarding`, `PermitTunnel`, `X11Forwarding`" + ` other than ` + "`no`" + `),
as bastions made before the recorded hop do for ` + "`ssh -J`" + `; it cites those settings when they are all
` + "`no`" + `. At plan time it judges ` + "`tier_access`" + `. OVHcloud returns no user-data: there it stays ` + "`unknown`" + `.

Research workspaces (HW-WS-01 to HW-WS-03) are judged from two things the cloud holds: the rules of the
workspace's security group and the policy of its object storage identity (an EIM user's policy on OUTSCALE,
an OVHcloud S3 user's policy). The group must admit SSH from the bastion tier and nothing else; the policy
must name no bucket of another workspace, read the datasets as declared (prefixes, ` + "`s3:GetObject`" + ` and
` + "`s3:ListBucket`" + ` limited to the prefix) and nothing of the raw zone, write to the workspace's working and export
buckets only, and reach neither the results zone nor another workspace's airlock. Which bucket is the raw or the
results zone comes from the warehouse's storage: where nothing tells the zones, HW-WS-02 and HW-WS-03 are
` + "`unknown`" + `. The controls read policies as written: a statement's wildcards are matched, ` + "`NotAction`" + ` and
` + "`NotResource`" + ` count as everything, and ` + "`Deny`" + ` statements grant nothing. What a member copies to their
terminal over SSH is not a policy matter: the bastion's recording shows it.

## What the controls can and cannot show

SecNumCloud and HDS mostly bind the cloud provider. A customer's Terraform shows its side: it chose a
qualified service and configured it as the texts expect. Where a control is this project's policy
rather than a clause that requires it, its sources say so. The clause numbers were checked in
December 2026 against structured copies of the ANSSI and ANS texts, not the PDFs themselves.

## The controls

`

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compliance-guide FILE")
		os.Exit(2)
	}
	guide := header + compliance.GuideTable()
	if err := os.WriteFile(os.Args[1], []byte(strings.TrimRight(guide, "\n")+"\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
