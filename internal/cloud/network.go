package cloud

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// Tier names of the warehouse network, from the most exposed inwards.
const (
	TierBastion = "bastion" // the only tier reachable from outside, through the bastion's public IP
	TierCompute = "compute" // research workloads
	TierData    = "data"    // the private path to object storage
	TierKMS     = "kms"     // the customer-held key manager (OpenBao on OUTSCALE)
)

// Tiers lists the tiers in a stable order: the order of the default layout.
var Tiers = []string{TierBastion, TierCompute, TierData, TierKMS}

// Ports the warehouse opens between tiers.
const (
	PortSSH     = 22   // administration, from the bastion only
	PortStorage = 443  // object storage over HTTPS, compute → data
	PortKMS     = 8200 // the key manager's API (OpenBao), compute → kms
)

// Tags every cloud object of a warehouse network carries, where the cloud
// has tags. They let Read recognise the tiers after an import, and find
// objects of a run that died before Terraform saved any state.
const (
	TagName        = "Name"
	TagTier        = "health:tier"
	TagNetwork     = "health:network"      // the warehouse network's name
	TagClientToken = "health:client-token" // the create's idempotency token
	// TagCreating marks the first object of a create in progress (its value
	// is the create's token) until the create returns. A create that died
	// with the provider leaves it behind: the next create of the same name
	// deletes what carries it, so that nothing of the first attempt is
	// left over.
	TagCreating = "health:creating"
)

// How a cloud enforces the tier rules.
const (
	// EnforcedBySecurityGroups: each tier has a security group holding the
	// rules (OUTSCALE).
	EnforcedBySecurityGroups = "security-groups"
	// EnforcedByHostFirewall: the cloud's API has no security groups, so the
	// rules are published for the machines of each tier to apply in their
	// own firewall (OVHcloud: security groups exist only in OpenStack
	// Neutron, which the OVHcloud API does not expose).
	EnforcedByHostFirewall = "host-firewall"
)

// How the warehouse reaches object storage.
const (
	// StorageViaNetAccessPoint: a Net access point to OOS on the route
	// tables; storage traffic never leaves the cloud's network (OUTSCALE).
	StorageViaNetAccessPoint = "net-access-point"
	// StorageViaGateway: through the gateway's SNAT to the regional S3
	// endpoint over TLS; OVHcloud offers no private S3 endpoint on the vRack.
	StorageViaGateway = "gateway"
)

// NetworkSpec is the network a warehouse asks for.
type NetworkSpec struct {
	Name        string
	CIDR        string            // RFC 1918, /16 to /24
	Subnets     map[string]string // tier → CIDR, every tier present (see DefaultSubnets)
	AdminCIDRs  []string          // who may reach the bastion on SSH
	NATEgress   bool              // outbound access through NAT for OS updates
	Tags        map[string]string
	ClientToken string // idempotency token, stable across retries of one create
}

// Network is a warehouse network as the cloud holds it.
type Network struct {
	ID        string // OUTSCALE Net id (vpc-…), OVHcloud private network id (pn-…)
	Name      string
	CIDR      string
	Region    string
	Subnets   map[string]Subnet // by tier; a tier deleted out of band is absent
	Rules     []Rule            // every inbound rule in force, sorted (see SortRules)
	NATEgress bool
	Tags      map[string]string
	// RulesEnforcement is EnforcedBySecurityGroups or EnforcedByHostFirewall.
	RulesEnforcement string
	// StoragePath is StorageViaNetAccessPoint or StorageViaGateway.
	StoragePath string
	// EgressIPs are the public addresses the network's outbound traffic
	// leaves from (the NAT's or the gateway's), for allow-lists.
	EgressIPs []string
	// CloudIDs names every cloud object behind the network, so that Delete
	// can remove them all even after a partial create: "net", "subnet.<tier>",
	// "security_group.<tier>", "route_table.public", "route_table.private",
	// "internet_service", "public_ip.nat", "nat_service", "net_access_point"
	// on OUTSCALE; "network", "network.openstack", "subnet.<tier>",
	// "gateway", "gateway_interface.<tier>" on OVHcloud.
	CloudIDs map[string]string
}

// Subnet is one tier's subnet.
type Subnet struct {
	ID              string
	CIDR            string
	SecurityGroupID string // "" where the cloud has no security groups
	RouteTableID    string // "" where the cloud has no route tables
}

// Rule is one inbound rule of a tier.
type Rule struct {
	Tier     string // the tier the rule protects
	Protocol string // "tcp", "udp", "icmp" or "-1"
	FromPort int
	ToPort   int
	Source   string // a CIDR, or "tier:<name>" for the machines of another tier
	Purpose  string // why it is open, in words
}

// Key identifies a rule regardless of its purpose text.
func (r Rule) Key() string {
	return fmt.Sprintf("%s|%s|%d|%d|%s", r.Tier, r.Protocol, r.FromPort, r.ToPort, r.Source)
}

// TierSource is the Source of a rule that admits another tier.
func TierSource(tier string) string { return "tier:" + tier }

// Networks is the network block.
type Networks interface {
	// CreateNetwork makes the whole network; on error it returns what it
	// made (see the contract in blocks.go).
	CreateNetwork(ctx context.Context, spec NetworkSpec) (Network, error)
	// ReadNetwork reads the network ref.ID names. ref carries what the
	// caller already knows (the last state: CloudIDs, Subnets); after an
	// import only ref.ID is set. It returns ErrNotFound when the network is
	// gone.
	ReadNetwork(ctx context.Context, ref Network) (Network, error)
	// UpdateNetwork brings current to spec in place: name, tags, rules,
	// NAT egress, and subnets or rules deleted out of band are re-created.
	// The CIDRs of the network and of existing subnets never change in place.
	UpdateNetwork(ctx context.Context, current Network, spec NetworkSpec) (Network, error)
	// DeleteNetwork deletes every object of n in dependency order, retrying
	// while the cloud still unlinks them; objects already gone are fine.
	DeleteNetwork(ctx context.Context, n Network) error
}

// DefaultSubnets carves the four tiers from cidr: its four equal quarters,
// in the order of Tiers (a /16 gives four /18s, a /24 four /26s).
func DefaultSubnets(cidr string) (map[string]string, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, err
	}
	p = p.Masked()
	bits := p.Bits() + 2
	if !p.Addr().Is4() || bits > 32 {
		return nil, fmt.Errorf("%s cannot be split in four", cidr)
	}
	size := uint32(1) << (32 - bits)
	base := p.Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	out := make(map[string]string, len(Tiers))
	for i, tier := range Tiers {
		a := start + uint32(i)*size
		addr := netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
		out[tier] = netip.PrefixFrom(addr, bits).String()
	}
	return out, nil
}

// Private IPv4 ranges of RFC 1918.
var rfc1918 = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// Limits on the warehouse network's size.
const (
	MinNetworkBits = 16
	MaxNetworkBits = 24
	MaxSubnetBits  = 28 // OUTSCALE's smallest subnet
)

// CheckNetworkCIDR says why cidr cannot be a warehouse network, or nil.
func CheckNetworkCIDR(cidr string) error {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return fmt.Errorf("%q is not a CIDR block such as 10.20.0.0/16", cidr)
	}
	if !p.Addr().Is4() {
		return fmt.Errorf("%q is not an IPv4 block: the warehouse network is IPv4", cidr)
	}
	if p.Masked() != p {
		return fmt.Errorf("%q has host bits set: the block starts at %s", cidr, p.Masked())
	}
	if !isPrivate(p) {
		return fmt.Errorf("%q is not a private range: use a block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918)", cidr)
	}
	if p.Bits() < MinNetworkBits || p.Bits() > MaxNetworkBits {
		return fmt.Errorf("%q is a /%d: the network must be between /%d and /%d", cidr, p.Bits(), MinNetworkBits, MaxNetworkBits)
	}
	return nil
}

func isPrivate(p netip.Prefix) bool {
	for _, r := range rfc1918 {
		if r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// SubnetProblem is one reason a subnet layout is refused.
type SubnetProblem struct {
	Tier  string // the subnet at fault
	Other string // the other subnet, for an overlap
	Msg   string
}

// CheckSubnets checks a layout: every CIDR parses, is inside the network,
// is no smaller than /28, and no two overlap. Tiers absent from subnets are
// not checked. It returns the problems in the order of Tiers.
func CheckSubnets(networkCIDR string, subnets map[string]string) []SubnetProblem {
	network, err := netip.ParsePrefix(networkCIDR)
	if err != nil {
		return nil // the network's own check reports it
	}
	var problems []SubnetProblem
	parsed := map[string]netip.Prefix{}
	for _, tier := range Tiers {
		cidr, ok := subnets[tier]
		if !ok {
			continue
		}
		p, err := netip.ParsePrefix(cidr)
		switch {
		case err != nil || !p.Addr().Is4():
			problems = append(problems, SubnetProblem{Tier: tier, Msg: fmt.Sprintf("%q is not an IPv4 CIDR block", cidr)})
			continue
		case p.Masked() != p:
			problems = append(problems, SubnetProblem{Tier: tier, Msg: fmt.Sprintf("%q has host bits set: the block starts at %s", cidr, p.Masked())})
			continue
		case p.Bits() < network.Bits() || !network.Contains(p.Addr()):
			problems = append(problems, SubnetProblem{Tier: tier, Msg: fmt.Sprintf("%s is not inside the network's cidr %s", cidr, networkCIDR)})
			continue
		case p.Bits() > MaxSubnetBits:
			problems = append(problems, SubnetProblem{Tier: tier, Msg: fmt.Sprintf("%s is smaller than /%d", cidr, MaxSubnetBits)})
			continue
		}
		for _, other := range Tiers {
			if q, ok := parsed[other]; ok && q.Overlaps(p) {
				problems = append(problems, SubnetProblem{Tier: tier, Other: other,
					Msg: fmt.Sprintf("%s (%s) overlaps %s (%s)", tier, cidr, other, q)})
			}
		}
		parsed[tier] = p
	}
	return problems
}

// Anywhere is the IPv4 block that admits the whole Internet.
const Anywhere = "0.0.0.0/0"

// CheckAdminCIDR says why cidr cannot admit administrators, or nil. A block
// as wide as the Internet is refused unless allowAnywhere.
func CheckAdminCIDR(cidr string, allowAnywhere bool) error {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return fmt.Errorf("%q is not an IPv4 CIDR block such as 203.0.113.7/32", cidr)
	}
	if p.Masked() != p {
		return fmt.Errorf("%q has host bits set: write %s", cidr, p.Masked())
	}
	if p.Bits() == 0 && !allowAnywhere {
		return fmt.Errorf("%q opens SSH on the bastion to the whole Internet; list your administrators' addresses, "+
			"or set allow_admin_from_anywhere = true to accept the risk (compliance checks flag it)", cidr)
	}
	return nil
}

// DesiredRules is the rule set a spec opens, sorted. Inbound is denied
// unless a rule admits it:
//   - bastion: SSH from each admin CIDR;
//   - compute, data, kms: SSH from the bastion;
//   - data: HTTPS (the storage path) from compute;
//   - kms: the key manager's API from compute.
func DesiredRules(spec NetworkSpec) []Rule {
	var rules []Rule
	for _, cidr := range spec.AdminCIDRs {
		rules = append(rules, Rule{Tier: TierBastion, Protocol: "tcp", FromPort: PortSSH, ToPort: PortSSH, Source: cidr,
			Purpose: "SSH from administrators"})
	}
	for _, tier := range []string{TierCompute, TierData, TierKMS} {
		rules = append(rules, Rule{Tier: tier, Protocol: "tcp", FromPort: PortSSH, ToPort: PortSSH, Source: TierSource(TierBastion),
			Purpose: "SSH from the bastion"})
	}
	rules = append(rules,
		Rule{Tier: TierData, Protocol: "tcp", FromPort: PortStorage, ToPort: PortStorage, Source: TierSource(TierCompute),
			Purpose: "object storage (HTTPS) from compute"},
		Rule{Tier: TierKMS, Protocol: "tcp", FromPort: PortKMS, ToPort: PortKMS, Source: TierSource(TierCompute),
			Purpose: "key manager API from compute"},
	)
	SortRules(rules)
	return rules
}

// SortRules orders rules by tier (in the order of Tiers), then port, then source.
func SortRules(rules []Rule) {
	rank := map[string]int{}
	for i, t := range Tiers {
		rank[t] = i
	}
	sort.SliceStable(rules, func(i, j int) bool {
		a, b := rules[i], rules[j]
		if a.Tier != b.Tier {
			return rank[a.Tier] < rank[b.Tier]
		}
		if a.FromPort != b.FromPort {
			return a.FromPort < b.FromPort
		}
		if a.ToPort != b.ToPort {
			return a.ToPort < b.ToPort
		}
		if a.Protocol != b.Protocol {
			return a.Protocol < b.Protocol
		}
		return a.Source < b.Source
	})
}

// RulePurpose gives the purpose of a rule read back from a cloud, which
// stores no such text.
func RulePurpose(r Rule) string {
	if r.Tier == TierBastion && r.Protocol == "tcp" && r.FromPort == PortSSH && r.ToPort == PortSSH &&
		!strings.HasPrefix(r.Source, "tier:") {
		return "SSH from administrators"
	}
	for _, d := range DesiredRules(NetworkSpec{}) {
		if d.Key() == r.Key() {
			return d.Purpose
		}
	}
	return "opened outside this configuration"
}
