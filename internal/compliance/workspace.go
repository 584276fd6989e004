package compliance

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// KindWorkspace is a research project's workspace: its security group,
// machines and object storage identity.
const KindWorkspace Kind = "health_warehouse_workspace"

// WorkspaceFacts are the facts of a health_warehouse_workspace.
type WorkspaceFacts struct {
	Name    string
	GroupID string // its security group
	// Rules are the group's rules, as the cloud holds them. A rule that
	// admits another security group names it in Source by the group's id
	// (or "group:<id>"); one that admits a tier says "tier:<name>".
	Rules []cloud.Rule
	// ComputeRules are the network's rules of the compute tier (its
	// security group, which every workspace's machines are in too), as
	// the network's rules name them; only the inbound ones matter here.
	ComputeRules []cloud.Rule
	// BastionCIDR and ComputeCIDR are the network's bastion and compute
	// tiers' blocks, for rules that name them by address; "" when unknown.
	BastionCIDR, ComputeCIDR string
	// Policy is its identity's policy document (JSON), as the cloud holds it.
	Policy   string
	Datasets []cloud.DatasetGrant
	Buckets  cloud.WorkspaceBuckets
	// Gateways are the data gateways the machines reach buckets through,
	// each serving what its Prefixes say (the whole bucket when none) to
	// whoever holds its client key; nil when there is none, or when
	// nothing tells (the report).
	Gateways []GatewayFacts
	// Others are the other workspaces of the same report (or plan).
	Others []OtherWorkspace
	// Zones are the data zones of the warehouse's buckets, by bucket name
	// (ZoneRaw, ZonePseudonymised, ZoneResults, ZoneAudit); nil when
	// nothing tells them (Unknown or Unreadable "zones" say why).
	Zones map[string]string
}

// GatewayFacts is a data gateway a workspace's machines use.
type GatewayFacts struct {
	Bucket   string
	Prefixes []string // what it serves of Bucket; nil: all of it
}

// OtherWorkspace is another workspace of the same warehouse.
type OtherWorkspace struct {
	Name    string
	GroupID string
	Buckets cloud.WorkspaceBuckets
}

// s3Resource is one Resource of a policy statement, read as a bucket
// (a pattern: "*" is every bucket) and, for objects, a key pattern.
type s3Resource struct {
	raw    string
	bucket string
	object bool   // an object ARN (bucket/key)
	key    string // the key pattern of an object ARN
}

func parseResource(r string) s3Resource {
	rest, ok := strings.CutPrefix(r, "arn:aws:s3:::")
	if !ok {
		// "*", or an ARN of another service: every bucket, to be safe.
		return s3Resource{raw: r, bucket: "*", object: true, key: "*"}
	}
	bucket, key, object := strings.Cut(rest, "/")
	if strings.Contains(bucket, "*") && !object {
		// "wh-*" names objects too: a bucket wildcard swallows the slash.
		object, key = true, "*"
	}
	return s3Resource{raw: r, bucket: bucket, object: object, key: key}
}

// covers says whether the resource names bucket.
func (r s3Resource) covers(bucket string) bool { return wildcardMatch(r.bucket, bucket) }

// wildcardMatch matches IAM's wildcards (* and ?), case-sensitively.
func wildcardMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if wildcardMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && wildcardMatch(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && wildcardMatch(pattern[1:], s[1:])
}

// actionCovers says whether an action pattern of a statement covers the
// action (case-insensitive, as IAM matches actions).
func actionCovers(pattern, action string) bool {
	return wildcardMatch(strings.ToLower(pattern), strings.ToLower(action))
}

// writeActions are the S3 calls that change what a bucket holds or who may
// reach it.
var writeActions = []string{
	"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl", "s3:PutObjectTagging",
	"s3:RestoreObject", "s3:AbortMultipartUpload", "s3:ReplicateObject", "s3:PutBucketPolicy", "s3:PutBucketAcl",
	"s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration", "s3:CreateBucket",
	"s3:PutObjectRetention", "s3:PutObjectLegalHold", "s3:BypassGovernanceRetention",
}

// writes lists the write calls a statement's actions allow.
func writes(actions []string) []string {
	var out []string
	for _, w := range writeActions {
		if slices.ContainsFunc(actions, func(a string) bool { return actionCovers(a, w) }) {
			out = append(out, w)
		}
	}
	return out
}

// datasetActions are all a workspace may do on a dataset's bucket.
var datasetActions = []string{"s3:GetObject", "s3:ListBucket"}

// allowStatement is an Allow statement, NotAction and NotResource read as
// everything (what they leave out is not knowable here).
type allowStatement struct {
	sid       string
	actions   []string
	resources []s3Resource
	statement
}

func (st allowStatement) name(i int) string {
	if st.sid != "" {
		return st.sid
	}
	return fmt.Sprintf("#%d", i+1)
}

// allows reads the Allow statements of a policy document.
func allows(doc string) ([]allowStatement, error) {
	p, err := parsePolicy(doc)
	if err != nil {
		return nil, errors.New(strings.Replace(err.Error(), "the bucket policy", "the workspace's policy", 1))
	}
	var out []allowStatement
	for _, st := range p.Statement {
		if st.Effect != "Allow" {
			continue
		}
		a := allowStatement{sid: st.Sid, actions: st.Action, statement: st}
		if len(st.NotAction) > 0 {
			a.actions = []string{"*"}
		}
		resources := st.Resource
		if len(st.NotResource) > 0 {
			resources = []string{"*"}
		}
		for _, r := range resources {
			a.resources = append(a.resources, parseResource(r))
		}
		out = append(out, a)
	}
	return out, nil
}

// workspaceBuckets lists a workspace's buckets with what each is for.
func workspaceBuckets(b cloud.WorkspaceBuckets) [][2]string {
	var out [][2]string
	for _, x := range [][2]string{{b.Working, "working"}, {b.Import, "import"}, {b.Export, "export"}} {
		if x[0] != "" {
			out = append(out, x)
		}
	}
	return out
}

// checkWorkspaceSegregation is HW-WS-01.
func checkWorkspaceSegregation(_ string, s Subject) (Status, string) {
	w := s.Workspace
	var failed, passed, unknown []string
	if s.unknown("rules") {
		unknown = append(unknown, s.why("rules"))
	} else {
		bad, ssh := inboundProblems(w)
		failed = append(failed, bad...)
		switch {
		case len(bad) > 0:
		case ssh == 0:
			passed = append(passed, "the group "+or(w.GroupID, w.Name)+" admits nothing")
		default:
			passed = append(passed, "the group "+or(w.GroupID, w.Name)+" admits SSH (tcp/22) from the bastion tier only")
		}
	}
	switch {
	case s.unknown("rules"):
	case s.unknown("compute_rules"):
		unknown = append(unknown, s.why("compute_rules"))
	default:
		bad := computeTierProblems(w)
		failed = append(failed, bad...)
		if len(bad) == 0 {
			passed = append(passed, "the compute tier's group, which every workspace's machines are in, admits nothing from "+
				"the compute tier, its addresses or another group")
		}
	}
	if s.unknown("policy") {
		unknown = append(unknown, s.why("policy"))
	} else if statements, err := allows(w.Policy); err != nil {
		failed = append(failed, err.Error())
	} else {
		bad := otherWorkspacesNamed(w, statements)
		failed = append(failed, bad...)
		if len(bad) == 0 {
			if len(w.Others) == 0 {
				passed = append(passed, "the policy names no bucket of another workspace (no other workspace in the warehouse)")
			} else {
				names := make([]string, 0, len(w.Others))
				for _, o := range w.Others {
					names = append(names, o.Name)
				}
				sort.Strings(names)
				passed = append(passed, "the policy names no bucket of the other workspaces ("+strings.Join(names, ", ")+")")
			}
		}
	}
	return verdict(failed, unknown, passed)
}

// inboundProblems lists the group's inbound rules that admit anything but
// SSH from the bastion tier, and counts the SSH rules that do.
func inboundProblems(w *WorkspaceFacts) (problems []string, ssh int) {
	others := map[string]string{}
	for _, o := range w.Others {
		if o.GroupID != "" {
			others[o.GroupID], others["group:"+o.GroupID] = o.Name, o.Name
		}
	}
	for _, r := range w.Rules {
		if r.IsOutbound() {
			continue
		}
		what := fmt.Sprintf("admits %s from %s", portsOf(OutboundRule{Protocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort}), r.Source)
		fromBastion := r.Source == cloud.TierSource(cloud.TierBastion) || within(r.Source, w.BastionCIDR)
		switch {
		case others[r.Source] != "":
			problems = append(problems, fmt.Sprintf("the group %s, the group of the workspace %s", what, others[r.Source]))
		case r.Source == cloud.TierSource(cloud.TierCompute):
			problems = append(problems, fmt.Sprintf("the group %s: the whole compute tier, other workspaces' machines included", what))
		case overlaps(r.Source, w.ComputeCIDR):
			problems = append(problems, fmt.Sprintf("the group %s: addresses of the compute tier (%s), where other workspaces' machines run", what, w.ComputeCIDR))
		case !fromBastion:
			problems = append(problems, fmt.Sprintf("the group %s: only SSH from the bastion tier may come in", what))
		case r.Protocol != "tcp" || r.FromPort != cloud.PortSSH || r.ToPort != cloud.PortSSH:
			problems = append(problems, fmt.Sprintf("the group %s: anything but SSH (tcp/22)", what))
		default:
			ssh++
		}
	}
	return problems, ssh
}

// computeTierProblems lists the compute tier's inbound rules that let one
// workspace's machines reach another's: every machine is in the compute
// tier's group, so a rule of that group admitting the compute tier, an
// address of it (0.0.0.0/0 included) or a group that is no tier's (a
// workspace's, or one anything may be put in) opens every workspace to
// the others, whatever their own groups hold. The compute tier's block is
// unknown at plan: there, only 0.0.0.0/0 is known to hold it.
func computeTierProblems(w *WorkspaceFacts) []string {
	var problems []string
	for _, r := range w.ComputeRules {
		if r.Tier != cloud.TierCompute || r.IsOutbound() {
			continue
		}
		rule := fmt.Sprintf("the compute tier's rule admitting %s from %s", portsOf(OutboundRule{Protocol: r.Protocol,
			FromPort: r.FromPort, ToPort: r.ToPort}), r.Source)
		_, cidrErr := netip.ParsePrefix(r.Source)
		switch {
		case r.Source == cloud.TierSource(cloud.TierCompute):
			problems = append(problems, rule+": every workspace's machines are in the compute tier's group, so they reach each other's")
		case r.Source == cloud.Anywhere || overlaps(r.Source, w.ComputeCIDR):
			problems = append(problems, rule+": it holds the compute tier's addresses, where every workspace's machines run")
		case cidrErr != nil && !strings.HasPrefix(r.Source, "tier:") && !strings.HasPrefix(r.Source, "service:"):
			problems = append(problems, rule+": a group that is no tier's (another workspace's, or any machine put in it) "+
				"reaches every workspace's machines")
		}
	}
	return problems
}

// within says whether source is a CIDR block inside block.
func within(source, block string) bool {
	s, err1 := netip.ParsePrefix(source)
	b, err2 := netip.ParsePrefix(block)
	return err1 == nil && err2 == nil && s.Bits() >= b.Bits() && b.Contains(s.Addr())
}

// overlaps says whether source is a CIDR block sharing addresses with block.
func overlaps(source, block string) bool {
	s, err1 := netip.ParsePrefix(source)
	b, err2 := netip.ParsePrefix(block)
	return err1 == nil && err2 == nil && s.Overlaps(b)
}

// otherWorkspacesNamed lists the statements that name another workspace's
// bucket, or every bucket.
func otherWorkspacesNamed(w *WorkspaceFacts, statements []allowStatement) []string {
	var out []string
	for i, st := range statements {
		for _, r := range st.resources {
			if r.bucket == "*" {
				out = append(out, fmt.Sprintf("the policy's statement %s names every bucket (%s), other workspaces' included", st.name(i), r.raw))
				continue
			}
			for _, o := range w.Others {
				for _, b := range workspaceBuckets(o.Buckets) {
					if r.covers(b[0]) {
						out = append(out, fmt.Sprintf("the policy's statement %s names s3://%s, the %s bucket of the workspace %s (%s)",
							st.name(i), b[0], b[1], o.Name, r.raw))
					}
				}
			}
		}
	}
	return out
}

// checkWorkspaceMinimisation is HW-WS-02.
func checkWorkspaceMinimisation(_ string, s Subject) (Status, string) {
	w := s.Workspace
	if s.unknown("policy") {
		return StatusUnknown, s.why("policy")
	}
	statements, err := allows(w.Policy)
	if err != nil {
		return StatusFail, err.Error()
	}
	declared := map[string][]string{} // bucket → prefixes granted
	for _, d := range w.Datasets {
		declared[d.Bucket] = append(declared[d.Bucket], d.Prefix)
	}
	// The buckets whose data is minimised: the datasets', and every raw or
	// pseudonymised bucket the report knows.
	var sensitive []string
	for b := range declared {
		sensitive = append(sensitive, b)
	}
	for b, zone := range w.Zones {
		if (zone == ZoneRaw || zone == ZonePseudonymised) && !slices.Contains(sensitive, b) {
			sensitive = append(sensitive, b)
		}
	}
	sort.Strings(sensitive)
	own := []string{w.Buckets.Working, w.Buckets.Import, w.Buckets.Export}

	var failed []string
	for i, st := range statements {
		for _, r := range st.resources {
			for _, b := range sensitive {
				if !r.covers(b) || (slices.Contains(own, b) && declared[b] == nil) {
					continue
				}
				failed = append(failed, datasetProblems(w, st.name(i), st, r, b, declared[b])...)
			}
		}
	}
	failed = append(failed, gatewayProblems(w, declared)...)
	if len(failed) > 0 {
		return StatusFail, strings.Join(failed, "; ")
	}
	var granted []string
	for _, d := range w.Datasets {
		granted = append(granted, "s3://"+d.Bucket+"/"+d.Prefix)
	}
	ev := "no dataset granted"
	if len(granted) > 0 {
		ev = "reads " + strings.Join(granted, ", ") + " only, with s3:GetObject and s3:ListBucket at most"
	}
	if s.unknown("zones") || w.Zones == nil {
		why := "the warehouse's buckets' zones are unknown"
		if s.unknown("zones") {
			why = s.why("zones")
		}
		return StatusUnknown, ev + "; whether it reaches the raw zone is not known: " + why
	}
	var raw []string
	for b, zone := range w.Zones {
		if zone == ZoneRaw {
			raw = append(raw, b)
		}
	}
	sort.Strings(raw)
	if len(raw) > 0 {
		ev += "; nothing of the raw zone (" + strings.Join(raw, ", ") + ")"
	}
	return StatusPass, ev
}

// gatewayProblems says what the workspace's data gateways serve it beyond
// its datasets: a gateway serves its prefixes (or its whole bucket) to
// whoever holds its client key, whatever the identity's policy says.
func gatewayProblems(w *WorkspaceFacts, declared map[string][]string) []string {
	var out []string
	for i, g := range w.Gateways {
		prefixes, isDataset := declared[g.Bucket]
		if !isDataset || slices.Contains(prefixes, "") {
			continue // the workspace's own bucket, or a dataset that is the whole bucket
		}
		if len(g.Prefixes) == 0 {
			out = append(out, fmt.Sprintf("data_gateways[%d] serves the whole bucket s3://%s where the datasets are the prefixes %s: "+
				"the prefixes do not bound what the workspace reads through it", i, g.Bucket, strings.Join(prefixes, ", ")))
			continue
		}
		for _, p := range g.Prefixes {
			if !slices.ContainsFunc(prefixes, func(d string) bool { return strings.HasPrefix(p, d) }) {
				out = append(out, fmt.Sprintf("data_gateways[%d] serves s3://%s/%s, which no dataset grants (the datasets are the "+
					"prefixes %s)", i, g.Bucket, p, strings.Join(prefixes, ", ")))
			}
		}
	}
	return out
}

// datasetProblems says what a statement grants beyond the datasets on a
// raw, pseudonymised or dataset bucket.
func datasetProblems(w *WorkspaceFacts, sid string, st allowStatement, r s3Resource, bucket string, prefixes []string) []string {
	var out []string
	where := fmt.Sprintf("the statement %s (%s)", sid, r.raw)
	zone := w.Zones[bucket]
	if zone == ZoneRaw {
		return []string{fmt.Sprintf("%s reaches s3://%s, the raw zone, with %s", where, bucket, strings.Join(st.actions, ", "))}
	}
	kind := "the dataset bucket"
	if zone != "" {
		kind = "the " + zone + " bucket"
	}
	var beyond []string
	for _, a := range st.actions {
		if !slices.ContainsFunc(datasetActions, func(d string) bool { return strings.EqualFold(a, d) }) {
			beyond = append(beyond, a)
		}
	}
	if len(beyond) > 0 {
		out = append(out, fmt.Sprintf("%s allows %s on %s s3://%s: only s3:GetObject and s3:ListBucket", where, strings.Join(beyond, ", "), kind, bucket))
	}
	if prefixes == nil {
		return append(out, fmt.Sprintf("%s reaches %s s3://%s, which no dataset grants", where, kind, bucket))
	}
	if slices.Contains(prefixes, "") {
		return out // the whole bucket is the dataset
	}
	declared := strings.Join(prefixes, ", ")
	if r.object {
		if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(r.key, p) }) {
			out = append(out, fmt.Sprintf("%s grants s3://%s/%s where the datasets are the prefixes %s", where, bucket, r.key, declared))
		}
		return out
	}
	if slices.ContainsFunc(st.actions, func(a string) bool { return actionCovers(a, "s3:ListBucket") }) && !listLimitedTo(st.statement, prefixes) {
		out = append(out, fmt.Sprintf("%s lists the whole bucket s3://%s where the datasets are the prefixes %s", where, bucket, declared))
	}
	return out
}

// listLimitedTo says whether a statement's condition limits listings to
// the prefixes.
func listLimitedTo(st statement, prefixes []string) bool {
	for op, kv := range st.Condition {
		if !strings.EqualFold(op, "StringLike") && !strings.EqualFold(op, "StringEquals") {
			continue
		}
		for k, values := range kv {
			if !strings.EqualFold(k, "s3:prefix") || len(values) == 0 {
				continue
			}
			inside := func(v string) bool {
				return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(v, p) })
			}
			if !slices.ContainsFunc(values, func(v string) bool { return !inside(v) }) {
				return true
			}
		}
	}
	return false
}

// checkWorkspaceAirlock is HW-WS-03.
func checkWorkspaceAirlock(_ string, s Subject) (Status, string) {
	w := s.Workspace
	if s.unknown("policy") {
		return StatusUnknown, s.why("policy")
	}
	statements, err := allows(w.Policy)
	if err != nil {
		return StatusFail, err.Error()
	}
	var results []string
	for b, zone := range w.Zones {
		if zone == ZoneResults {
			results = append(results, b)
		}
	}
	sort.Strings(results)
	var failed []string
	for i, st := range statements {
		written := writes(st.actions)
		for _, r := range st.resources {
			where := fmt.Sprintf("the statement %s (%s)", st.name(i), r.raw)
			if len(written) > 0 && (r.bucket == "*" || (r.bucket != w.Buckets.Working && r.bucket != w.Buckets.Export) || r.bucket == "") {
				target := "s3://" + r.bucket
				if r.bucket == "*" {
					target = "every bucket"
				}
				failed = append(failed, fmt.Sprintf("%s lets the workspace write (%s) to %s: only its working and export buckets",
					where, strings.Join(written, ", "), target))
			}
			for _, b := range results {
				if r.covers(b) {
					failed = append(failed, fmt.Sprintf("%s reaches s3://%s, the results zone, with %s: results get there through the airlock's approval only",
						where, b, strings.Join(st.actions, ", ")))
				}
			}
			for _, o := range w.Others {
				for _, b := range workspaceBuckets(o.Buckets) {
					if b[1] != "working" && r.bucket != "*" && r.covers(b[0]) {
						failed = append(failed, fmt.Sprintf("%s reaches s3://%s, the %s bucket of the workspace %s's airlock", where, b[0], b[1], o.Name))
					}
				}
			}
		}
	}
	if len(failed) > 0 {
		return StatusFail, strings.Join(failed, "; ")
	}
	ev := "writes to s3://" + w.Buckets.Working + " only; no export bucket: nothing leaves"
	if w.Buckets.Export != "" {
		ev = "writes to s3://" + w.Buckets.Working + " and s3://" + w.Buckets.Export + " (the export bucket) only"
	}
	if s.unknown("zones") || w.Zones == nil {
		why := "the warehouse's buckets' zones are unknown"
		if s.unknown("zones") {
			why = s.why("zones")
		}
		return StatusUnknown, ev + "; whether it reaches the results zone is not known: " + why
	}
	if len(results) > 0 {
		return StatusPass, ev + "; nothing of the results zone (" + strings.Join(results, ", ") + ")"
	}
	return StatusPass, ev + "; the warehouse has no results zone"
}

// verdict folds a control's findings: any failure fails, then any unknown
// part makes it unknown.
func verdict(failed, unknown, passed []string) (Status, string) {
	switch {
	case len(failed) > 0:
		return StatusFail, strings.Join(failed, "; ")
	case len(unknown) > 0:
		return StatusUnknown, strings.Join(append(passed, unknown...), "; ")
	}
	return StatusPass, strings.Join(passed, "; ")
}
