// Package compliance is the catalogue of controls a health-data warehouse
// is held to, and their checks over the warehouse's resources.
//
// A control maps one requirement of a public text (ANSSI's SecNumCloud 3.2,
// the HDS certification référentiel, CNIL's conditions) to what a customer's
// Terraform configuration can show. Most of those texts bind the cloud
// provider; the customer's side is choosing a qualified service and
// configuring it well, which is what these checks look at. Each control
// records its sources and whether their wording was checked.
//
// The checks see plain facts (Subject), filled by the provider from a plan
// (at plan time, some facts are still unknown) or from what a cloud answers
// (the health_warehouse_compliance data source). The package knows neither
// Terraform nor any cloud SDK.
package compliance

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Profiles: the bar a warehouse is held to.
const (
	// ProfileSecNumCloud: ANSSI's SecNumCloud qualification, the bar of the
	// French State's "cloud au centre" doctrine for sensitive data.
	ProfileSecNumCloud = "secnumcloud"
	// ProfileHDS: the HDS certification (Hébergeur de Données de Santé),
	// required in France to host personal health data.
	ProfileHDS = "hds"
	// ProfileNone: no control is enforced; reports still list them.
	ProfileNone = "none"
)

// Profiles lists the profile names, strictest first.
var Profiles = []string{ProfileSecNumCloud, ProfileHDS, ProfileNone}

// Kind is the resource type a subject is.
type Kind string

// Resource types the controls look at.
const (
	KindNetwork Kind = "health_warehouse_network"
	KindKMSKey  Kind = "health_warehouse_kms_key"
	KindStorage Kind = "health_warehouse_storage"
	KindBastion Kind = "health_warehouse_bastion"
	// KindKeyManager is the key manager itself (OpenBao cluster, or OKMS).
	KindKeyManager Kind = "health_warehouse_key_manager"
)

// Data zones of a warehouse's buckets.
const (
	ZoneRaw           = "raw"           // identifying data as received
	ZonePseudonymised = "pseudonymised" // data with direct identifiers replaced
	ZoneResults       = "results"       // aggregated outputs of research
	ZoneAudit         = "audit"         // logs and session recordings
	ZoneWorkspace     = "workspace"     // a research workspace's working files and airlock
)

// Zones lists the data zones, most sensitive first.
var Zones = []string{ZoneRaw, ZonePseudonymised, ZoneResults, ZoneAudit, ZoneWorkspace}

// Status is the outcome of one control on one subject.
type Status string

// Statuses of a finding.
const (
	StatusPass          Status = "pass"
	StatusFail          Status = "fail"
	StatusExcepted      Status = "excepted"       // failed, but the configuration states why it is accepted
	StatusNotApplicable Status = "not-applicable" // the control does not concern this subject
	StatusUnknown       Status = "unknown"        // decided by a value known only after apply
)

// Source is a text a control rests on.
type Source struct {
	Ref     string // "SecNumCloud 3.2 §12.6 c)"
	Summary string // what the clause asks, paraphrased
	URL     string
	// Verified: the clause's number and wording were read in the official
	// text (or a faithful structured copy of it); false marks a reference
	// taken from secondary material.
	Verified bool
	// Binds says whose obligation the text states: "provider" (the cloud
	// provider, which the customer shows by choosing a qualified service),
	// "customer", or "recommendation" (advice to the customer).
	Binds string
	// Note says how far the clause backs the control, where it does not
	// require exactly what the control checks.
	Note string
}

// Control is one entry of the catalogue.
type Control struct {
	ID        string
	Title     string
	Rationale string   // why a warehouse needs it
	Sources   []Source // the texts it maps to
	Profiles  []string // the profiles that enforce it
	Kinds     []Kind   // the resource types it looks at
	Attribute string   // the attribute that decides, for diagnostics
	Fix       string   // what to change when it fails
	check     func(profile string, s Subject) (Status, string)
}

// AppliesTo reports whether the control looks at resources of kind k.
func (c Control) AppliesTo(k Kind) bool { return slices.Contains(c.Kinds, k) }

// EnforcedBy reports whether profile enforces the control.
func (c Control) EnforcedBy(profile string) bool { return slices.Contains(c.Profiles, profile) }

// Catalogue returns every control, in id order.
func Catalogue() []Control {
	out := slices.Clone(catalogue)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Lookup finds a control by id.
func Lookup(id string) (Control, bool) {
	for _, c := range catalogue {
		if c.ID == id {
			return c, true
		}
	}
	return Control{}, false
}

// CheckProfile says why name is not a profile, or nil.
func CheckProfile(name string) error {
	if slices.Contains(Profiles, name) {
		return nil
	}
	return fmt.Errorf("%q is not a compliance profile: use one of %s", name, strings.Join(Profiles, ", "))
}

// Subject is one resource as the checks see it: the facts the provider
// could establish, from a plan or from the cloud.
type Subject struct {
	Kind    Kind
	Name    string // the resource's name (or address), for reports
	Cloud   string // "outscale" or "ovh"
	Region  RegionFacts
	Network *NetworkFacts
	Key     *KeyFacts
	Bucket  *BucketFacts
	Bastion *BastionFacts
	// Workspace is set for KindWorkspace.
	Workspace *WorkspaceFacts
	// Unknown names the attributes whose value is not known yet (at plan
	// time); controls decided by one of them are StatusUnknown.
	Unknown []string
	// Unreadable names the attributes the cloud does not hold, with why, for
	// reports built from what the cloud answers; controls decided by one of
	// them are StatusUnknown too, with that reason as evidence.
	Unreadable map[string]string
}

func (s Subject) unknown(attr string) bool {
	_, unreadable := s.Unreadable[attr]
	return unreadable || slices.Contains(s.Unknown, attr)
}

// why says why attr is not known.
func (s Subject) why(attr string) string {
	if reason, ok := s.Unreadable[attr]; ok {
		return reason
	}
	return attr + " is known after apply"
}

// RegionFacts is what the regions catalogue says of the subject's region.
type RegionFacts struct {
	Name        string
	Known       bool // the region is in the catalogue
	InEU        bool
	SecNumCloud bool
	HDS         bool
	Offer       string
	Source      string // the public statement behind the flags
}

// NetworkFacts are the facts of a health_warehouse_network.
type NetworkFacts struct {
	AdminCIDRs             []string
	AllowAdminFromAnywhere bool
	RulesEnforcement       string // "security-groups" (both clouds), or "host-firewall" (no group in the cloud)
	// Outbound are the tiers' outbound rules: every destination a tier may
	// send traffic to.
	Outbound []OutboundRule
}

// OutboundRule is one destination a tier may send traffic to.
type OutboundRule struct {
	Tier        string
	Protocol    string // "tcp", "udp", "icmp" or "-1"
	FromPort    int
	ToPort      int
	Destination string // a CIDR block, "tier:<name>" or "service:<name>"
	Purpose     string // why it is open: an egress_allow entry names itself
}

// KeyFacts are the facts of a health_warehouse_kms_key.
type KeyFacts struct {
	Backend            string // "openbao" or "ovh-okms"
	RotationPeriodDays int    // 0: the key is never rotated
	DeletionProtection bool
}

// BucketFacts are the facts of a health_warehouse_storage.
type BucketFacts struct {
	Zone           string // one of Zones, or "" when not said
	Encryption     string // "provider-managed", "customer-key", or "none"
	KMSKeyID       string
	Versioning     string // "Enabled", "Suspended" or ""
	ObjectLockMode string // "GOVERNANCE", "COMPLIANCE" or ""
	ObjectLockDays int
	Policy         string // the access policy document, JSON
	// PolicyKind says what Policy is: PolicyKindBucket, a bucket policy
	// (statements name their principals), or PolicyKindUser, the policy of
	// the one user that reaches the bucket (OVHcloud, which has no bucket
	// policies; statements name no principal).
	PolicyKind string
	// KMSKey is the key KMSKeyID names, as the key manager holds it, and
	// Objects how the newest objects are stored: evidence read from the
	// cloud by reports, nil at plan time (Unreadable "kms_key" and
	// "objects" say why a report could not read them).
	KMSKey  *KMSKeyFacts
	Objects *ObjectSampleFacts
	// Trail is what an audit bucket holds, read from the cloud; nil at plan
	// time, where only the settings are known.
	Trail *TrailFacts
}

// KMSKeyFacts are what the key manager says of a bucket's wrapping key.
type KMSKeyFacts struct {
	Manager string // how reports name the key manager ("OpenBao", "OVHcloud KMS")
	Found   bool   // the key manager holds a key of that id
	Enabled bool   // its current version can be used
	State   string // the key manager's own word for it, "" where it has none
}

// ObjectSampleFacts are the newest objects of a bucket, as the store shows
// them to a request that carries no key.
type ObjectSampleFacts struct {
	Listed    int  // current objects listed
	Truncated bool // the bucket holds more than were listed
	Sampled   []SampledObject
}

// SampledObject is how one object is stored.
type SampledObject struct {
	Key          string
	CustomerKey  bool   // SSE-C: the store refuses to describe it without its key
	SSEAlgorithm string // otherwise, the store's own encryption ("AES256"), "" for none
}

// TrailFacts are the records an audit bucket holds: evidence that the
// audit trail arrives and is kept, beyond the settings.
type TrailFacts struct {
	Bucket  string
	Now     time.Time
	Created time.Time // when the bucket was made; zero when unknown
	Streams []StreamFacts
	// OtherRecords counts the records of the bucket's other streams, those
	// not in Streams (another source's): with some, an empty stream is a
	// broken one, however young the bucket.
	OtherRecords int
}

// StreamFacts are the records of one source under one prefix.
type StreamFacts struct {
	What        string // "access logs of wh-raw", "the audit trail of the bastion wh-bastion"
	Prefix      string
	Count       int
	Truncated   bool
	Newest      time.Time
	NewestKey   string
	LockMode    string
	RetainUntil time.Time
	// Once marks a record written once (a bastion's journal verification
	// key): present and locked is enough, whatever its age.
	Once bool
}

// How fresh an audit trail must be. S3 delivers server access logs within
// a few hours, best effort; the bastion ships every five minutes. A
// bucket younger than RecordsGrace may hold no record yet.
const (
	RecordsMaxAge = 48 * time.Hour
	RecordsGrace  = 24 * time.Hour
)

// Kinds of access policy.
const (
	PolicyKindBucket = "bucket-policy"
	PolicyKindUser   = "user-policy"
)

// BastionFacts are the facts of a health_warehouse_bastion.
type BastionFacts struct {
	MFA              string // "totp", "fido2" or "none"
	SessionRecording bool
	AuditBucket      string // where recordings are shipped; "" keeps them on the VM only
	// TierAccess is how the tiers' hosts are reached through the bastion:
	// "recorded-hop" or "the-bastion" (sessions, recorded), "proxy-jump"
	// (ssh -J: forwarded, unrecorded); "" when not told.
	TierAccess string
	// SSHDForwarding are the forwarding settings of the bastion's
	// sshd_config as read back from the cloud ("AllowTcpForwarding no",
	// …); nil when it was not read. OpenForwarding are those that let
	// traffic through without a session, hence without a recording.
	SSHDForwarding, OpenForwarding []string
	// Trail is what the audit bucket holds of this bastion's shipping,
	// read from the cloud; nil at plan time.
	Trail *TrailFacts
}

// Finding is the outcome of one control on one subject.
type Finding struct {
	Control   string `json:"control"`
	Title     string `json:"title"`
	Kind      Kind   `json:"resource_type"`
	Subject   string `json:"subject"`
	Status    Status `json:"status"`
	Attribute string `json:"attribute"`
	// Evidence is what the decision rests on: the values read.
	Evidence string `json:"evidence"`
	// Detail says why it failed and what to do, or why it is excepted.
	Detail string `json:"detail,omitempty"`
	// Enforced: the profile enforces the control (a failure is an error).
	Enforced bool `json:"enforced"`
}

// Exception is a control a configuration accepts to fail, with the reason.
type Exception struct {
	Control       string
	Justification string
}

// CheckExceptions says what is wrong with the exceptions a resource of
// kind k declares: unknown controls, controls that do not concern k,
// duplicates and empty justifications.
func CheckExceptions(k Kind, exceptions []Exception) []error {
	var errs []error
	seen := map[string]bool{}
	for _, e := range exceptions {
		c, ok := Lookup(e.Control)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%q is not a control of the catalogue (see the Compliance guide for the list)", e.Control))
			continue
		case !c.AppliesTo(k):
			errs = append(errs, fmt.Errorf("%s (%s) does not concern %s resources: it looks at %s", c.ID, c.Title, k, kindList(c.Kinds)))
		case seen[e.Control]:
			errs = append(errs, fmt.Errorf("%s is listed twice", e.Control))
		}
		seen[e.Control] = true
		if strings.TrimSpace(e.Justification) == "" {
			errs = append(errs, fmt.Errorf("the exception to %s has an empty justification: say why the risk is accepted and who accepted it", e.Control))
		}
	}
	return errs
}

func kindList(kinds []Kind) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// Evaluate runs every control that concerns s, and marks as excepted the
// failures that exceptions accept. Controls the profile does not enforce
// are still evaluated, with Enforced false, so that reports show them.
func Evaluate(profile string, s Subject, exceptions []Exception) []Finding {
	accepted := map[string]string{}
	for _, e := range exceptions {
		accepted[e.Control] = e.Justification
	}
	var out []Finding
	for _, c := range Catalogue() {
		if !c.AppliesTo(s.Kind) {
			continue
		}
		status, evidence := c.check(profile, s)
		f := Finding{Control: c.ID, Title: c.Title, Kind: s.Kind, Subject: s.Name, Status: status,
			Attribute: c.Attribute, Evidence: evidence, Enforced: c.EnforcedBy(profile)}
		if status == StatusFail {
			f.Detail = c.Fix
			if why, ok := accepted[c.ID]; ok {
				f.Status, f.Detail = StatusExcepted, "accepted: "+why
			}
		}
		out = append(out, f)
	}
	return out
}

// Violations returns the findings that stop a plan: enforced failures.
func Violations(findings []Finding) []Finding {
	var out []Finding
	for _, f := range findings {
		if f.Status == StatusFail && f.Enforced {
			out = append(out, f)
		}
	}
	return out
}

// trailEvidence decides what a trail shows: pass when no stream is
// expected (the settings decide), or when every stream has a
// record newer than RecordsMaxAge whose retention is in force; unknown when
// no stream has any record yet and the bucket is younger than RecordsGrace
// (or its age is unknown); fail otherwise, saying which stream and why.
func trailEvidence(t *TrailFacts) (Status, string) {
	if len(t.Streams) == 0 {
		// Nothing of the report ships here: the settings decide.
		return StatusPass, "no bucket or bastion of the report ships records to s3://" + t.Bucket
	}
	empty := 0
	for _, st := range t.Streams {
		if st.Count == 0 {
			empty++
		}
	}
	age := "of unknown age"
	if !t.Created.IsZero() {
		// A date, not an age: the report is read at every plan, and an age
		// would change it with the clock alone.
		age = "made " + t.Created.UTC().Format(time.RFC3339)
	}
	if empty == len(t.Streams) && t.OtherRecords == 0 && (t.Created.IsZero() || t.Now.Sub(t.Created) < RecordsGrace) {
		return StatusUnknown, fmt.Sprintf("no record in s3://%s yet (the bucket was %s; server access logs arrive within "+
			"hours): nothing shows yet that the audit trail arrives", t.Bucket, age)
	}
	var found []string
	for _, st := range t.Streams {
		where := "s3://" + t.Bucket + "/" + st.Prefix
		switch {
		case st.Count == 0:
			return StatusFail, fmt.Sprintf("no record of %s under %s (the bucket was %s): its shipping is broken", st.What, where, age)
		case !st.Once && t.Now.Sub(st.Newest) > RecordsMaxAge:
			return StatusFail, fmt.Sprintf("the newest record of %s, %s, is from %s, more than %s ago: its shipping stopped",
				st.What, st.NewestKey, st.Newest.UTC().Format(time.RFC3339), RecordsMaxAge)
		case st.LockMode == "" || !st.RetainUntil.After(t.Now):
			return StatusFail, fmt.Sprintf("the newest record of %s, %s, is not under retention (mode %q, until %s): it can be "+
				"deleted", st.What, "s3://"+t.Bucket+"/"+st.NewestKey, st.LockMode, st.RetainUntil.UTC().Format(time.RFC3339))
		}
		more := ""
		if st.Truncated {
			more = " or more"
		}
		records := "records"
		if st.Count == 1 && !st.Truncated {
			records = "record"
		}
		found = append(found, fmt.Sprintf("%s: %d%s %s under %s, the newest %s (%s), %s until %s", st.What, st.Count, more, records,
			where, st.NewestKey, st.Newest.UTC().Format(time.RFC3339), st.LockMode, st.RetainUntil.UTC().Format("2006-01-02")))
	}
	return StatusPass, strings.Join(found, "; ")
}
