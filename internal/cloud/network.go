package cloud

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
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
	PortAPI     = 443  // the cloud's API over HTTPS, bastion → ServiceAPI
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
	// rules (OUTSCALE's security groups; OpenStack Neutron's on OVHcloud).
	// The rules are also published for the machines' own firewalls, as
	// defence in depth.
	EnforcedBySecurityGroups = "security-groups"
	// EnforcedByHostFirewall: only the machines' own firewalls apply the
	// rules. No cloud reports it any more; OVHcloud networks recorded it
	// before their Neutron security groups were managed.
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
	Name       string
	CIDR       string            // RFC 1918, /16 to /24
	Subnets    map[string]string // tier → CIDR, every tier present (see DefaultSubnets)
	AdminCIDRs []string          // who may reach the bastion on SSH
	NATEgress  bool              // a route out through NAT, for the destinations EgressAllow lists
	// CloudAPI opens HTTPS from APITiers to the cloud's API through a
	// private path (ServiceAPI): set on OUTSCALE only, whose Net access
	// points offer the API as a service. OVHcloud has no such service.
	CloudAPI bool
	// EgressAllow are the destinations outside the warehouse its tiers may
	// reach; every other outbound flow but the warehouse's own is denied.
	EgressAllow []EgressRule
	Tags        map[string]string
	ClientToken string // idempotency token, stable across retries of one create
}

// EgressRule is one destination outside the warehouse that some tiers may
// reach: an entry of the network's egress_allow.
type EgressRule struct {
	Name     string   // names the entry in the rules' purposes
	CIDR     string   // the destination block
	Protocol string   // "tcp" (the default when empty), "udp", "icmp" or "-1"
	FromPort int      // tcp and udp only
	ToPort   int      // tcp and udp only; 0 means FromPort
	Tiers    []string // the tiers it applies to
	Hosts    []string // the host names served at CIDR, for the first-boot mirror checks
}

// Network is a warehouse network as the cloud holds it.
type Network struct {
	ID        string // OUTSCALE Net id (vpc-…), OVHcloud private network id (pn-…)
	Name      string
	CIDR      string
	Region    string
	Subnets   map[string]Subnet // by tier; a tier deleted out of band is absent
	Rules     []Rule            // every rule in force, inbound and outbound, sorted (see SortRules)
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
	// (object storage) and "net_access_point.api" (the API) on OUTSCALE; "network", "network.openstack", "subnet.<tier>",
	// "gateway", "gateway_interface.<tier>", "security_group.<tier>" and
	// "openstack_user" on OVHcloud.
	CloudIDs map[string]string
}

// Subnet is one tier's subnet.
type Subnet struct {
	ID              string
	CIDR            string
	SecurityGroupID string // "" when the tier's group is missing
	RouteTableID    string // "" where the cloud has no route tables
}

// Directions of a rule.
const (
	Inbound  = "inbound"  // traffic the tier admits
	Outbound = "outbound" // traffic the tier may send
)

// Rule is one rule of a tier: traffic it admits (inbound) or may send
// (outbound). Anything no rule allows is denied, both ways.
type Rule struct {
	Tier string // the tier the rule belongs to
	// Direction is Inbound or Outbound. Rules recorded before outbound
	// rules existed have none: they are inbound (see IsOutbound).
	Direction string
	Protocol  string // "tcp", "udp", "icmp" or "-1"
	FromPort  int
	ToPort    int
	// Source, on an inbound rule: who is admitted, a CIDR or "tier:<name>"
	// for the machines of another tier.
	Source string
	// Destination, on an outbound rule: where traffic may go, a CIDR,
	// "tier:<name>", ServiceObjectStorage or ServiceAPI.
	Destination string
	// Hosts are the host names an egress_allow entry says are served at
	// Destination; the cloud knows nothing of them.
	Hosts   []string
	Purpose string // why it is open, in words
}

// IsOutbound says whether r is an outbound rule.
func (r Rule) IsOutbound() bool { return r.Direction == Outbound }

// Peer is the other end of the rule: its source or its destination.
func (r Rule) Peer() string {
	if r.IsOutbound() {
		return r.Destination
	}
	return r.Source
}

// direction is r's direction, Inbound when it has none.
func (r Rule) direction() string {
	if r.IsOutbound() {
		return Outbound
	}
	return Inbound
}

// Key identifies a rule regardless of its purpose text and hosts.
func (r Rule) Key() string {
	return fmt.Sprintf("%s|%s|%s|%d|%d|%s", r.Tier, r.direction(), r.Protocol, r.FromPort, r.ToPort, r.Peer())
}

// TierSource is the Source (or Destination) of a rule that names another tier.
func TierSource(tier string) string { return "tier:" + tier }

// ServiceObjectStorage is the Destination of the outbound rules to the
// cloud's object storage: on OUTSCALE the OOS service of the Net access
// point (a security group rule names it by its service id), on OVHcloud the
// regional S3 endpoint, through the gateway.
const ServiceObjectStorage = "service:object-storage"

// ServiceAPI is the Destination of the outbound rules to the cloud's API
// over a private path: on OUTSCALE the API service of a Net access point
// (com.outscale.<region>.api), which a security group rule names by its
// service id. OVHcloud offers no such service: no rule names it there.
const ServiceAPI = "service:cloud-api"

// APITiers are the tiers that reach the cloud's API (spec.CloudAPI): the
// bastion, which pulls the account's API logs (ReadApiLogs) into the audit
// bucket.
var APITiers = []string{TierBastion}

// CloudIDs keys of OUTSCALE's Net access points, and what each reaches:
// a network that lacks one was changed outside Terraform.
const (
	CloudIDStorageAccessPoint = "net_access_point"
	CloudIDAPIAccessPoint     = "net_access_point.api"
)

// StorageTiers are the tiers that reach object storage on their own: the
// bastion ships its audit trail there, compute reads and writes research
// data, and data is the warehouse's storage path. The kms tier keeps its
// keys in its own Raft storage and does not.
var StorageTiers = []string{TierBastion, TierCompute, TierData}

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

// DesiredRules is the rule set a spec opens, sorted. Inbound traffic is
// denied unless a rule admits it:
//   - bastion: SSH from each admin CIDR;
//   - compute, data, kms: SSH from the bastion;
//   - data: HTTPS (the storage path) from compute;
//   - kms: the key manager's API from compute, and from data (the data
//     gateway makes and unwraps its data key there).
//
// Outbound traffic is denied unless a rule lets it out:
//   - every flow between tiers above, from the tier it starts in (SSH from
//     the bastion to the other tiers, HTTPS from compute to data, the key
//     manager's API from compute and data to kms);
//   - HTTPS to object storage from StorageTiers;
//   - HTTPS to the cloud's API from APITiers, when spec.CloudAPI;
//   - each entry of spec.EgressAllow, from each of its tiers.
func DesiredRules(spec NetworkSpec) []Rule {
	var rules []Rule
	in := func(tier string, port int, source, purpose string) {
		rules = append(rules, Rule{Tier: tier, Direction: Inbound, Protocol: "tcp", FromPort: port, ToPort: port,
			Source: source, Purpose: purpose})
	}
	out := func(tier string, port int, destination, purpose string) {
		rules = append(rules, Rule{Tier: tier, Direction: Outbound, Protocol: "tcp", FromPort: port, ToPort: port,
			Destination: destination, Purpose: purpose})
	}
	for _, cidr := range spec.AdminCIDRs {
		in(TierBastion, PortSSH, cidr, "SSH from administrators")
	}
	for _, tier := range []string{TierCompute, TierData, TierKMS} {
		in(tier, PortSSH, TierSource(TierBastion), "SSH from the bastion")
		out(TierBastion, PortSSH, TierSource(tier), "SSH to the "+tier+" tier")
	}
	in(TierData, PortStorage, TierSource(TierCompute), "object storage (HTTPS) from compute")
	out(TierCompute, PortStorage, TierSource(TierData), "object storage (HTTPS) to the data tier")
	in(TierKMS, PortKMS, TierSource(TierCompute), "key manager API from compute")
	out(TierCompute, PortKMS, TierSource(TierKMS), "key manager API to the kms tier")
	in(TierKMS, PortKMS, TierSource(TierData), "key manager API from data (the data gateway's data keys)")
	out(TierData, PortKMS, TierSource(TierKMS), "key manager API to the kms tier (the data gateway's data keys)")
	for _, tier := range StorageTiers {
		out(tier, PortStorage, ServiceObjectStorage, "object storage (HTTPS)")
	}
	if spec.CloudAPI {
		for _, tier := range APITiers {
			out(tier, PortAPI, ServiceAPI, "the cloud's API (HTTPS), to pull the account's API logs")
		}
	}
	for _, e := range spec.EgressAllow {
		for _, tier := range Tiers {
			if !slices.Contains(e.Tiers, tier) {
				continue
			}
			r := e.Rule(tier)
			rules = append(rules, r)
		}
	}
	SortRules(rules)
	return rules
}

// Rule is the outbound rule e opens from tier.
func (e EgressRule) Rule(tier string) Rule {
	r := Rule{Tier: tier, Direction: Outbound, Protocol: e.Protocol, FromPort: e.FromPort, ToPort: e.ToPort,
		Destination: e.CIDR, Hosts: slices.Clone(e.Hosts), Purpose: EgressPurpose(e.Name)}
	if r.Protocol == "" {
		r.Protocol = "tcp"
	}
	switch r.Protocol {
	case "tcp", "udp":
		if r.ToPort == 0 {
			r.ToPort = r.FromPort
		}
	default: // every port, every ICMP type
		r.FromPort, r.ToPort = -1, -1
	}
	return r
}

// EgressPurpose is the purpose of the rules of the egress_allow entry name.
func EgressPurpose(name string) string { return fmt.Sprintf("egress_allow %q", name) }

// AnnotateRules gives rules read back from a cloud, which keeps no such
// text, the purpose and hosts of the desired rule of the same key. A rule
// nobody asked for keeps the purpose it has.
func AnnotateRules(rules, desired []Rule) []Rule {
	byKey := make(map[string]Rule, len(desired))
	for _, d := range desired {
		byKey[d.Key()] = d
	}
	out := make([]Rule, len(rules))
	for i, r := range rules {
		if d, ok := byKey[r.Key()]; ok {
			r.Purpose, r.Hosts = d.Purpose, slices.Clone(d.Hosts)
		}
		out[i] = r
	}
	return out
}

// SortRules orders rules by tier (in the order of Tiers), inbound before
// outbound, then port, protocol, and source or destination.
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
		if a.IsOutbound() != b.IsOutbound() {
			return !a.IsOutbound()
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
		return a.Peer() < b.Peer()
	})
}

// RulePurpose gives the purpose of a rule read back from a cloud, which
// stores no such text.
func RulePurpose(r Rule) string {
	if !r.IsOutbound() && r.Tier == TierBastion && r.Protocol == "tcp" && r.FromPort == PortSSH && r.ToPort == PortSSH &&
		!strings.HasPrefix(r.Source, "tier:") {
		return "SSH from administrators"
	}
	for _, d := range DesiredRules(NetworkSpec{CloudAPI: true}) {
		if d.Key() == r.Key() {
			return d.Purpose
		}
	}
	return "opened outside this configuration"
}

// EgressProblem is one reason an egress_allow entry is refused.
type EgressProblem struct {
	Index int    // the entry at fault
	Field string // its attribute, "" for the entry as a whole
	Msg   string
}

// hostPattern accepts a DNS host name (letters, digits, - and . labels).
var hostPattern = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

// CheckEgressRules checks egress_allow entries beyond what each attribute's
// own validator sees: names unique, ports given for tcp and udp and in
// order, host names well formed, and no two entries opening the same rule.
// It returns the problems in the order of the entries.
func CheckEgressRules(entries []EgressRule) []EgressProblem {
	var problems []EgressProblem
	names := map[string]int{}
	rules := map[string]int{}
	for i, e := range entries {
		add := func(field, format string, args ...any) {
			problems = append(problems, EgressProblem{Index: i, Field: field, Msg: fmt.Sprintf(format, args...)})
		}
		if j, ok := names[e.Name]; ok {
			add("name", "%q already names entry %d: names must be unique", e.Name, j)
		}
		names[e.Name] = i
		switch e.Protocol {
		case "", "tcp", "udp":
			switch {
			case e.FromPort < 1 || e.FromPort > 65535:
				add("from_port", "a %s entry needs from_port, 1 to 65535", or(e.Protocol, "tcp"))
			case e.ToPort != 0 && (e.ToPort < e.FromPort || e.ToPort > 65535):
				add("to_port", "to_port (%d) must be between from_port (%d) and 65535", e.ToPort, e.FromPort)
			}
		}
		for _, h := range e.Hosts {
			if !hostPattern.MatchString(h) || len(h) > 253 {
				add("hosts", "%q is not a host name such as deb.debian.org", h)
			}
		}
		for _, tier := range Tiers {
			if !slices.Contains(e.Tiers, tier) {
				continue
			}
			key := e.Rule(tier).Key()
			if j, ok := rules[key]; ok && j != i {
				add("", "it opens the same rule as entry %d (%s, %s to %s): merge them", j, tier, or(e.Protocol, "tcp"), e.CIDR)
				break
			}
			rules[key] = i
		}
	}
	return problems
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// IsAnywhere says whether a rule's peer is a block as wide as the Internet:
// any /0.
func IsAnywhere(peer string) bool {
	p, err := netip.ParsePrefix(peer)
	return err == nil && p.Bits() == 0
}

// Reaches says whether the outbound rules let tier open a TCP connection to
// host on port: a rule on tcp (or every protocol) whose ports hold port and
// whose destination is a block holding host (an IP address), a block as
// wide as the Internet, or a block whose Hosts name host. It names the rule
// that does.
func Reaches(rules []Rule, tier, host string, port int) (Rule, bool) {
	addr, addrErr := netip.ParseAddr(host)
	for _, r := range rules {
		if !r.IsOutbound() || r.Tier != tier {
			continue
		}
		if r.Protocol != "-1" && (r.Protocol != "tcp" || port < r.FromPort || port > r.ToPort) {
			continue
		}
		p, err := netip.ParsePrefix(r.Destination)
		if err != nil {
			continue
		}
		if p.Bits() == 0 || (addrErr == nil && p.Contains(addr)) ||
			slices.ContainsFunc(r.Hosts, func(h string) bool { return strings.EqualFold(h, host) }) {
			return r, true
		}
	}
	return Rule{}, false
}

// ReachesService says whether the outbound rules let tier open a TCP
// connection on port to service (ServiceObjectStorage, ServiceAPI): a rule
// naming the service, or a block as wide as the Internet, on tcp (or every
// protocol) with port in its range. It names the rule that does.
func ReachesService(rules []Rule, tier, service string, port int) (Rule, bool) {
	for _, r := range rules {
		if !r.IsOutbound() || r.Tier != tier {
			continue
		}
		if r.Protocol != "-1" && (r.Protocol != "tcp" || port < r.FromPort || port > r.ToPort) {
			continue
		}
		if r.Destination == service || IsAnywhere(r.Destination) {
			return r, true
		}
	}
	return Rule{}, false
}
