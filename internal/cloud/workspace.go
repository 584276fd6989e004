package cloud

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// A research workspace is an approved project's own corner of the
// warehouse, like-for-like with an AzureTRE workspace:
//
//   - a security group of its own in the network's compute tier: SSH in
//     from the bastion tier only; out only to object storage, the data tier
//     (the data gateways, HTTPS), the kms tier (the key manager's API) and
//     the network's egress_allow entries of the compute tier (a package
//     mirror). It admits nothing from other workspaces, nor from its own
//     machines to each other's beyond what the rules say;
//   - research machines (count of one size) in the compute subnet, in that
//     group and no other, configured at first boot by their user-data
//     (rendered by internal/workspace: the members' accounts and keys);
//   - an identity of its own for object storage (an EIM user and policy on
//     OUTSCALE; an OVHcloud object storage user and its user policy), that
//     may read the datasets granted (prefixes of buckets), read and write
//     its working bucket, read its airlock's import bucket and write its
//     export bucket, and nothing else.
//
// One workspace cannot reach another's machines (no rule admits them) nor
// data (no policy names them).

// DatasetGrant is read-only access to the objects under Prefix of Bucket.
type DatasetGrant struct {
	Bucket string
	Prefix string // "" for the whole bucket, else ends with "/"
}

// WorkspaceBuckets are the buckets a workspace's identity reaches, besides
// the datasets.
type WorkspaceBuckets struct {
	Working string // read and write
	Import  string // read: what the airlock brought in ("" for none)
	Export  string // write: what asks to leave through the airlock ("" for none)
}

// WorkspaceMachineSpec is one research machine.
type WorkspaceMachineSpec struct {
	Name     string
	Type     string // the cloud's VM type or flavor name
	ImageID  string
	UserData []byte // rendered cloud-init: holds the identity's key; never logged
	// ClientToken makes the create idempotent.
	ClientToken string
}

// WorkspaceSpec is the workspace a warehouse asks for.
type WorkspaceSpec struct {
	Name string
	// Network is the warehouse network as ReadNetwork returned it: its
	// compute subnet, its tiers' groups (the bastion's, as the source of
	// SSH), its rules (Rules: the compute tier's outbound ones are copied
	// into the workspace's group).
	Network  Network
	Datasets []DatasetGrant
	Buckets  WorkspaceBuckets
	// Fronted are the buckets of Buckets (working, import) the machines
	// reach through a data gateway only, under a customer key: the identity
	// gets no direct access to them, so that nothing lands there but
	// through the gateway's SSE-C.
	Fronted  []string
	Machines []WorkspaceMachineSpec
	Tags     map[string]string
	// ClientToken makes the create idempotent and marks its lease.
	ClientToken string
}

// Policy is the identity's policy for spec: WorkspacePolicy without the
// fronted buckets.
func (spec WorkspaceSpec) Policy() string {
	b := spec.Buckets
	for _, f := range spec.Fronted {
		switch f {
		case b.Working:
			b.Working = ""
		case b.Import:
			b.Import = ""
		}
	}
	return WorkspacePolicy(spec.Datasets, b)
}

// WorkspaceMachine is a research machine as the cloud holds it.
type WorkspaceMachine struct {
	ID        string
	Name      string
	PrivateIP string
	// State is the cloud's word, or MachineDetached.
	State   string
	Running bool
	// UserDataSHA256 is "" where the cloud does not return the user-data.
	UserDataSHA256 string
}

// MachineDetached is the State of a research machine that is no longer in
// exactly the compute tier's security group and the workspace's (moved out
// of band): Running is false, so that the next plan rebuilds it. The
// compute tier's group is what lets the bastion in and the machine out to
// the data and kms tiers; the workspace's group is what the workspace's
// rules hold; any other group may admit what no workspace should.
const MachineDetached = "detached"

// Workspace is a workspace as the cloud holds it.
type Workspace struct {
	// ID is the workspace's security group: it lives as long as the
	// workspace (sg-… on OUTSCALE, the Neutron group's UUID on OVHcloud).
	ID        string
	Name      string
	NetworkID string
	// Rules are the group's rules, read back (Tier is cloud.TierCompute).
	Rules    []Rule
	Machines []WorkspaceMachine
	// Identity is the object storage identity; Policy its policy document
	// as the cloud holds it (JSON), for drift and evidence.
	IdentityID string
	Policy     string
	Tags       map[string]string
	// CloudIDs names every cloud object of the workspace, so that Delete
	// can remove them all even after a partial create.
	CloudIDs map[string]string
}

// AccessKey is an object storage key of a workspace's identity; Secret is
// set when it is made only, never log it.
type AccessKey struct {
	ID, Secret string
}

// Workspaces is the workspace block.
type Workspaces interface {
	// CreateWorkspace makes the group, the identity (and its first key,
	// returned for the machines' user-data: it is the caller's to render, so
	// the machines are made by CreateWorkspaceMachines) . On error it
	// returns what it made.
	CreateWorkspace(ctx context.Context, spec WorkspaceSpec) (Workspace, AccessKey, error)
	// CreateWorkspaceMachines makes the machines of spec.Machines in the
	// workspace's group, and waits until they run. On error it returns what
	// it made (in CloudIDs).
	CreateWorkspaceMachines(ctx context.Context, ref Workspace, spec WorkspaceSpec) (Workspace, error)
	// ReadWorkspace reads ref back: ErrNotFound when the group is gone.
	// Machines gone are missing from Machines; a policy changed out of band
	// shows in Policy.
	ReadWorkspace(ctx context.Context, ref Workspace) (Workspace, error)
	// UpdateWorkspaceAccess sets the identity's policy and the group's rules
	// to what spec asks, in place (datasets, buckets, the network's rules).
	UpdateWorkspaceAccess(ctx context.Context, ref Workspace, spec WorkspaceSpec) (Workspace, error)
	// DeleteWorkspaceMachines deletes the machines named (all when names is
	// nil) and waits until they are gone.
	DeleteWorkspaceMachines(ctx context.Context, ref Workspace, names []string) (Workspace, error)
	// DeleteWorkspace deletes the machines, the group, the identity and its
	// keys; what is gone already is fine.
	DeleteWorkspace(ctx context.Context, ref Workspace) error
	// CreateWorkspaceKey makes another key of the identity (for a member's
	// session, handed out ephemerally); DeleteWorkspaceKey deletes one.
	CreateWorkspaceKey(ctx context.Context, ref Workspace) (AccessKey, error)
	DeleteWorkspaceKey(ctx context.Context, ref Workspace, keyID string) error
}

// WorkspacePolicy is the object storage policy of a workspace's identity
// (S3's policy language, which OUTSCALE EIM and OVHcloud user policies
// take): read the datasets, read and write the working bucket, read the
// import bucket, write the export bucket; nothing else.
func WorkspacePolicy(datasets []DatasetGrant, b WorkspaceBuckets) string {
	return workspacePolicy(datasets, b)
}

func workspacePolicy(datasets []DatasetGrant, b WorkspaceBuckets) string {
	objects := func(bucket, prefix string) string { return "arn:aws:s3:::" + bucket + "/" + prefix + "*" }
	bucketARN := func(bucket string) string { return "arn:aws:s3:::" + bucket }
	var statements []map[string]any
	add := func(sid string, actions []string, resources ...string) {
		statements = append(statements, map[string]any{"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources})
	}
	for i, d := range datasets {
		add(fmt.Sprintf("ReadDataset%d", i+1), []string{"s3:GetObject"}, objects(d.Bucket, d.Prefix))
		list := map[string]any{"Sid": fmt.Sprintf("ListDataset%d", i+1), "Effect": "Allow", "Action": []string{"s3:ListBucket"},
			"Resource": []string{bucketARN(d.Bucket)}}
		if d.Prefix != "" {
			// Listing shows the granted prefix only (data minimisation).
			list["Condition"] = map[string]any{"StringLike": map[string]any{"s3:prefix": []string{d.Prefix + "*"}}}
		}
		statements = append(statements, list)
	}
	if b.Working != "" {
		add("ReadWriteWorkingFiles", []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
			"s3:ListMultipartUploadParts"}, objects(b.Working, ""))
		add("ListWorkingFiles", []string{"s3:ListBucket", "s3:ListBucketMultipartUploads"}, bucketARN(b.Working))
	}
	if b.Import != "" {
		add("ReadImports", []string{"s3:GetObject"}, objects(b.Import, ""))
		add("ListImports", []string{"s3:ListBucket"}, bucketARN(b.Import))
	}
	if b.Export != "" {
		add("WriteExports", []string{"s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"},
			objects(b.Export, ""))
		add("ListExports", []string{"s3:ListBucket", "s3:ListBucketMultipartUploads"}, bucketARN(b.Export))
	}
	out, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	return string(out)
}

// WorkspaceTypes maps each size to each cloud's VM type or flavor for a
// research machine: 4, 8 or 16 vCPUs with 4 GiB of memory per vCPU
// (OUTSCALE TINA generation 6; OVHcloud General Purpose b3).
var WorkspaceTypes = map[string]map[string]string{
	Outscale: {SizeSmall: "tinav6.c4r16p2", SizeMedium: "tinav6.c8r32p2", SizeLarge: "tinav6.c16r64p2"},
	OVH:      {SizeSmall: "b3-16", SizeMedium: "b3-32", SizeLarge: "b3-64"},
}

// WorkspaceType is the cloud's type for a research machine of size: a
// size name is mapped, any other value is taken as the cloud's own type.
func WorkspaceType(cloudName, size string) string {
	if t, ok := WorkspaceTypes[cloudName][size]; ok {
		return t
	}
	return size
}

// WorkspaceMachineName is the name of a workspace's index-th machine, from 1.
func WorkspaceMachineName(workspace string, index int) string {
	return fmt.Sprintf("%s-%d", workspace, index)
}

// WorkspaceGrants reads back the datasets and buckets a policy written by
// WorkspacePolicy grants, from its statements' ids and resources: what the
// cloud holds of a workspace's declared access. Statements it did not
// write are ignored (the compliance controls judge the whole policy).
func WorkspaceGrants(policy string) ([]DatasetGrant, WorkspaceBuckets) {
	var doc struct {
		Statement []struct {
			Sid      string
			Resource any
		}
	}
	var datasets []DatasetGrant
	var b WorkspaceBuckets
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		return nil, b
	}
	object := func(res any) (bucket, prefix string, ok bool) {
		var first string
		switch r := res.(type) {
		case string:
			first = r
		case []any:
			if len(r) > 0 {
				first, _ = r[0].(string)
			}
		}
		rest, found := strings.CutPrefix(first, "arn:aws:s3:::")
		if !found {
			return "", "", false
		}
		bucket, key, _ := strings.Cut(rest, "/")
		return bucket, strings.TrimSuffix(key, "*"), true
	}
	for _, st := range doc.Statement {
		bucket, prefix, ok := object(st.Resource)
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(st.Sid, "ReadDataset"):
			datasets = append(datasets, DatasetGrant{Bucket: bucket, Prefix: prefix})
		case st.Sid == "ReadWriteWorkingFiles":
			b.Working = bucket
		case st.Sid == "ReadImports":
			b.Import = bucket
		case st.Sid == "WriteExports":
			b.Export = bucket
		}
	}
	return datasets, b
}
