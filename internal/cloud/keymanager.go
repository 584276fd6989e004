package cloud

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// The key manager block: what health_warehouse_kms_key keeps its keys in.
//
//   - On OUTSCALE, whose API has no KMS, it is a cluster of OpenBao servers
//     (1, 3 or 5, Raft integrated storage) in the network's kms tier, held
//     by the customer: the provider makes the VMs and a security group that
//     lets them talk to each other; each server's user-data (rendered by
//     internal/keymanager) carries its whole configuration, its TLS
//     certificate and key and its SSH host key. OpenBao starts sealed and
//     uninitialised: initialising and unsealing it is the customer's.
//   - On OVHcloud nothing is made: the key manager is the OVHcloud KMS
//     (OKMS) the provider's kms_id names, read through the API v2.
//
// Not to be confused with KeyManager, which manages keys inside it.

// KeyManagerServerCounts lists the sizes of an OpenBao cluster: Raft needs
// an odd number of voters, and more than five only slows writes.
var KeyManagerServerCounts = []int{1, 3, 5}

// DefaultKeyManagerServers is the cluster's size when none is given: it
// keeps serving with one server down.
const DefaultKeyManagerServers = 3

// Ports of an OpenBao server.
const (
	PortKMSCluster = PortKMS + 1 // Raft and request forwarding between servers (8201)
)

// Tags of a key manager's cloud objects, besides TagName, TagNetwork and
// TagClientToken.
const (
	TagKeyManager = "health:key-manager" // the key manager's name, on every object
	// TagKeyManagerNode is a server's position in the cluster, from 1.
	TagKeyManagerNode = "health:key-manager-node"
	// TagKeyManagerLayout, on the cluster's security group, lists the
	// servers' private addresses in order, comma-separated: a server gone
	// is made again at its address, and an import finds the layout.
	TagKeyManagerLayout = "health:key-manager-nodes"
)

// keyManagerFirstHost is the offset in the kms subnet of the first address
// a server takes when free: clear of the four addresses OUTSCALE reserves at
// the start of a subnet, and easy to recognise.
const keyManagerFirstHost = 10

// KeyManagerAddresses picks count private addresses in the subnet cidr for
// the servers of a cluster, skipping used: from the subnet's 10th address
// on, then from its 4th (OUTSCALE reserves the first four and the last).
func KeyManagerAddresses(cidr string, used []string, count int) ([]string, error) {
	return FreeAddresses(TierKMS, cidr, used, count, "servers")
}

// FreeAddresses picks count private addresses in the subnet cidr of tier for
// machines the provider makes at an address it chooses (so that their TLS
// certificates can name it), skipping used: from the subnet's 10th address
// on, then from its 4th (OUTSCALE reserves the first four and the last;
// OVHcloud's gateway holds the second). what names the machines in errors.
func FreeAddresses(tier, cidr string, used []string, count int, what string) ([]string, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return nil, fmt.Errorf("the %s subnet's block %q is not an IPv4 CIDR block", tier, cidr)
	}
	p = p.Masked()
	taken := map[netip.Addr]bool{}
	for _, u := range used {
		if a, err := netip.ParseAddr(u); err == nil {
			taken[a] = true
		}
	}
	size := 1 << (32 - p.Bits())
	nth := func(n int) netip.Addr {
		a := p.Addr()
		for i := 0; i < n; i++ {
			a = a.Next()
		}
		return a
	}
	var out []string
	for _, start := range []int{keyManagerFirstHost, 4} {
		for n := start; n < size-1 && len(out) < count; n++ {
			a := nth(n)
			if !taken[a] {
				out = append(out, a.String())
				taken[a] = true
			}
		}
	}
	if len(out) < count {
		return nil, fmt.Errorf("the %s subnet %s has %d free addresses, and %d %s need one each: %w", tier, cidr, len(out), count, what, ErrQuota)
	}
	return out, nil
}

// KeyManagerNodeName is the name (and host name) of a cluster's server.
func KeyManagerNodeName(cluster string, index int) string {
	return cluster + "-" + strconv.Itoa(index)
}

// FormatKeyManagerLayout and ParseKeyManagerLayout write and read
// TagKeyManagerLayout.
func FormatKeyManagerLayout(addresses []string) string { return strings.Join(addresses, ",") }

// ParseKeyManagerLayout reads TagKeyManagerLayout; nil when unreadable.
func ParseKeyManagerLayout(tag string) []string {
	if tag == "" {
		return nil
	}
	parts := strings.Split(tag, ",")
	for _, p := range parts {
		if _, err := netip.ParseAddr(p); err != nil {
			return nil
		}
	}
	return parts
}

// KeyManagerNodeSpec is one server to make.
type KeyManagerNodeSpec struct {
	Index     int // from 1
	Name      string
	PrivateIP string // chosen by KeyManagerAddresses, written in the certificate
	// UserData is the rendered cloud-init: it holds the server's TLS and
	// SSH private keys. Never logged, never kept.
	UserData           []byte
	HostKeyFingerprint string // tagged on the VM where the cloud has tags
	ClientToken        string // one per server: a token answers one create
}

// KeyManagerSpec is the key manager a warehouse asks for.
type KeyManagerSpec struct {
	Name string
	// Network is the warehouse network as ReadNetwork returned it: its kms
	// tier's subnet and security group.
	Network Network
	Type    string // the cloud's VM type (see BastionType: the same sizes)
	ImageID string
	Nodes   []KeyManagerNodeSpec
	Tags    map[string]string
	// ClientToken identifies the create; each server has its own too.
	ClientToken string
}

// KeyManagerNode is one server as the cloud holds it.
type KeyManagerNode struct {
	Index     int
	ID        string // the VM's id
	Name      string
	PrivateIP string
	// State is the cloud's word for the VM's state; Running says whether
	// it serves (OpenBao may still be sealed: the cloud cannot tell).
	State   string
	Running bool
	Type    string
	ImageID string
	// UserData is what the cloud returns of the user-data, nil where it
	// returns none. It holds private keys: never log it.
	UserData []byte
}

// KeyManagerCluster is a key manager as the cloud holds it.
type KeyManagerCluster struct {
	// ID is the security group of the cluster (OUTSCALE), the OKMS id
	// (OVHcloud).
	ID        string
	Name      string
	Backend   string // BackendOpenBao or BackendOKMS
	NetworkID string
	Region    string
	// Address is the key manager's API: https://<server 1>:8200 (OUTSCALE),
	// the OKMS REST endpoint (OVHcloud).
	Address string
	// CACertPEM is what clients trust, where the cloud says it: OKMS's
	// public CA. On OUTSCALE the CA is in the servers' user-data.
	CACertPEM string
	// NodeAddresses are the servers' addresses by position (Index-1): the
	// layout the cluster was made with (OUTSCALE).
	NodeAddresses []string
	// Nodes are the servers alive (not terminated), by index.
	Nodes []KeyManagerNode
	Tags  map[string]string
	// CloudIDs names every cloud object of the cluster, so that Delete
	// removes them all even after a partial create: "security_group" and
	// "vm.<index>" on OUTSCALE; "okms" on OVHcloud.
	CloudIDs map[string]string
}

// KeyManagerVMKey is the CloudIDs key of a server's VM.
func KeyManagerVMKey(index int) string { return "vm." + strconv.Itoa(index) }

// Node returns the live server at index.
func (k KeyManagerCluster) Node(index int) (KeyManagerNode, bool) {
	i := slices.IndexFunc(k.Nodes, func(n KeyManagerNode) bool { return n.Index == index })
	if i < 0 {
		return KeyManagerNode{}, false
	}
	return k.Nodes[i], true
}

// MissingNodes lists the positions of the layout with no live server.
func (k KeyManagerCluster) MissingNodes() []int {
	var out []int
	for i := range k.NodeAddresses {
		if _, ok := k.Node(i + 1); !ok {
			out = append(out, i+1)
		}
	}
	return out
}

// StoppedNodes lists the servers stopped (or stopping) outside Terraform.
func (k KeyManagerCluster) StoppedNodes() []int {
	var out []int
	for _, n := range k.Nodes {
		if !n.Running {
			out = append(out, n.Index)
		}
	}
	return out
}

// KeyManagerClusters is the key manager block.
type KeyManagerClusters interface {
	// KeyManagerBackend is BackendOpenBao (a cluster the provider makes) or
	// BackendOKMS (the cloud's own service); it makes no call.
	KeyManagerBackend() string
	// KeyManagerAddresses picks the private addresses of count new servers
	// in the network's kms subnet, free at the time of the call. Nil where
	// the provider makes no server.
	KeyManagerAddresses(ctx context.Context, network Network, count int) ([]string, error)
	// CreateKeyManager makes the cluster (OUTSCALE) or checks the cloud's
	// key manager exists (OVHcloud), and waits until every server runs. On
	// error it returns what it made (see the contract in blocks.go).
	CreateKeyManager(ctx context.Context, spec KeyManagerSpec) (KeyManagerCluster, error)
	// ReadKeyManager reads the key manager ref names (ref.ID, and
	// ref.CloudIDs from the last state). ErrNotFound when it is gone.
	ReadKeyManager(ctx context.Context, ref KeyManagerCluster) (KeyManagerCluster, error)
	// RepairKeyManager starts the servers stopped outside Terraform, and
	// makes again, from replacements, the servers gone (at their layout's
	// addresses, once the old VMs have released them).
	RepairKeyManager(ctx context.Context, ref KeyManagerCluster, replacements KeyManagerSpec) (KeyManagerCluster, error)
	// UpdateKeyManagerTags sets the user's tags where the cloud has tags.
	UpdateKeyManagerTags(ctx context.Context, ref KeyManagerCluster, tags map[string]string) (KeyManagerCluster, error)
	// DeleteKeyManager deletes the servers, waits until they are gone, then
	// the cluster's security group (OUTSCALE); it forgets (OVHcloud).
	// Objects already gone are fine.
	DeleteKeyManager(ctx context.Context, ref KeyManagerCluster) error
}
