package cloud

import "context"

// BastionSpec is the administrative entry point a warehouse asks for.
type BastionSpec struct {
	Name            string
	NetworkID       string
	SubnetID        string // the network's bastion tier
	SecurityGroupID string // the bastion tier's security group
	Size            string // the cloud's VM type or flavor, resolved by the provider
	ImageID         string // resolved by the provider (ReadImages / image list)
	UserData        []byte // rendered cloud-init; never logged
	Tags            map[string]string
	ClientToken     string
}

// Bastion is a bastion VM as the cloud holds it.
type Bastion struct {
	ID             string
	VMID           string
	State          string // "pending", "running", "stopped", …
	PublicIP       string
	PrivateIP      string
	ImageID        string
	Size           string
	UserDataSHA256 string
	Tags           map[string]string
	CloudIDs       map[string]string // public IP, its link, key pair, …
}

// Bastions is the bastion block.
type Bastions interface {
	FindImage(ctx context.Context, namePattern string) (id string, err error)
	CreateBastion(ctx context.Context, spec BastionSpec) (Bastion, error)
	ReadBastion(ctx context.Context, id string) (Bastion, error)
	DeleteBastion(ctx context.Context, b Bastion) error
}
