package provider

import (
	"regexp"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
	"github.com/sovhealth/terraform-provider-health/internal/cloud"
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
	PackageMirror      *bastion.PackageMirror
	Size, Image        string
}
