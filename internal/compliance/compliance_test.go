package compliance

import (
	"encoding/json"
	"strings"
	"testing"
)

var (
	qualified    = RegionFacts{Name: "cloudgouv-eu-west-1", Known: true, InEU: true, SecNumCloud: true, HDS: true, Offer: "OUTSCALE"}
	hdsOnly      = RegionFacts{Name: "EU-WEST-PAR", Known: true, InEU: true, HDS: true, Offer: "OVHcloud Public Cloud"}
	outsideEU    = RegionFacts{Name: "us-east-2", Known: true, Offer: "OUTSCALE"}
	generatedTLS = `{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*",` +
		`"Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
)

func goodBucket(zone string) *BucketFacts {
	b := &BucketFacts{Zone: zone, Encryption: "customer-key", KMSKeyID: "key-1", Versioning: "Enabled", Policy: generatedTLS}
	if zone == ZoneAudit {
		b.ObjectLockMode, b.ObjectLockDays = "COMPLIANCE", 365
	}
	return b
}

func findingOf(t *testing.T, findings []Finding, control string) Finding {
	t.Helper()
	for _, f := range findings {
		if f.Control == control {
			return f
		}
	}
	t.Fatalf("no finding for %s in %+v", control, findings)
	return Finding{}
}

// Each control, with the subject that passes it and the change that makes it fail.
func TestControls(t *testing.T) {
	t.Parallel()
	network := func(cidrs ...string) Subject {
		return Subject{Kind: KindNetwork, Name: "wh", Cloud: "outscale", Region: qualified, Network: &NetworkFacts{AdminCIDRs: cidrs}}
	}
	egress := func(rules ...OutboundRule) Subject {
		return Subject{Kind: KindNetwork, Name: "wh", Cloud: "outscale", Region: qualified,
			Network: &NetworkFacts{AdminCIDRs: []string{"203.0.113.7/32"}, Outbound: rules}}
	}
	key := func(days int, protected bool) Subject {
		return Subject{Kind: KindKMSKey, Name: "k", Region: qualified, Key: &KeyFacts{Backend: "openbao", RotationPeriodDays: days, DeletionProtection: protected}}
	}
	bucket := func(b *BucketFacts) Subject {
		return Subject{Kind: KindStorage, Name: "b", Region: qualified, Bucket: b}
	}
	bastion := func(mfa string, recording bool) Subject {
		return Subject{Kind: KindBastion, Name: "bastion", Region: qualified, Bastion: &BastionFacts{MFA: mfa, SessionRecording: recording}}
	}
	reached := func(tierAccess string, sshd, open []string) Subject {
		s := bastion("totp", true)
		s.Bastion.TierAccess, s.Bastion.SSHDForwarding, s.Bastion.OpenForwarding = tierAccess, sshd, open
		return s
	}
	changed := func(zone string, change func(b *BucketFacts)) *BucketFacts { return with(goodBucket(zone), change) }

	for _, c := range []struct {
		name, control string
		profile       string
		subject       Subject
		want          Status
		evidence      string
	}{
		{"qualified region", "HW-LOC-01", ProfileSecNumCloud, network("203.0.113.7/32"), StatusPass, "SecNumCloud yes"},
		{"HDS region under secnumcloud", "HW-LOC-01", ProfileSecNumCloud, Subject{Kind: KindStorage, Region: hdsOnly, Bucket: goodBucket(ZoneRaw)}, StatusFail, "SecNumCloud no"},
		{"HDS region under hds", "HW-LOC-01", ProfileHDS, Subject{Kind: KindStorage, Region: hdsOnly, Bucket: goodBucket(ZoneRaw)}, StatusPass, "HDS yes"},
		{"outside the EU under hds", "HW-LOC-01", ProfileHDS, Subject{Kind: KindKMSKey, Region: outsideEU, Key: &KeyFacts{}}, StatusFail, "us-east-2"},
		{"region not in the catalogue", "HW-LOC-01", ProfileHDS, Subject{Kind: KindBastion, Region: RegionFacts{Name: "XX1"}, Bastion: &BastionFacts{}}, StatusFail, "not in the regions catalogue"},

		{"encrypted", "HW-ENC-01", ProfileSecNumCloud, bucket(changed(ZoneResults, func(b *BucketFacts) { b.Encryption = "provider-managed" })), StatusPass, "provider-managed"},
		{"plaintext", "HW-ENC-01", ProfileSecNumCloud, bucket(changed(ZoneResults, func(b *BucketFacts) { b.Encryption = "none" })), StatusFail, "encryption = none"},

		{"raw with a customer key the cloud cannot enforce", "HW-ENC-02", ProfileSecNumCloud, bucket(goodBucket(ZoneRaw)), StatusPass, "kms_key_id = key-1; the cloud does not refuse uploads"},
		{"raw with a customer key the policy enforces", "HW-ENC-02", ProfileHDS, bucket(changed(ZoneRaw, func(b *BucketFacts) {
			b.PolicyKind, b.Policy = PolicyKindUser, `{"Statement":[{"Effect":"Deny","Action":["s3:PutObject"],`+
				`"Condition":{"Null":{"s3:x-amz-server-side-encryption-customer-algorithm":["true"]}}}]}`
		})), StatusPass, "refuses uploads without an SSE-C key"},
		{"pseudonymised with provider keys", "HW-ENC-02", ProfileHDS, bucket(changed(ZonePseudonymised, func(b *BucketFacts) { b.Encryption = "provider-managed" })), StatusFail, "zone = pseudonymised"},
		{"results with provider keys", "HW-ENC-02", ProfileSecNumCloud, bucket(changed(ZoneResults, func(b *BucketFacts) { b.Encryption = "provider-managed" })), StatusNotApplicable, "zone = results"},

		{"yearly rotation", "HW-KEY-01", ProfileSecNumCloud, key(365, true), StatusPass, "365 days"},
		{"rotation over a year", "HW-KEY-01", ProfileSecNumCloud, key(400, true), StatusFail, "400 days"},
		{"never rotated", "HW-KEY-01", ProfileSecNumCloud, key(0, true), StatusFail, "never rotated"},

		{"protected key", "HW-KEY-02", ProfileSecNumCloud, key(90, true), StatusPass, "true"},
		{"unprotected key", "HW-KEY-02", ProfileSecNumCloud, key(90, false), StatusFail, "deletion_protection = false"},

		{"versioned", "HW-STO-01", ProfileSecNumCloud, bucket(goodBucket(ZoneResults)), StatusPass, "Enabled"},
		{"versioning suspended", "HW-STO-01", ProfileSecNumCloud, bucket(changed(ZoneResults, func(b *BucketFacts) { b.Versioning = "Suspended" })), StatusFail, "Suspended"},

		{"locked audit bucket", "HW-STO-02", ProfileSecNumCloud, bucket(goodBucket(ZoneAudit)), StatusPass, "COMPLIANCE"},
		{"unlocked audit bucket", "HW-STO-02", ProfileSecNumCloud, bucket(changed(ZoneAudit, func(b *BucketFacts) { b.ObjectLockMode = "" })), StatusFail, "no object lock"},
		{"unlocked raw bucket", "HW-STO-02", ProfileSecNumCloud, bucket(goodBucket(ZoneRaw)), StatusNotApplicable, "zone = raw"},

		{"TLS-only policy", "HW-STO-03", ProfileSecNumCloud, bucket(goodBucket(ZoneRaw)), StatusPass, "aws:SecureTransport = false"},
		{"no policy", "HW-STO-03", ProfileSecNumCloud, bucket(changed(ZoneRaw, func(b *BucketFacts) { b.Policy = "" })), StatusFail, "no statement"},
		{"policy denying TLS only to one action", "HW-STO-03", ProfileSecNumCloud, bucket(changed(ZoneRaw, func(b *BucketFacts) {
			b.Policy = strings.Replace(generatedTLS, `"s3:*"`, `"s3:GetObject"`, 1)
		})), StatusFail, "no statement"},
		{"policy that does not parse", "HW-STO-03", ProfileSecNumCloud, bucket(changed(ZoneRaw, func(b *BucketFacts) { b.Policy = "{" })), StatusFail, "not a valid policy"},

		{"OVHcloud user policy denying plain HTTP", "HW-STO-03", ProfileHDS, bucket(changed(ZoneRaw, func(b *BucketFacts) {
			b.PolicyKind, b.Policy = PolicyKindUser, `{"Statement":[{"Effect":"Allow","Action":["s3:*"]},`+
				`{"Effect":"Deny","Action":["s3:*"],"Condition":{"Bool":{"aws:SecureTransport":["false"]}}}]}`
		})), StatusPass, "bucket user's policy denies"},
		{"OUTSCALE bucket policy without conditions", "HW-STO-03", ProfileSecNumCloud, bucket(changed(ZoneRaw, func(b *BucketFacts) {
			b.PolicyKind, b.Policy = PolicyKindBucket, `{"Statement":[{"Effect":"Deny","Principal":"*","Action":["s3:PutBucketAcl"]}]}`
		})), StatusFail, "no statement of the bucket policy"},
		{"user policy", "HW-STO-04", ProfileHDS, bucket(changed(ZoneRaw, func(b *BucketFacts) {
			b.PolicyKind, b.Policy = PolicyKindUser, `{"Statement":[{"Effect":"Allow","Action":["s3:*"]}]}`
		})), StatusPass, "only its own user reaches it"},
		{"private bucket", "HW-STO-04", ProfileSecNumCloud, bucket(goodBucket(ZoneRaw)), StatusPass, "no statement allows"},
		{"public read", "HW-STO-04", ProfileSecNumCloud, bucket(changed(ZoneRaw, func(b *BucketFacts) {
			b.Policy = `{"Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":{"AWS":["*"]},"Action":"s3:GetObject"}]}`
		})), StatusFail, "PublicRead"},
		{"everyone but only from the network", "HW-STO-04", ProfileSecNumCloud, bucket(changed(ZoneRaw, func(b *BucketFacts) {
			b.Policy = `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"IpAddress":{"aws:SourceIp":["198.51.100.1/32"]}}}]}`
		})), StatusPass, "no statement allows"},
		{"everyone except some addresses", "HW-STO-04", ProfileSecNumCloud, bucket(changed(ZoneRaw, func(b *BucketFacts) {
			b.Policy = `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"NotIpAddress":{"aws:SourceIp":["198.51.100.1/32"]}}}]}`
		})), StatusFail, "allows anyone"},

		{"audit kept a year", "HW-LOG-01", ProfileSecNumCloud, bucket(goodBucket(ZoneAudit)), StatusPass, "retention_days = 365"},
		{"audit kept a month", "HW-LOG-01", ProfileHDS, bucket(changed(ZoneAudit, func(b *BucketFacts) { b.ObjectLockDays = 30 })), StatusFail, "retention_days = 30 (minimum 180)"},
		{"retention of a raw bucket", "HW-LOG-01", ProfileSecNumCloud, bucket(goodBucket(ZoneRaw)), StatusNotApplicable, "zone = raw"},

		{"admins from an office", "HW-ADM-01", ProfileSecNumCloud, network("203.0.113.7/32", "198.51.100.0/28"), StatusPass, "203.0.113.7/32"},
		{"admins from anywhere", "HW-ADM-01", ProfileSecNumCloud, network("203.0.113.7/32", "0.0.0.0/0"), StatusFail, "0.0.0.0/0"},

		{"egress to named places", "HW-NET-01", ProfileSecNumCloud, egress(
			OutboundRule{Tier: "bastion", Protocol: "tcp", FromPort: 22, ToPort: 22, Destination: "tier:kms"},
			OutboundRule{Tier: "kms", Protocol: "tcp", FromPort: 443, ToPort: 443, Destination: "198.51.100.0/24", Purpose: `egress_allow "mirror"`},
		), StatusPass, "2 outbound rules, to tier:kms, 198.51.100.0/24 only"},
		{"no egress at all", "HW-NET-01", ProfileHDS, egress(), StatusPass, "no tier may send traffic anywhere"},
		{"an entry to the whole Internet", "HW-NET-01", ProfileHDS, egress(
			OutboundRule{Tier: "compute", Protocol: "tcp", FromPort: 80, ToPort: 443, Destination: "0.0.0.0/0", Purpose: `egress_allow "web"`},
		), StatusFail, `the compute tier reaches 0.0.0.0/0 on tcp/80-443 (egress_allow "web")`},
		{"the cloud's default rule left in place", "HW-NET-01", ProfileSecNumCloud, egress(
			OutboundRule{Tier: "data", Protocol: "-1", FromPort: -1, ToPort: -1, Destination: "0.0.0.0/0", Purpose: "opened outside this configuration"},
		), StatusFail, "the data tier reaches 0.0.0.0/0 on every protocol and port (opened outside this configuration)"},

		{"TOTP", "HW-ADM-02", ProfileSecNumCloud, bastion("totp", true), StatusPass, "totp"},
		{"FIDO2", "HW-ADM-02", ProfileSecNumCloud, bastion("fido2", true), StatusPass, "fido2"},
		{"no second factor", "HW-ADM-02", ProfileSecNumCloud, bastion("none", true), StatusFail, "mfa = none"},

		{"recording on", "HW-ADM-03", ProfileSecNumCloud, bastion("totp", true), StatusPass, "session_recording = true"},
		{"recording off", "HW-ADM-03", ProfileSecNumCloud, bastion("totp", false), StatusFail, "session_recording = false"},
		{"tiers through a recorded hop, read back", "HW-ADM-03", ProfileSecNumCloud, reached("recorded-hop",
			[]string{"AllowTcpForwarding no", "AllowStreamLocalForwarding no", "PermitTunnel no", "X11Forwarding no"}, nil), StatusPass,
			"session_recording = true, tier_access = recorded-hop (sshd_config read back: AllowTcpForwarding no, AllowStreamLocalForwarding no"},
		{"tiers through a recorded hop, planned", "HW-ADM-03", ProfileSecNumCloud, reached("recorded-hop", nil, nil), StatusPass,
			"tier_access = recorded-hop"},
		{"ssh -J forwarded by sshd", "HW-ADM-03", ProfileSecNumCloud, reached("proxy-jump",
			[]string{"AllowTcpForwarding local", "AllowStreamLocalForwarding no", "PermitTunnel no", "X11Forwarding no"},
			[]string{"AllowTcpForwarding local"}), StatusFail, "forwards without a session (AllowTcpForwarding local)"},
		{"ssh -J told by the state", "HW-ADM-03", ProfileHDS, reached("proxy-jump", nil, nil), StatusFail, "tier_access = proxy-jump"},
	} {
		t.Run(c.control+" "+c.name, func(t *testing.T) {
			t.Parallel()
			f := findingOf(t, Evaluate(c.profile, c.subject, nil), c.control)
			if f.Status != c.want {
				t.Errorf("status = %s, want %s (evidence %q)", f.Status, c.want, f.Evidence)
			}
			if !strings.Contains(f.Evidence, c.evidence) {
				t.Errorf("evidence = %q, want it to mention %q", f.Evidence, c.evidence)
			}
			if f.Status == StatusFail && f.Detail == "" {
				t.Error("a failure carries no fix")
			}
		})
	}
}

func TestEvaluate_exceptionsAndProfiles(t *testing.T) {
	t.Parallel()
	s := Subject{Kind: KindNetwork, Name: "wh", Region: hdsOnly, Network: &NetworkFacts{AdminCIDRs: []string{"0.0.0.0/0"}}}

	findings := Evaluate(ProfileHDS, s, []Exception{{Control: "HW-ADM-01", Justification: "break-glass access until the VPN lands (RSSI, ticket 42)"}})
	adm := findingOf(t, findings, "HW-ADM-01")
	if adm.Status != StatusExcepted || !strings.Contains(adm.Detail, "ticket 42") {
		t.Errorf("HW-ADM-01 = %+v, want excepted with the justification", adm)
	}
	if v := Violations(findings); len(v) != 0 {
		t.Errorf("violations with the exception: %+v", v)
	}

	// Under secnumcloud the region fails too, and no exception covers it.
	v := Violations(Evaluate(ProfileSecNumCloud, s, nil))
	if len(v) != 2 || v[0].Control != "HW-ADM-01" || v[1].Control != "HW-LOC-01" {
		t.Errorf("violations = %+v, want HW-ADM-01 and HW-LOC-01", v)
	}

	// Profile none enforces nothing but still reports the failures.
	none := Evaluate(ProfileNone, s, nil)
	if len(Violations(none)) != 0 {
		t.Errorf("profile none enforces %+v", Violations(none))
	}
	if f := findingOf(t, none, "HW-ADM-01"); f.Status != StatusFail || f.Enforced {
		t.Errorf("under none HW-ADM-01 = %+v, want a failure that is not enforced", f)
	}
	// Only the controls concerning networks are evaluated.
	for _, f := range findings {
		if c, _ := Lookup(f.Control); !c.AppliesTo(KindNetwork) {
			t.Errorf("%s evaluated on a network", f.Control)
		}
	}
}

func TestEvaluate_unknownAtPlanTime(t *testing.T) {
	t.Parallel()
	s := Subject{Kind: KindStorage, Name: "b", Region: qualified, Bucket: &BucketFacts{Zone: ZoneRaw}, Unknown: []string{"encryption", "policy"}}
	findings := Evaluate(ProfileSecNumCloud, s, nil)
	for _, id := range []string{"HW-ENC-01", "HW-ENC-02", "HW-STO-03", "HW-STO-04"} {
		if f := findingOf(t, findings, id); f.Status != StatusUnknown {
			t.Errorf("%s = %s, want unknown while its value is unknown", id, f.Status)
		}
	}
	if f := findingOf(t, findings, "HW-STO-01"); f.Status != StatusFail {
		t.Errorf("HW-STO-01 = %s: a known value is still judged", f.Status)
	}
	n := Subject{Kind: KindNetwork, Name: "wh", Region: qualified, Network: &NetworkFacts{}, Unknown: []string{"egress_allow"}}
	if f := findingOf(t, Evaluate(ProfileSecNumCloud, n, nil), "HW-NET-01"); f.Status != StatusUnknown || !strings.Contains(f.Evidence, "egress_allow") {
		t.Errorf("HW-NET-01 = %+v, want unknown while egress_allow is", f)
	}
}

func TestCheckExceptions(t *testing.T) {
	t.Parallel()
	errs := CheckExceptions(KindNetwork, []Exception{
		{Control: "HW-ADM-01", Justification: "ok"},
		{Control: "HW-ADM-01", Justification: "again"},
		{Control: "HW-XXX-99", Justification: "x"},
		{Control: "HW-STO-01", Justification: "x"},
		{Control: "HW-LOC-01", Justification: "  "},
	})
	want := []string{"HW-ADM-01 is listed twice", `"HW-XXX-99" is not a control`,
		"HW-STO-01 (Every bucket keeps the versions of its objects) does not concern health_warehouse_network",
		"the exception to HW-LOC-01 has an empty justification"}
	if len(errs) != len(want) {
		t.Fatalf("errors = %v, want %d", errs, len(want))
	}
	for i, w := range want {
		if !strings.Contains(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want %q", i, errs[i], w)
		}
	}
	if errs := CheckExceptions(KindNetwork, []Exception{{Control: "HW-LOC-01", Justification: "pilot on HDS only"}}); errs != nil {
		t.Errorf("a valid exception is refused: %v", errs)
	}
}

func TestCatalogue_isComplete(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range Catalogue() {
		if seen[c.ID] {
			t.Errorf("%s twice", c.ID)
		}
		seen[c.ID] = true
		if c.Title == "" || c.Rationale == "" || c.Fix == "" || c.Attribute == "" || len(c.Sources) == 0 || len(c.Kinds) == 0 || c.check == nil {
			t.Errorf("%s is incomplete: %+v", c.ID, c)
		}
		for _, s := range c.Sources {
			if s.Ref == "" || s.Summary == "" || s.URL == "" || s.Binds == "" {
				t.Errorf("%s has an incomplete source %+v", c.ID, s)
			}
		}
	}
	if err := CheckProfile("iso27001"); err == nil || !strings.Contains(err.Error(), "secnumcloud, hds, none") {
		t.Errorf("CheckProfile = %v", err)
	}
}

func TestReport(t *testing.T) {
	t.Parallel()
	var findings []Finding
	findings = append(findings, Evaluate(ProfileSecNumCloud, Subject{Kind: KindStorage, Name: "wh-audit", Region: qualified,
		Bucket: with(goodBucket(ZoneAudit), func(b *BucketFacts) { b.Versioning = "Suspended" })}, nil)...)
	findings = append(findings, Evaluate(ProfileSecNumCloud, Subject{Kind: KindNetwork, Name: "wh", Region: qualified,
		Network: &NetworkFacts{AdminCIDRs: []string{"203.0.113.7/32"}}}, nil)...)
	r := NewReport("Warehouse wh", ProfileSecNumCloud, "outscale", "cloudgouv-eu-west-1", findings)
	if r.Summary.Compliant || r.Summary.Fail != 1 {
		t.Errorf("summary = %+v, want one failure and not compliant", r.Summary)
	}
	md := r.Markdown()
	for _, want := range []string{"**Not compliant**", "| HW-STO-01 | Every bucket keeps the versions of its objects | health_warehouse_storage `wh-audit` | fail | versioning = Suspended. Set versioning = true. |", "SecNumCloud 3.2 §17.6 a)"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	var back Report
	if err := json.Unmarshal([]byte(r.JSON()), &back); err != nil || len(back.Findings) != len(findings) {
		t.Errorf("JSON does not round-trip: %v", err)
	}
	if r.JSON() != NewReport("Warehouse wh", ProfileSecNumCloud, "outscale", "cloudgouv-eu-west-1", findings).JSON() {
		t.Error("the same findings give two reports")
	}
}

func with(b *BucketFacts, change func(b *BucketFacts)) *BucketFacts { change(b); return b }
