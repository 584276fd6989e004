package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/workspace"
)

// workspaceNamePattern is what a workspace's name may be: short enough that
// its machines' and identity's names stay within the clouds' limits.
var workspaceNamePattern = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$`)

// workspaceMachineInput is what a research machine's user-data is rendered
// from.
type workspaceMachineInput struct {
	Workspace, Machine string
	Index              int
	Cloud              string
	Members            []bastion.Admin
	Network            cloud.Network
	Datasets           []cloud.DatasetGrant
	Buckets            cloud.WorkspaceBuckets
	Endpoint, Region   string
	Key                cloud.AccessKey
	DataGateways       []workspace.DataGateway
	PackageMirror      *bastion.PackageMirror
	Size, Image        string
	HostKey            *bastion.HostKey
}

// renderWorkspaceMachine renders a research machine's first boot.
func renderWorkspaceMachine(in workspaceMachineInput) ([]byte, error) {
	members := make([]workspace.Member, 0, len(in.Members))
	for _, m := range in.Members {
		members = append(members, workspace.Member{Name: m.Name, PublicKey: m.PublicKey})
	}
	datasets := make([]workspace.Dataset, 0, len(in.Datasets))
	for _, d := range in.Datasets {
		datasets = append(datasets, workspace.Dataset{Bucket: d.Bucket, Prefix: d.Prefix})
	}
	cfg := workspace.Config{
		Workspace: in.Workspace, Name: in.Machine, Index: in.Index - 1, Cloud: in.Cloud, Members: members,
		BastionCIDR: in.Network.Subnets[cloud.TierBastion].CIDR,
		ObjectStorage: workspace.ObjectStorage{Endpoint: in.Endpoint, Region: in.Region, AccessKeyID: in.Key.ID,
			SecretAccessKey: in.Key.Secret},
		Buckets: workspace.Buckets{Working: in.Buckets.Working, Import: in.Buckets.Import, Export: in.Buckets.Export,
			Datasets: datasets},
		DataGateways:  in.DataGateways,
		PackageMirror: in.PackageMirror, Size: in.Size, Image: in.Image, HostKey: in.HostKey,
	}
	return workspace.Render(cfg) // which refuses cfg with every problem workspace.Check finds
}

// memberProblem is a member refused at plan time.
type memberProblem struct {
	path path.Path
	msg  string
}

// workspaceProblems checks the members and the data gateways as the
// machines' renderer will (each name and key, no key shared; each gateway's
// endpoint, CA and key), and that each gateway serves one of the
// workspace's buckets (when they are known) other than its export bucket.
func workspaceProblems(members []bastion.Admin, gateways []workspace.DataGateway, buckets []string, export string) []memberProblem {
	cfg := workspace.Config{Workspace: "w", Name: "w-1", Cloud: cloud.Outscale, BastionCIDR: "10.0.0.0/24",
		ObjectStorage: workspace.ObjectStorage{Endpoint: "https://s3.example", Region: "r", AccessKeyID: "k", SecretAccessKey: "s"},
		Buckets:       workspace.Buckets{Working: "working-bucket"}, DataGateways: gateways}
	for _, m := range members {
		cfg.Members = append(cfg.Members, workspace.Member{Name: m.Name, PublicKey: m.PublicKey})
	}
	// The renderer's names of a gateway's fields, and the schema's.
	gatewayAttr := map[string]string{"ca_pem": "tls_ca_certificate", "access_key_id": "client_access_key_id",
		"secret_access_key": "client_secret_access_key"}
	var out []memberProblem
	for _, p := range workspace.Check(cfg) {
		root, rest, ok := strings.Cut(p.Attribute, "[")
		if !ok || (root != "members" && root != "data_gateways") {
			continue
		}
		idx, attr, _ := strings.Cut(rest, "]")
		i, err := strconv.Atoi(idx)
		if err != nil {
			continue
		}
		at := path.Root(root).AtListIndex(i)
		if name := strings.TrimPrefix(attr, "."); name != "" {
			if root == "data_gateways" && gatewayAttr[name] != "" {
				name = gatewayAttr[name]
			}
			at = at.AtName(name)
		}
		out = append(out, memberProblem{path: at, msg: fmt.Sprintf("%s: %s.", at, p.Msg)})
	}
	for i, g := range gateways {
		if export != "" && g.Bucket == export {
			at := path.Root("data_gateways").AtListIndex(i).AtName("bucket")
			out = append(out, memberProblem{path: at, msg: fmt.Sprintf("%s: %q is the export bucket, which the airlock reads to "+
				"approve and copy what leaves (health_warehouse_airlock_approval, _export): keep it out of a gateway.", at, g.Bucket)})
		}
	}
	if buckets != nil {
		for i, g := range gateways {
			if g.Bucket != export && !slices.Contains(buckets, g.Bucket) {
				at := path.Root("data_gateways").AtListIndex(i).AtName("bucket")
				out = append(out, memberProblem{path: at, msg: fmt.Sprintf("%s: %q is none of the workspace's buckets (its "+
					"datasets', working_bucket, import_bucket): a gateway serves the workspace only a bucket it uses.",
					at, g.Bucket)})
			}
		}
	}
	return out
}
