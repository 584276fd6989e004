package compliance

import (
	"maps"
	"strings"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

var (
	wsBuckets = cloud.WorkspaceBuckets{Working: "wh-ws-a-working", Import: "wh-ws-a-import", Export: "wh-ws-a-export"}
	wsOther   = OtherWorkspace{Name: "ws-b", GroupID: "sg-b",
		Buckets: cloud.WorkspaceBuckets{Working: "wh-ws-b-working", Import: "wh-ws-b-import", Export: "wh-ws-b-export"}}
	wsZones = map[string]string{"wh-raw": ZoneRaw, "wh-pseudo": ZonePseudonymised, "wh-pseudo-2": ZonePseudonymised,
		"wh-results": ZoneResults, "wh-audit": ZoneAudit}
	sshFromBastion = cloud.Rule{Tier: cloud.TierCompute, Direction: cloud.Inbound, Protocol: "tcp", FromPort: 22, ToPort: 22,
		Source: cloud.TierSource(cloud.TierBastion), Purpose: "SSH from the bastion"}
)

// goodWorkspace is a workspace as the provider makes it: SSH from the
// bastion tier, the policy cloud.WorkspacePolicy generates.
func goodWorkspace() *WorkspaceFacts {
	datasets := []cloud.DatasetGrant{{Bucket: "wh-pseudo", Prefix: "cardio/2024/"}}
	return &WorkspaceFacts{
		Name: "ws-a", GroupID: "sg-a", BastionCIDR: "10.40.0.0/24", ComputeCIDR: "10.40.64.0/18",
		Rules: []cloud.Rule{sshFromBastion, {Tier: cloud.TierCompute, Direction: cloud.Outbound, Protocol: "tcp", FromPort: 443, ToPort: 443,
			Destination: cloud.ServiceObjectStorage, Purpose: "object storage"}},
		ComputeRules: []cloud.Rule{sshFromBastion, {Tier: cloud.TierCompute, Direction: cloud.Outbound, Protocol: "tcp", FromPort: 443,
			ToPort: 443, Destination: cloud.TierSource(cloud.TierData)}, {Tier: cloud.TierCompute, Direction: cloud.Outbound,
			Protocol: "tcp", FromPort: 443, ToPort: 443, Destination: "10.40.64.0/18"}},
		Policy: cloud.WorkspacePolicy(datasets, wsBuckets), Datasets: datasets, Buckets: wsBuckets,
		Others: []OtherWorkspace{wsOther}, Zones: maps.Clone(wsZones),
	}
}

func workspaceWith(change func(w *WorkspaceFacts)) Subject {
	w := goodWorkspace()
	change(w)
	return Subject{Kind: KindWorkspace, Name: "ws-a", Cloud: "outscale", Region: qualified, Workspace: w}
}

func policyOf(statements string) string {
	return `{"Version":"2012-10-17","Statement":[` + statements + `]}`
}

func inbound(protocol string, from, to int, source string) cloud.Rule {
	return cloud.Rule{Tier: cloud.TierCompute, Direction: cloud.Inbound, Protocol: protocol, FromPort: from, ToPort: to, Source: source}
}

// Each workspace control, with the workspace that passes it and each
// change that fails it (or leaves it unknown), and the evidence that says so.
func TestWorkspaceControls(t *testing.T) {
	t.Parallel()
	same := func(w *WorkspaceFacts) {}
	for _, c := range []struct {
		name, control string
		subject       Subject
		want          Status
		evidence      []string
	}{
		// HW-WS-01: segregation.
		{"generated workspace", "HW-WS-01", workspaceWith(same), StatusPass,
			[]string{"the group sg-a admits SSH (tcp/22) from the bastion tier only", "no bucket of the other workspaces (ws-b)"}},
		{"SSH from the bastion's block", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) { w.Rules = []cloud.Rule{inbound("tcp", 22, 22, "10.40.0.0/24")} }),
			StatusPass, []string{"from the bastion tier only"}},
		{"no rule at all", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) { w.Rules = nil; w.Others = nil }), StatusPass,
			[]string{"admits nothing", "no other workspace in the warehouse"}},
		{"another workspace's group", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) { w.Rules = append(w.Rules, inbound("tcp", 8888, 8888, "sg-b")) }),
			StatusFail, []string{"the group admits tcp/8888 from sg-b, the group of the workspace ws-b"}},
		{"the compute tier", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) { w.Rules = append(w.Rules, inbound("-1", -1, -1, "tier:compute")) }),
			StatusFail, []string{"from tier:compute: the whole compute tier"}},
		{"a compute address", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) { w.Rules = append(w.Rules, inbound("tcp", 22, 22, "10.40.64.9/32")) }),
			StatusFail, []string{"addresses of the compute tier (10.40.64.0/18)"}},
		{"SSH from elsewhere", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) { w.Rules = append(w.Rules, inbound("tcp", 22, 22, "203.0.113.0/24")) }),
			StatusFail, []string{"admits tcp/22 from 203.0.113.0/24: only SSH from the bastion tier"}},
		{"more than SSH from the bastion", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) { w.Rules = []cloud.Rule{inbound("tcp", 22, 8080, "tier:bastion")} }),
			StatusFail, []string{"tcp/22-8080 from tier:bastion: anything but SSH"}},
		{"the policy names another workspace's bucket", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Sid":"Peek","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::wh-ws-b-working/*"}`)
		}), StatusFail, []string{"statement Peek names s3://wh-ws-b-working, the working bucket of the workspace ws-b"}},
		{"a bucket wildcard", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::wh-ws-*"}`)
		}), StatusFail, []string{"statement #1 names s3://wh-ws-b-export, the export bucket of the workspace ws-b"}},
		{"every bucket", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Sid":"All","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`)
		}), StatusFail, []string{"statement All names every bucket (*)"}},
		{"a denial names another workspace", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::wh-ws-b-working/*"}`)
		}), StatusPass, []string{"names no bucket"}},
		{"rules unreadable", "HW-WS-01", Subject{Kind: KindWorkspace, Workspace: goodWorkspace(), Unreadable: map[string]string{"rules": "the group sg-a is gone"}},
			StatusUnknown, []string{"no bucket of the other workspaces", "the group sg-a is gone"}},
		// The compute tier's group, which every workspace's machines are in.
		{"the compute tier's group as the network makes it", "HW-WS-01", workspaceWith(same), StatusPass,
			[]string{"the compute tier's group, which every workspace's machines are in, admits nothing from the compute tier"}},
		{"the compute tier admits itself", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) {
			w.ComputeRules = append(w.ComputeRules, inbound("tcp", 8888, 8888, "tier:compute"))
		}), StatusFail, []string{"the compute tier's rule admitting tcp/8888 from tier:compute: every workspace's machines are in the compute tier's group"}},
		{"the compute tier admits anywhere", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) {
			w.ComputeRules, w.ComputeCIDR = append(w.ComputeRules, inbound("-1", -1, -1, "0.0.0.0/0")), ""
		}), StatusFail, []string{"the compute tier's rule admitting", "from 0.0.0.0/0: it holds the compute tier's addresses"}},
		{"the compute tier admits its own block", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) {
			w.ComputeRules = append(w.ComputeRules, inbound("tcp", 22, 22, "10.40.64.0/18"))
		}), StatusFail, []string{"the compute tier's rule admitting tcp/22 from 10.40.64.0/18: it holds the compute tier's addresses"}},
		{"the compute tier admits a workspace's group", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) {
			w.ComputeRules = append(w.ComputeRules, inbound("tcp", 22, 22, "sg-b"))
		}), StatusFail, []string{"the compute tier's rule admitting tcp/22 from sg-b: a group that is no tier's"}},
		{"the compute tier admits another block", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) {
			w.ComputeRules = append(w.ComputeRules, inbound("tcp", 22, 22, "10.40.0.0/24"))
		}), StatusPass, []string{"admits nothing from the compute tier"}},
		{"the network unreadable", "HW-WS-01", Subject{Kind: KindWorkspace, Workspace: goodWorkspace(),
			Unreadable: map[string]string{"compute_rules": "the network vpc-1 could not be read"}},
			StatusUnknown, []string{"the group sg-a admits SSH (tcp/22) from the bastion tier only", "the network vpc-1 could not be read"}},
		{"not a policy", "HW-WS-01", workspaceWith(func(w *WorkspaceFacts) { w.Policy = "{" }), StatusFail, []string{"the workspace's policy is not a valid policy document"}},

		// HW-WS-02: data minimisation.
		{"generated datasets", "HW-WS-02", workspaceWith(same), StatusPass,
			[]string{"reads s3://wh-pseudo/cardio/2024/ only", "nothing of the raw zone (wh-raw)"}},
		{"no dataset", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) { w.Datasets, w.Policy = nil, cloud.WorkspacePolicy(nil, wsBuckets) }),
			StatusPass, []string{"no dataset granted"}},
		{"a whole bucket declared whole", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) {
			w.Datasets = []cloud.DatasetGrant{{Bucket: "wh-pseudo"}}
			w.Policy = cloud.WorkspacePolicy(w.Datasets, wsBuckets)
		}), StatusPass, []string{"reads s3://wh-pseudo/ only"}},
		{"the whole bucket for a prefix", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::wh-pseudo/*"}`)
		}), StatusFail, []string{"the statement Read (arn:aws:s3:::wh-pseudo/*) grants s3://wh-pseudo/* where the datasets are the prefixes cardio/2024/"}},
		{"another prefix", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::wh-pseudo/onco/*"}`)
		}), StatusFail, []string{"grants s3://wh-pseudo/onco/*"}},
		{"a prefix read through a gateway of the whole bucket", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) {
			w.Gateways = []GatewayFacts{{Bucket: "wh-pseudo"}}
		}), StatusFail, []string{"data_gateways[0] serves the whole bucket s3://wh-pseudo where the datasets are the prefixes cardio/2024/"}},
		{"a gateway serving another prefix", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) {
			w.Gateways = []GatewayFacts{{Bucket: "wh-pseudo", Prefixes: []string{"cardio/2024/", "onco/"}}}
		}), StatusFail, []string{"data_gateways[0] serves s3://wh-pseudo/onco/, which no dataset grants"}},
		{"a gateway serving the dataset's prefix", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) {
			w.Gateways = []GatewayFacts{{Bucket: "wh-pseudo", Prefixes: []string{"cardio/2024/"}}}
		}), StatusPass, []string{"reads s3://wh-pseudo/cardio/2024/ only"}},
		{"a whole bucket read through a data gateway", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) {
			w.Datasets = []cloud.DatasetGrant{{Bucket: "wh-pseudo"}}
			w.Policy = cloud.WorkspacePolicy(w.Datasets, wsBuckets)
			w.Gateways = []GatewayFacts{{Bucket: "wh-pseudo"}}
		}), StatusPass, []string{"reads s3://wh-pseudo/ only"}},
		{"a listing of the whole bucket", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::wh-pseudo"}`)
		}), StatusFail, []string{"lists the whole bucket s3://wh-pseudo where the datasets are the prefixes cardio/2024/"}},
		{"a listing limited to another prefix", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::wh-pseudo","Condition":{"StringLike":{"s3:prefix":["cardio/2024/*","onco/*"]}}}`)
		}), StatusFail, []string{"lists the whole bucket"}},
		{"a write on a dataset", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::wh-pseudo/cardio/2024/*"}`)
		}), StatusFail, []string{"allows s3:PutObject on the pseudonymised bucket s3://wh-pseudo: only s3:GetObject and s3:ListBucket"}},
		{"a wildcard action on a dataset", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::wh-pseudo/cardio/2024/*"}`)
		}), StatusFail, []string{"allows s3:Get*"}},
		{"NotAction on a dataset", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Effect":"Allow","NotAction":"s3:DeleteObject","Resource":"arn:aws:s3:::wh-pseudo/cardio/2024/*"}`)
		}), StatusFail, []string{"allows *"}},
		{"the raw zone", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Sid":"Raw","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::wh-raw/cardio/*"}`)
		}), StatusFail, []string{"the statement Raw (arn:aws:s3:::wh-raw/cardio/*) reaches s3://wh-raw, the raw zone, with s3:GetObject"}},
		{"the raw zone declared as a dataset", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) {
			w.Datasets = []cloud.DatasetGrant{{Bucket: "wh-raw", Prefix: "cardio/"}}
			w.Policy = cloud.WorkspacePolicy(w.Datasets, wsBuckets)
		}), StatusFail, []string{"reaches s3://wh-raw, the raw zone"}},
		{"a pseudonymised bucket no dataset grants", "HW-WS-02", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::wh-pseudo-2/cardio/*"}`)
		}), StatusFail, []string{"reaches the pseudonymised bucket s3://wh-pseudo-2, which no dataset grants"}},
		{"zones unknown", "HW-WS-02", Subject{Kind: KindWorkspace, Workspace: func() *WorkspaceFacts { w := goodWorkspace(); w.Zones = nil; return w }()},
			StatusUnknown, []string{"reads s3://wh-pseudo/cardio/2024/ only", "whether it reaches the raw zone is not known"}},
		{"policy unknown at plan time", "HW-WS-02", Subject{Kind: KindWorkspace, Workspace: goodWorkspace(), Unknown: []string{"policy"}},
			StatusUnknown, []string{"policy is known after apply"}},

		// HW-WS-03: the airlock.
		{"generated airlock", "HW-WS-03", workspaceWith(same), StatusPass,
			[]string{"writes to s3://wh-ws-a-working and s3://wh-ws-a-export (the export bucket) only", "nothing of the results zone (wh-results)"}},
		{"no export bucket", "HW-WS-03", workspaceWith(func(w *WorkspaceFacts) {
			w.Buckets.Export = ""
			w.Policy = cloud.WorkspacePolicy(w.Datasets, w.Buckets)
		}), StatusPass, []string{"no export bucket: nothing leaves"}},
		{"a write to the import bucket", "HW-WS-03", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Sid":"Smuggle","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::wh-ws-a-import/*"}`)
		}), StatusFail, []string{"the statement Smuggle (arn:aws:s3:::wh-ws-a-import/*) lets the workspace write (s3:PutObject) to s3://wh-ws-a-import"}},
		{"writes everywhere", "HW-WS-03", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`)
		}), StatusFail, []string{"to every bucket", "reaches s3://wh-results, the results zone"}},
		{"the results zone", "HW-WS-03", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Sid":"Peek","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::wh-results/*"}`)
		}), StatusFail, []string{"reaches s3://wh-results, the results zone, with s3:GetObject"}},
		{"the export is the results bucket", "HW-WS-03", workspaceWith(func(w *WorkspaceFacts) {
			w.Buckets.Export = "wh-results"
			w.Policy = cloud.WorkspacePolicy(w.Datasets, w.Buckets)
		}), StatusFail, []string{"reaches s3://wh-results, the results zone"}},
		{"another workspace's airlock", "HW-WS-03", workspaceWith(func(w *WorkspaceFacts) {
			w.Policy = policyOf(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::wh-ws-b-export/*"}`)
		}), StatusFail, []string{"reaches s3://wh-ws-b-export, the export bucket of the workspace ws-b's airlock"}},
		{"zones unreadable", "HW-WS-03", Subject{Kind: KindWorkspace, Workspace: goodWorkspace(), Unreadable: map[string]string{"zones": "the report reads no storage"}},
			StatusUnknown, []string{"whether it reaches the results zone is not known: the report reads no storage"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := findingOf(t, Evaluate(ProfileSecNumCloud, c.subject, nil), c.control)
			if f.Status != c.want {
				t.Fatalf("%s: status %s, want %s (evidence %q)", c.control, f.Status, c.want, f.Evidence)
			}
			for _, e := range c.evidence {
				if !strings.Contains(f.Evidence, e) {
					t.Errorf("%s: evidence %q lacks %q", c.control, f.Evidence, e)
				}
			}
			if c.want == StatusFail && (!f.Enforced || f.Detail == "") {
				t.Errorf("%s fails without being enforced or saying the fix: %+v", c.control, f)
			}
		})
	}
}

// The same facts give the same evidence, whatever the maps' order: a
// report read twice does not change.
func TestWorkspaceControls_evidenceIsStable(t *testing.T) {
	t.Parallel()
	s := workspaceWith(func(w *WorkspaceFacts) {
		w.Policy = policyOf(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`)
		w.Zones["wh-raw-2"], w.Zones["wh-results-2"] = ZoneRaw, ZoneResults
	})
	first := Evaluate(ProfileSecNumCloud, s, nil)
	if len(first) != 3 {
		t.Fatalf("%d findings for a workspace, want HW-WS-01 to 03: %+v", len(first), first)
	}
	for range 20 {
		again := Evaluate(ProfileSecNumCloud, s, nil)
		for i := range first {
			if again[i] != first[i] {
				t.Fatalf("two evaluations differ:\n%+v\n%+v", first[i], again[i])
			}
		}
	}
}

// A workspace's exceptions name workspace controls only.
func TestWorkspaceControls_exceptions(t *testing.T) {
	t.Parallel()
	if errs := CheckExceptions(KindWorkspace, []Exception{{Control: "HW-WS-02", Justification: "whole-cohort study approved by the CSE, decision 12"}}); errs != nil {
		t.Errorf("a valid exception is refused: %v", errs)
	}
	if errs := CheckExceptions(KindWorkspace, []Exception{{Control: "HW-ADM-02", Justification: "x"}}); len(errs) != 1 {
		t.Errorf("an exception to a bastion control is taken on a workspace: %v", errs)
	}
}
