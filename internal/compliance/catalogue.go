package compliance

import (
	"fmt"
	"net/netip"
	"strings"
)

// Where the texts are published.
//
// The clause numbers and their meaning were checked (December 2026) against
// structured copies of the texts (the ANSSI and ANS référentiels as packaged
// by the open-source CISO Assistant library), not against the PDFs
// themselves; Verified records that check.
const (
	// ANSSI, SecNumCloud référentiel d'exigences v3.2 of 8 March 2022.
	urlSecNumCloud = "https://cyber.gouv.fr/sites/default/files/document/secnumcloud-referentiel-exigences-v3.2.pdf"
	// ANS, référentiel de certification HDS v2, approved by the arrêté of 26 April 2024.
	urlHDS = "https://esante.gouv.fr/labels-certifications/hebergement-des-donnees-de-sante"
	// ANSSI, RGS v2.0 annexe B2, key management.
	urlRGSB2 = "https://cyber.gouv.fr/sites/default/files/2022-10/RGS_v-2-0_B2.pdf"
	// CNIL's recommendation on logging measures.
	urlCNILLogs = "https://www.cnil.fr/fr/la-cnil-publie-une-recommandation-relative-aux-mesures-de-journalisation"
	// CNIL, référentiel "entrepôts de données de santé" (délibération n° 2021-118 of 7 October 2021).
	urlCNILWarehouses = "https://www.cnil.fr/fr/entrepots-de-donnees-de-sante-la-cnil-lance-une-consultation-publique-sur-un-projet-de-referentiel"
	// Regulation (EU) 2016/679, the GDPR.
	urlGDPR = "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
)

// cnilWarehouses is the CNIL's référentiel for health-data warehouses,
// whose security chapter the workspace controls rest on. Its clause
// numbers were not read in the text itself (December 2026): secondary
// sources say its chapter on security insists on isolating the warehouse
// and on how data is processed, extracted and reached, and the CNIL's own
// decisions on warehouses name "cloisonnement" as one of its security
// measures.
func cnilWarehouses(summary, note string) Source {
	return Source{Ref: "CNIL, référentiel « entrepôts de données de santé » (2021), sécurité", Summary: summary,
		URL: urlCNILWarehouses, Binds: "customer", Note: note}
}

// MinLogRetentionDays is the shortest time the logs and session recordings
// of a warehouse are kept under a profile.
func MinLogRetentionDays(profile string) int {
	switch profile {
	case ProfileSecNumCloud, ProfileHDS:
		return 180
	default:
		return 0
	}
}

// MaxRotationDays is the longest a key may go without rotation.
const MaxRotationDays = 365

var enforcedEverywhere = []string{ProfileSecNumCloud, ProfileHDS}

var catalogue = []Control{
	{
		ID:    "HW-LOC-01",
		Title: "Data, keys and administration stay in a region qualified for the profile",
		Rationale: "Health data, the keys that protect it and the machines that administer it must sit in a " +
			"region the profile's qualification covers: SecNumCloud-qualified for secnumcloud, HDS-certified for hds.",
		Sources: []Source{
			{Ref: "SecNumCloud 3.2 §19.2 b)", Summary: "The provider stores and processes the customer's data in " +
				"the European Union.", URL: urlSecNumCloud, Binds: "provider", Verified: true},
			{Ref: "SecNumCloud 3.2 §19.2 c), d)", Summary: "The service is administered and supervised from the " +
				"European Union, and its technical data (administrators' identities, infrastructure logs, certificates) " +
				"stays there.", URL: urlSecNumCloud, Binds: "provider", Verified: true,
				Note: "No clause names encryption keys; they are held to the location of the data they protect."},
			{Ref: "HDS v2 (2024), EXI 28", Summary: "The host and its subcontractors store personal health data only " +
				"in the European Economic Area, and tell the client where.", URL: urlHDS, Binds: "provider", Verified: true},
		},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindNetwork, KindKMSKey, KindStorage, KindBastion, KindKeyManager},
		Attribute: "region",
		Fix: "Deploy in a region qualified for the profile (see the health_secnumcloud_regions data source), or set " +
			"the provider's compliance_profile to the qualification the region does hold.",
		check: checkRegion,
	},
	{
		ID:        "HW-ENC-01",
		Title:     "Every bucket is encrypted at rest",
		Rationale: "Data at rest must be unreadable on media the provider reallocates or loses.",
		Sources: []Source{{Ref: "SecNumCloud 3.2 §10.1 a), b)", Summary: "Encryption keeps the customer's data from " +
			"being recovered when resources are reallocated or media recovered, with at least one key per customer, " +
			"by methods that follow ANSSI's cryptographic rules.", URL: urlSecNumCloud, Binds: "provider", Verified: true}},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindStorage},
		Attribute: "encryption.mode",
		Fix:       `Set encryption.mode to "provider-managed" or "customer-key".`,
		check: func(_ string, s Subject) (Status, string) {
			if s.unknown("encryption") {
				return StatusUnknown, s.why("encryption")
			}
			b := s.Bucket
			ev := "encryption = " + or(b.Encryption, "none")
			if b.Encryption == "provider-managed" || b.Encryption == "customer-key" {
				return StatusPass, ev
			}
			return StatusFail, ev
		},
	},
	{
		ID:    "HW-ENC-02",
		Title: "Raw and pseudonymised data are encrypted with a customer-held key",
		Rationale: "Identifying health data must stay unreadable to anyone, the host included, who does not hold the " +
			"data controller's key: the condition raised about the Health Data Hub's hosting.",
		Sources: []Source{
			{Ref: "SecNumCloud 3.2 §3.3.2", Summary: "The qualification gives no technical guarantee that the provider " +
				"cannot read the data; a customer that needs one adds encryption under its own control.",
				URL: urlSecNumCloud, Binds: "customer", Verified: true},
			{Ref: "SecNumCloud 3.2 §10.5 c)", Summary: "Keys that encrypt data are protected in a security container " +
				"(software or hardware) or on a separate medium.", URL: urlSecNumCloud, Binds: "provider", Verified: true},
		},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindStorage},
		Attribute: "encryption.mode",
		Fix: `Set encryption = { mode = "customer-key", kms_key_id = health_warehouse_kms_key.<key>.id } on the ` +
			"raw and pseudonymised buckets, naming a key the key manager holds, enabled; write every object with SSE-C under a data key " +
			"that key wraps (re-write objects stored under the cloud's own key).",
		check: checkCustomerKey,
	},
	{
		ID:    "HW-KEY-01",
		Title: "Keys are rotated at least once a year",
		Rationale: "A key that never changes exposes all the data it ever protected if it leaks; a cryptoperiod " +
			"bounds that. One year is the longest rotation policy the provider accepts.",
		Sources: []Source{{Ref: "RGS v2.0 annexe B2, RègleRenouvellement-1", Summary: "Every key has a planned end " +
			"of life and renewal (SecNumCloud 3.2 §10.5 a) refers to these rules).", URL: urlRGSB2, Binds: "provider",
			Verified: true, Note: "Neither text sets a period: the one-year bound is this project's policy."}},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindKMSKey},
		Attribute: "rotation_period",
		Fix:       fmt.Sprintf("Set rotation_period to %d days or less.", MaxRotationDays),
		check: func(_ string, s Subject) (Status, string) {
			if s.unknown("rotation_period") {
				return StatusUnknown, s.why("rotation_period")
			}
			d := s.Key.RotationPeriodDays
			if d <= 0 {
				return StatusFail, "the key is never rotated"
			}
			ev := fmt.Sprintf("rotation_period = %d days", d)
			if d > MaxRotationDays {
				return StatusFail, ev
			}
			return StatusPass, ev
		},
	},
	{
		ID:    "HW-KEY-02",
		Title: "Keys are protected against deletion",
		Rationale: "Deleting a key erases every piece of data encrypted with it: that is how a warehouse is " +
			"securely erased at the end of its life, and why it must never happen by accident.",
		Sources: []Source{{Ref: "SecNumCloud 3.2 §19.4 a), §11.9 a)", Summary: "At the end of the contract the " +
			"customer's data is securely erased, for instance by erasing the keys that encrypt it.", URL: urlSecNumCloud,
			Binds: "provider", Verified: true,
			Note: "The clauses show that deleting a key destroys data; protecting keys from deletion is this project's policy."}},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindKMSKey},
		Attribute: "deletion_protection",
		Fix:       "Set deletion_protection = true; set it to false only in the change that retires the key.",
		check: func(_ string, s Subject) (Status, string) {
			if s.unknown("deletion_protection") {
				return StatusUnknown, s.why("deletion_protection")
			}
			ev := fmt.Sprintf("deletion_protection = %t", s.Key.DeletionProtection)
			if s.Key.DeletionProtection {
				return StatusPass, ev
			}
			return StatusFail, ev
		},
	},
	{
		ID:    "HW-STO-01",
		Title: "Every bucket keeps the versions of its objects",
		Rationale: "Versioning turns an overwrite or a deletion into a recoverable event: the equivalent of the soft " +
			"delete an Azure Storage account of research data has on.",
		Sources: []Source{{Ref: "SecNumCloud 3.2 §17.6 a)", Summary: "The provider offers the customer a documented " +
			"backup service.", URL: urlSecNumCloud, Binds: "provider", Verified: true,
			Note: "No clause requires object versioning: this is the closest anchor, and the control is this project's policy."}},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindStorage},
		Attribute: "versioning",
		Fix:       "Set versioning = true.",
		check: func(_ string, s Subject) (Status, string) {
			if s.unknown("versioning") {
				return StatusUnknown, s.why("versioning")
			}
			ev := "versioning = " + or(s.Bucket.Versioning, "never enabled")
			if s.Bucket.Versioning == "Enabled" {
				return StatusPass, ev
			}
			return StatusFail, ev
		},
	},
	{
		ID:    "HW-STO-02",
		Title: "The audit bucket cannot be rewritten (object lock)",
		Rationale: "Logs and session recordings are evidence: nobody, an administrator included, may alter or delete " +
			"them before their retention ends.",
		Sources: []Source{{Ref: "SecNumCloud 3.2 §12.7 a)", Summary: "Logging systems and logged events are protected " +
			"against loss of availability, integrity and confidentiality.", URL: urlSecNumCloud, Binds: "provider",
			Verified: true, Note: "Write-once storage is one way to meet it; the clause does not name it."}},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindStorage},
		Attribute: "object_lock",
		Fix:       `Set object_lock = { mode = "COMPLIANCE", retention_days = 180 } (or more) on the audit bucket; it is only possible when the bucket is created.`,
		check: func(_ string, s Subject) (Status, string) {
			b := s.Bucket
			if s.unknown("zone") {
				return StatusUnknown, s.why("zone")
			}
			if b.Zone != ZoneAudit {
				return StatusNotApplicable, "zone = " + or(b.Zone, "not set")
			}
			if s.unknown("object_lock") {
				return StatusUnknown, s.why("object_lock")
			}
			if b.ObjectLockMode == "" {
				return StatusFail, "zone = audit, no object lock"
			}
			return StatusPass, fmt.Sprintf("zone = audit, object lock %s for %d days", b.ObjectLockMode, b.ObjectLockDays)
		},
	},
	{
		ID:    "HW-STO-03",
		Title: "Buckets refuse requests that are not encrypted in transit",
		Rationale: "Health data crosses networks only under TLS; a bucket policy that denies plain HTTP makes that " +
			"a property of the bucket rather than of every client.",
		Sources: []Source{{Ref: "SecNumCloud 3.2 §10.2 a), c)", Summary: "Network encryption follows ANSSI's " +
			"cryptographic rules, and TLS follows ANSSI's TLS recommendations.", URL: urlSecNumCloud, Binds: "provider",
			Verified: true, Note: "The clause applies where TLS is used; refusing plain HTTP on buckets is this project's policy."}},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindStorage},
		Attribute: "policy_json",
		Fix: "Keep the policy the provider generates where the cloud can hold it (OVHcloud). OUTSCALE OOS bucket policies " +
			"take no conditions, so no OOS bucket can refuse plain HTTP: state an exception, and make every client use " +
			"the https:// endpoint.",
		check: func(_ string, s Subject) (Status, string) {
			if s.unknown("policy") {
				return StatusUnknown, s.why("policy")
			}
			p, err := parsePolicy(s.Bucket.Policy)
			switch {
			case err != nil:
				return StatusFail, err.Error()
			case p.deniesInsecureTransport(s.Bucket.PolicyKind):
				return StatusPass, "the " + policyName(s.Bucket.PolicyKind) + " denies requests with aws:SecureTransport = false"
			}
			return StatusFail, "no statement of the " + policyName(s.Bucket.PolicyKind) + " denies requests without TLS"
		},
	},
	{
		ID:        "HW-STO-04",
		Title:     "No bucket is public",
		Rationale: "Health data is never readable or writable by anonymous requests.",
		Sources: []Source{{Ref: "SecNumCloud 3.2 §9.1 a), §9.3 b)", Summary: "Access control follows a risk-based " +
			"policy, and customers get the means to give their users distinct roles.", URL: urlSecNumCloud,
			Binds: "provider", Verified: true,
			Note: "No clause covers a customer making a bucket public: the control is this project's policy."}},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindStorage},
		Attribute: "policy_json",
		Fix:       `Remove the statements that allow Principal "*" without a condition that restricts the caller.`,
		check: func(_ string, s Subject) (Status, string) {
			if s.unknown("policy") {
				return StatusUnknown, s.why("policy")
			}
			p, err := parsePolicy(s.Bucket.Policy)
			if err != nil {
				return StatusFail, err.Error()
			}
			if s.Bucket.PolicyKind == PolicyKindUser {
				return StatusPass, "the bucket takes no bucket policy: only its own user reaches it, and a user policy cannot open it to anyone"
			}
			if sid, public := p.allowsAnonymous(); public {
				return StatusFail, fmt.Sprintf("the statement %s allows anyone, with no condition on the caller", or(sid, "without Sid"))
			}
			return StatusPass, "no statement allows anonymous access"
		},
	},
	{
		ID:    "HW-LOG-01",
		Title: "Logs and session recordings are kept at least six months",
		Rationale: "Incidents are often found months after they start; the evidence must still be there. The audit " +
			"bucket's object lock sets that floor; read from the cloud, the report also checks that records arrive " +
			"(the buckets' access logs, the bastion's trail) and that the newest is under retention.",
		Sources: []Source{
			{Ref: "SecNumCloud 3.2 §12.6 c)", Summary: "Logged events are kept for at least six months, subject to " +
				"legal obligations.", URL: urlSecNumCloud, Binds: "provider", Verified: true,
				Note: "The clause is about the provider's logs; holding the customer's logs and session recordings to it is this project's policy. HDS v2 sets no retention period."},
			{Ref: "CNIL recommendation on logging measures (2021)", Summary: "Access logs are " +
				"kept between six months and one year.", URL: urlCNILLogs, Binds: "recommendation"},
		},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindStorage},
		Attribute: "object_lock.retention_days",
		Fix: "Set object_lock.retention_days to 180 or more on the audit bucket, and make its records arrive: " +
			"access_logs on every bucket towards it, and the bastion's audit_bucket with a key that may write there.",
		check: func(profile string, s Subject) (Status, string) {
			b := s.Bucket
			if s.unknown("zone") {
				return StatusUnknown, s.why("zone")
			}
			if b.Zone != ZoneAudit {
				return StatusNotApplicable, "zone = " + or(b.Zone, "not set")
			}
			if s.unknown("object_lock") {
				return StatusUnknown, s.why("object_lock")
			}
			minDays := MinLogRetentionDays(profile)
			if minDays == 0 { // profile "none": report against the strictest floor
				minDays = MinLogRetentionDays(ProfileSecNumCloud)
			}
			ev := fmt.Sprintf("retention_days = %d (minimum %d)", b.ObjectLockDays, minDays)
			if b.ObjectLockMode == "" {
				return StatusFail, "no object lock: nothing holds the recordings for a minimum time"
			}
			if b.ObjectLockDays < minDays {
				return StatusFail, ev
			}
			if b.Trail == nil {
				return StatusPass, ev
			}
			status, records := trailEvidence(b.Trail)
			return status, ev + "; " + records
		},
	},
	{
		ID:    "HW-ADM-01",
		Title: "No administration port is open to the whole Internet",
		Rationale: "The bastion is reachable only from the administrators' networks: an SSH port open to every " +
			"address is scanned and attacked within minutes.",
		Sources: []Source{
			{Ref: "SecNumCloud 3.2 §9.6 e), h)", Summary: "The administration interfaces made available to the customer " +
				"are protected, and, where a public network reaches them, authenticate before any interaction.",
				URL: urlSecNumCloud, Binds: "provider",
				Note: "The clauses on the interfaces a customer administers through, which a customer's bastion is; " +
					"§9.6 d), cited before, is about the provider's own administration interfaces. Wording from a " +
					"structured transcription, not yet checked against the ANSSI text."},
			{Ref: "SecNumCloud 3.2 §13.2 e)", Summary: "Flows are filtered to what the flow matrix allows.",
				URL: urlSecNumCloud, Binds: "provider", Verified: true},
			{Ref: "SecNumCloud 3.2 annexe 2 i)", Summary: "The customer is advised to reach management interfaces " +
				"from dedicated administration terminals and servers.", URL: urlSecNumCloud, Binds: "recommendation",
				Verified: true},
		},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindNetwork},
		Attribute: "admin_cidrs",
		Fix:       "List your administrators' addresses in admin_cidrs and set allow_admin_from_anywhere = false.",
		check: func(_ string, s Subject) (Status, string) {
			if s.unknown("admin_cidrs") {
				return StatusUnknown, s.why("admin_cidrs")
			}
			for _, c := range s.Network.AdminCIDRs {
				if p, err := netip.ParsePrefix(c); err == nil && p.Bits() == 0 {
					return StatusFail, fmt.Sprintf("admin_cidrs holds %s", c)
				}
			}
			return StatusPass, "admin_cidrs = [" + strings.Join(s.Network.AdminCIDRs, ", ") + "]"
		},
	},
	{
		ID:    "HW-NET-01",
		Title: "No tier can reach the whole Internet",
		Rationale: "A tier that may send traffic anywhere lets malware call home and data leave in bulk; the warehouse's " +
			"tiers reach each other, object storage, and only the destinations its egress_allow lists, each with a block " +
			"narrower than the Internet.",
		Sources: []Source{
			{Ref: "SecNumCloud 3.2 §13.2 e)", Summary: "Flows are filtered to what the flow matrix allows.",
				URL: urlSecNumCloud, Binds: "provider", Verified: true,
				Note: "The clause is about the provider's own networks; holding the customer's tiers to an explicit outbound " +
					"flow matrix is this project's policy."},
		},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindNetwork},
		Attribute: "egress_allow",
		Fix: "Give each egress_allow entry the block of the destination it names (a mirror, an NTP server, a partner's " +
			"endpoint), not 0.0.0.0/0; on OUTSCALE, remove outbound rules added to the tiers' security groups outside " +
			"Terraform (the next apply does).",
		check: checkEgress,
	},
	{
		ID:        "HW-ADM-02",
		Title:     "Administrators authenticate with a second factor",
		Rationale: "A stolen SSH key alone must not open the warehouse.",
		Sources: []Source{{Ref: "SecNumCloud 3.2 §9.6 f)", Summary: "Administration interfaces, the provider's and " +
			"those given to customers, require strong multi-factor authentication.", URL: urlSecNumCloud,
			Binds: "provider", Verified: true}},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindBastion},
		Attribute: "mfa",
		Fix:       `Set mfa = "totp", or "fido2" with FIDO2 (sk-) keys for every administrator.`,
		check: func(_ string, s Subject) (Status, string) {
			if s.unknown("mfa") {
				return StatusUnknown, s.why("mfa")
			}
			ev := "mfa = " + or(s.Bastion.MFA, "none")
			if s.Bastion.MFA == "totp" || s.Bastion.MFA == "fido2" {
				return StatusPass, ev
			}
			return StatusFail, ev
		},
	},
	{
		ID:    "HW-ADM-03",
		Title: "Administrative sessions are recorded",
		Rationale: "The bastion is a supervised rebound host: what an administrator did must be replayable, " +
			"especially for interventions by people outside the data controller. That holds only if every way through " +
			"the bastion is a recorded session: a bastion that forwards connections (ssh -J) lets administrators reach " +
			"the tiers' hosts leaving only who connected, when and to where.",
		Sources: []Source{{Ref: "SecNumCloud 3.2 §9.7 d), §12.13 a)", Summary: "Remote interventions from outside " +
			"the EU, or by people not vetted, go through a rebound host where vetted staff supervise them in real " +
			"time, and their actions are logged.", URL: urlSecNumCloud, Binds: "provider", Verified: true,
			Note: "The clauses ask for real-time supervision and logging of the provider's staff; recording the customer's own sessions is this project's policy."}},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindBastion},
		Attribute: "session_recording",
		Fix: "Set session_recording = true, and audit_bucket to the warehouse's audit bucket. A bastion made before the " +
			"recorded hop forwards ssh -J, which no recording sees: the next apply replaces it with one that forwards nothing.",
		check: func(_ string, s Subject) (Status, string) {
			if s.unknown("session_recording") {
				if s.Bastion.Trail == nil {
					return StatusUnknown, s.why("session_recording")
				}
				// Its trail was found where it ships: broken shipping fails;
				// records arriving do not tell whether sessions are recorded.
				status, records := trailEvidence(s.Bastion.Trail)
				if status == StatusPass {
					status = StatusUnknown
				}
				return status, s.why("session_recording") + "; " + records
			}
			if !s.Bastion.SessionRecording {
				return StatusFail, "session_recording = false"
			}
			if hole := unrecordedPath(s.Bastion); hole != "" {
				return StatusFail, "session_recording = true, " + hole
			}
			ev := "session_recording = true" + tierAccessEvidence(s.Bastion)
			if s.Bastion.AuditBucket == "" {
				return StatusPass, ev + ", recordings kept on the bastion only (no audit_bucket)"
			}
			if s.Bastion.Trail == nil {
				return StatusPass, ev + ", shipped to " + s.Bastion.AuditBucket
			}
			status, records := trailEvidence(s.Bastion.Trail)
			return status, ev + ", shipped to " + s.Bastion.AuditBucket + "; " + records
		},
	},
	{
		ID:    "HW-WS-01",
		Title: "Research workspaces are segregated from each other",
		Rationale: "Each approved project sees its own data and machines and nothing of another's: the " +
			"\"cloisonnement\" between projects that a health-data warehouse owes to the people in its data. A " +
			"workspace's security group admits SSH from the bastion tier and nothing else, never another workspace's " +
			"group nor the compute tier they share; the compute tier's group, which every workspace's machines are in " +
			"too, admits nothing from the compute tier, its addresses or a group that is no tier's; and the workspace's " +
			"identity's policy names no bucket of another workspace.",
		Sources: []Source{
			cnilWarehouses("The warehouse's data is reached only by the people and for the projects authorised, "+
				"with the processing spaces of distinct projects kept apart (cloisonnement).",
				"Paraphrased from secondary sources and the CNIL's decisions on warehouses; the clause was not read in the text."),
			{Ref: "SecNumCloud 3.2 §13.2 e)", Summary: "Flows are filtered to what the flow matrix allows.",
				URL: urlSecNumCloud, Binds: "provider", Verified: true,
				Note: "The clause is about the provider's networks; holding each workspace to a flow matrix of its own is this project's policy."},
		},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindWorkspace},
		Attribute: "network_id",
		Fix: "Remove the rules added to the workspace's security group outside Terraform (the next apply does), the " +
			"inbound rules added to the compute tier's group outside Terraform (applying the network does), and " +
			"the statements naming other workspaces' buckets from its policy; give each project a workspace of its own.",
		check: checkWorkspaceSegregation,
	},
	{
		ID:    "HW-WS-02",
		Title: "A workspace reads the datasets granted to it and nothing more",
		Rationale: "Data minimisation: a project reads the prefixes of the pseudonymised bucket its approval names, " +
			"read only, never the whole bucket when datasets are prefixes, and never the raw zone, where people are " +
			"still identifiable.",
		Sources: []Source{
			{Ref: "GDPR Art. 5(1)(c)", Summary: "Personal data is adequate, relevant and limited to what is necessary for " +
				"the purposes (data minimisation).", URL: urlGDPR, Binds: "customer", Verified: true},
			cnilWarehouses("A project receives only the data its approved purpose needs, pseudonymised.",
				"Paraphrased from secondary sources; the clause was not read in the text."),
			{Ref: "SecNumCloud 3.2 §9.1 a)", Summary: "Access control follows a risk-based policy.", URL: urlSecNumCloud,
				Binds: "provider", Verified: true, Note: "Holding each workspace's identity to its datasets is this project's policy."},
		},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindWorkspace},
		Attribute: "datasets",
		Fix: "Declare each dataset as the prefix the project's approval names, and keep the policy the provider " +
			"generates (s3:GetObject on the prefix, s3:ListBucket limited to it); never grant the raw zone.",
		check: checkWorkspaceMinimisation,
	},
	{
		ID:    "HW-WS-03",
		Title: "Data leaves a workspace through its airlock only",
		Rationale: "What a project takes out must be reviewed first: its identity writes to its working and export " +
			"buckets only, reads no other workspace's airlock, and cannot reach the results zone, where exports land " +
			"once approved.",
		Sources: []Source{
			cnilWarehouses("Extractions from the warehouse are controlled and traced.",
				"Paraphrased from secondary sources; the clause was not read in the text."),
			{Ref: "SecNumCloud 3.2 §9.1 a)", Summary: "Access control follows a risk-based policy.", URL: urlSecNumCloud,
				Binds: "provider", Verified: true, Note: "An airlock for exports is this project's policy, like-for-like with AzureTRE's."},
		},
		Profiles:  enforcedEverywhere,
		Kinds:     []Kind{KindWorkspace},
		Attribute: "export_bucket",
		Fix: "Keep the policy the provider generates: write to the working and export buckets only; results reach the " +
			"results zone through an approved export, never from the workspace.",
		check: checkWorkspaceAirlock,
	},
}

// unrecordedPath says how traffic gets through the bastion without a
// session, hence without a recording; "" when it cannot.
func unrecordedPath(b *BastionFacts) string {
	switch {
	case len(b.OpenForwarding) > 0:
		return "but its sshd_config forwards without a session (" + strings.Join(b.OpenForwarding, ", ") +
			"): connections through it with ssh -J, -W or -L to the tiers carry no recording"
	case b.TierAccess == "proxy-jump":
		return "but the tiers are reached with ssh -J through it (tier_access = proxy-jump), which no recording sees"
	}
	return ""
}

// tierAccessEvidence says how the tiers are reached, and the sshd
// settings read back that keep it so.
func tierAccessEvidence(b *BastionFacts) string {
	ev := ""
	if b.TierAccess != "" {
		ev = ", tier_access = " + b.TierAccess
	}
	if b.SSHDForwarding != nil {
		ev += " (sshd_config read back: " + strings.Join(b.SSHDForwarding, ", ") + ")"
	}
	return ev
}

// checkEgress is HW-NET-01.
func checkEgress(_ string, s Subject) (Status, string) {
	if s.unknown("egress_allow") {
		return StatusUnknown, s.why("egress_allow")
	}
	var open, destinations []string
	seen := map[string]bool{}
	for _, r := range s.Network.Outbound {
		if p, err := netip.ParsePrefix(r.Destination); err == nil && p.Bits() == 0 {
			open = append(open, fmt.Sprintf("the %s tier reaches %s on %s (%s)", r.Tier, r.Destination, portsOf(r), or(r.Purpose, "no purpose")))
			continue
		}
		if !seen[r.Destination] {
			seen[r.Destination] = true
			destinations = append(destinations, r.Destination)
		}
	}
	if len(open) > 0 {
		return StatusFail, strings.Join(open, "; ")
	}
	if len(destinations) == 0 {
		return StatusPass, "no tier may send traffic anywhere"
	}
	return StatusPass, fmt.Sprintf("%d outbound rules, to %s only", len(s.Network.Outbound), strings.Join(destinations, ", "))
}

// portsOf says which traffic a rule lets through, in words.
func portsOf(r OutboundRule) string {
	switch {
	case r.Protocol == "-1":
		return "every protocol and port"
	case r.Protocol == "icmp":
		return "ICMP"
	case r.FromPort == r.ToPort:
		return fmt.Sprintf("%s/%d", r.Protocol, r.FromPort)
	}
	return fmt.Sprintf("%s/%d-%d", r.Protocol, r.FromPort, r.ToPort)
}

// checkRegion is HW-LOC-01.
func checkRegion(profile string, s Subject) (Status, string) {
	r := s.Region
	if r.Name == "" {
		return StatusUnknown, "the provider's region is not set"
	}
	if !r.Known {
		return StatusFail, fmt.Sprintf("%s is not in the regions catalogue", r.Name)
	}
	ev := fmt.Sprintf("%s (%s): SecNumCloud %s, HDS %s", r.Name, or(r.Offer, s.Cloud), yesNo(r.SecNumCloud), yesNo(r.HDS))
	if r.Source != "" {
		ev += ", per " + r.Source
	}
	switch profile {
	case ProfileSecNumCloud:
		if !r.SecNumCloud {
			return StatusFail, ev
		}
	case ProfileHDS:
		if !r.HDS || !r.InEU {
			return StatusFail, ev
		}
	default:
		if !r.SecNumCloud && !r.HDS {
			return StatusFail, ev
		}
	}
	return StatusPass, ev
}

func policyName(kind string) string {
	if kind == PolicyKindUser {
		return "bucket user's policy"
	}
	return "bucket policy"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
