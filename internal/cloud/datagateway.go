package cloud

import "context"

// A data gateway is one VM in the network's data tier, with no public
// address, that serves one bucket to the warehouse's machines over the S3
// API and writes every object to the bucket with SSE-C, under a data key
// made by the key manager (see internal/gateway, which renders its
// user-data, and KeyCredentials, its right to the key). Like the bastion,
// it is configured once, at first boot: it is never reconfigured in place.
//
// The cloud objects are those of a bastion without the public address, so
// a gateway is read and deleted with the same shapes: DataGateway is a
// Bastion whose PublicIP is always "".

// TagDataGateway is the data gateway's name, on its VM (OUTSCALE).
const TagDataGateway = "health:data-gateway"

// DataGatewaySpec is the data gateway a warehouse asks for.
type DataGatewaySpec struct {
	Name string
	// Network is the warehouse network as ReadNetwork returned it: its data
	// tier's subnet and security group receive the VM.
	Network  Network
	Type     string // the cloud's VM type or flavor name (see BastionType)
	ImageID  string
	UserData []byte // rendered cloud-init: holds credentials; never logged
	// PrivateIP is the address the VM takes in the data subnet, chosen
	// beforehand (DataGatewayAddress) so that its TLS certificate names it.
	PrivateIP string
	Tags      map[string]string
	// ClientToken makes the create idempotent and marks its lease.
	ClientToken string
}

// DataGateway is a data gateway's VM as the cloud holds it.
type DataGateway = Bastion

// DataGateways is the data gateway block.
type DataGateways interface {
	// DataGatewayAddress picks a free address in the network's data subnet
	// for a new gateway (see FreeAddresses).
	DataGatewayAddress(ctx context.Context, network Network) (string, error)
	// CreateDataGateway makes the VM in the data tier and waits until it
	// runs. On error it returns what it made (see blocks.go).
	CreateDataGateway(ctx context.Context, spec DataGatewaySpec) (DataGateway, error)
	// ReadDataGateway reads the gateway ref names; a VM terminated or being
	// terminated is ErrNotFound.
	ReadDataGateway(ctx context.Context, ref DataGateway) (DataGateway, error)
	// RepairDataGateway starts a VM stopped out of band.
	RepairDataGateway(ctx context.Context, ref DataGateway) (DataGateway, error)
	// UpdateDataGatewayTags sets the user's tags where the cloud has tags.
	UpdateDataGatewayTags(ctx context.Context, ref DataGateway, name string, tags map[string]string) (DataGateway, error)
	// DeleteDataGateway deletes the VM and waits until it is gone; a VM
	// gone already is fine.
	DeleteDataGateway(ctx context.Context, ref DataGateway) error
}
