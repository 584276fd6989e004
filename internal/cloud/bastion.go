package cloud

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// A warehouse bastion is one VM in the network's bastion tier with a public
// address, reachable from the administrators' blocks only. Its user-data
// (rendered by internal/bastion) carries its whole configuration and the
// host key the provider made; a bastion is never reconfigured in place,
// since cloud-init applies user-data once per instance.

// Sizes of a bastion, cloud-neutral.
const (
	SizeSmall  = "small"
	SizeMedium = "medium"
	SizeLarge  = "large"
)

// Sizes lists the sizes in increasing order.
var Sizes = []string{SizeSmall, SizeMedium, SizeLarge}

// BastionTypes maps each size to each cloud's VM type or flavor: 2, 4 or 8
// vCPUs with 2 GiB of memory per vCPU on OUTSCALE (TINA types, generation
// 6, performance "high"), 8, 16 or 32 GB on OVHcloud's General Purpose b3
// flavors (the smallest of the range). A bastion forwards SSH and records
// text: the small size is plenty for a team of administrators.
var BastionTypes = map[string]map[string]string{
	Outscale: {SizeSmall: "tinav6.c2r4p2", SizeMedium: "tinav6.c4r8p2", SizeLarge: "tinav6.c8r16p2"},
	OVH:      {SizeSmall: "b3-8", SizeMedium: "b3-16", SizeLarge: "b3-32"},
}

// BastionType is the cloud's type for size: a size name is mapped, any
// other value is taken as the cloud's own type name.
func BastionType(cloudName, size string) string {
	if t, ok := BastionTypes[cloudName][size]; ok {
		return t
	}
	return size
}

// Image families a bastion boots from, by default the first.
const (
	ImageDebian12 = "debian-12"
	ImageUbuntu24 = "ubuntu-24.04"
)

// ImageFamilies lists the families the provider knows how to find.
var ImageFamilies = []string{ImageDebian12, ImageUbuntu24}

// IsImageFamily reports whether image names a family rather than an id.
func IsImageFamily(image string) bool { return slices.Contains(ImageFamilies, image) }

// Tags of a bastion's cloud objects, besides TagName and TagClientToken.
const (
	TagBastion = "health:bastion" // the bastion's name
	// TagHostKey holds the host key's fingerprint, so that the pinned key
	// can be checked from the console without the user-data.
	TagHostKey = "health:host-key"
)

// BastionSpec is the bastion a warehouse asks for.
type BastionSpec struct {
	Name string
	// Network is the warehouse network as ReadNetwork returned it: its
	// bastion tier's subnet and security group, and on OVHcloud its
	// OpenStack id and gateway (in CloudIDs).
	Network  Network
	Type     string // the cloud's VM type or flavor name (see BastionType)
	ImageID  string
	UserData []byte // rendered cloud-init: holds the host's private key; never logged
	// HostKeyFingerprint is tagged on the VM where the cloud has tags.
	HostKeyFingerprint string
	Tags               map[string]string
	ClientToken        string
}

// Image is an operating system image.
type Image struct {
	ID   string
	Name string
}

// Bastion is a bastion VM as the cloud holds it.
type Bastion struct {
	ID        string // OUTSCALE VM id (i-…), OVHcloud instance id (a UUID)
	Name      string
	NetworkID string
	// State is the cloud's own word for the VM's state ("running",
	// "stopped", "ACTIVE", "SHUTOFF", …); Running says whether it serves.
	State   string
	Running bool
	// PublicIP is the address administrators connect to, "" when the
	// address is not linked to the VM (any more).
	PublicIP  string
	PrivateIP string
	ImageID   string
	Type      string
	// UserData is the user-data as the cloud returns it, nil where the API
	// does not return it (OVHcloud). It holds secrets: never log it.
	UserData       []byte
	UserDataSHA256 string // "" where the cloud does not return the user-data
	Tags           map[string]string
	// CloudIDs names every cloud object of the bastion, so that Delete
	// can remove them all even after a partial create: "vm",
	// "public_ip", "public_ip.link" on OUTSCALE; "instance",
	// "floating_ip" on OVHcloud.
	CloudIDs map[string]string
}

// NeedsRepair says what an in-place repair would fix: a VM stopped out of
// band, an address unlinked.
func (b Bastion) NeedsRepair() []string {
	var out []string
	if !b.Running {
		out = append(out, fmt.Sprintf("the VM is %s", strings.ToLower(b.State)))
	}
	if b.PublicIP == "" {
		out = append(out, "its public IP is not linked")
	}
	return out
}

// Bastions is the bastion block.
type Bastions interface {
	// ResolveImage returns the image a bastion boots from: the newest
	// public image of a family (see ImageFamilies), or the image id given.
	ResolveImage(ctx context.Context, image string) (Image, error)
	// CreateBastion makes the VM and its public address, and waits until
	// the VM runs with its address linked. On error it returns what it
	// made (see the contract in blocks.go).
	CreateBastion(ctx context.Context, spec BastionSpec) (Bastion, error)
	// ReadBastion reads the bastion ref names (ref.ID, and ref.CloudIDs
	// from the last state). A VM terminated or being terminated is
	// ErrNotFound.
	ReadBastion(ctx context.Context, ref Bastion) (Bastion, error)
	// RepairBastion starts a VM stopped out of band, and links its public
	// address again (a new one if the old one is gone).
	RepairBastion(ctx context.Context, ref Bastion) (Bastion, error)
	// UpdateBastionTags sets the user's tags where the cloud has tags.
	UpdateBastionTags(ctx context.Context, ref Bastion, name string, tags map[string]string) (Bastion, error)
	// DeleteBastion deletes the VM, waits until it is gone, and releases
	// its public address. Objects already gone are fine.
	DeleteBastion(ctx context.Context, b Bastion) error
	// AuditStorage is the S3 endpoint and region of the cloud's object
	// storage in the provider's region, the default for the audit bucket.
	AuditStorage() (endpoint, region string)
}
