package outscale

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// Objects are stored one collection per kind, as documents that carry the
// owning account next to the object's OAPI fields:
//
//	outscale.nets/vpc-1a2b3c4d  {"account_id":"000000000001","NetId":"vpc-1a2b3c4d",…}
//
// Ids are unique across accounts, as in OUTSCALE, and an object of another
// account answers exactly like an object that does not exist.
const (
	collNets             = "outscale.nets"
	collSubnets          = "outscale.subnets"
	collSecurityGroups   = "outscale.security_groups"
	collInternetServices = "outscale.internet_services"
	collPublicIPs        = "outscale.public_ips"
	collNatServices      = "outscale.nat_services"
	collRouteTables      = "outscale.route_tables"
	collNetAccessPoints  = "outscale.net_access_points"
)

// kind is what the emulator knows of one kind of taggable object.
type kind struct {
	prefix       string // id prefix, such as "vpc-"
	collection   string
	resourceType string // ReadTags' ResourceType
	idParam      string // the parameter naming it, for not-found errors
}

// kinds are the objects CreateTags accepts. ResourceType values follow the
// list in ReadTags' documentation; that list has no internet service, so
// "internet-gateway" (the EC2 name) stands in for it, unverified.
var kinds = []kind{
	{"vpc-", collNets, "vpc", "NetId"},
	{"subnet-", collSubnets, "subnet", "SubnetId"},
	{"sg-", collSecurityGroups, "security-group", "SecurityGroupId"},
	{"igw-", collInternetServices, "internet-gateway", "InternetServiceId"},
	{"eipalloc-", collPublicIPs, "public-ip", "PublicIpId"},
	{"nat-", collNatServices, "natgateway", "NatServiceId"},
	{"rtb-", collRouteTables, "route-table", "RouteTableId"},
	{"vpce-", collNetAccessPoints, "vpc-endpoint", "NetAccessPointId"},
}

func kindOf(id string) (kind, bool) {
	for _, k := range kinds {
		if strings.HasPrefix(id, k.prefix) {
			return k, true
		}
	}
	return kind{}, false
}

// owner is embedded in every stored object.
type owner struct {
	AccountID string `json:"account_id"`
}

func (o owner) ownerID() string { return o.AccountID }

type owned interface{ ownerID() string }

// load reads the object id of collection if account owns it.
func load[T owned](tx store.Tx, collection, id, account string) (T, bool, error) {
	var zero T
	if id == "" {
		return zero, false, nil
	}
	v, ok, err := store.Get[T](tx, collection, id)
	if err != nil || !ok || v.ownerID() != account {
		return zero, false, err
	}
	return v, true, nil
}

// mustLoad is load answering OAPI's not-found error, naming the parameter
// the caller used.
func mustLoad[T owned](tx store.Tx, collection, param, id, account string) (T, error) {
	v, ok, err := load[T](tx, collection, id, account)
	if err != nil {
		return v, err
	}
	if !ok {
		return v, errNotFound(param, id)
	}
	return v, nil
}

// listOwned returns account's objects of collection, in id order.
func listOwned[T owned](tx store.Tx, collection, account string) ([]T, error) {
	all, err := store.List[T](tx, collection)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, v := range all {
		if v.ownerID() == account {
			out = append(out, v)
		}
	}
	return out, nil
}

// newID returns prefix followed by 8 hexadecimal characters, unused in
// collection. OUTSCALE's ids have this shape (vpc-12345678).
func newID(tx store.Tx, prefix, collection string) string {
	for {
		var b [4]byte
		_, _ = rand.Read(b[:])
		id := prefix + hex.EncodeToString(b[:])
		if _, taken := tx.Get(collection, id); !taken {
			return id
		}
	}
}

// newLinkID returns an id for a link that lives inside another object
// (rtbassoc-, eipassoc-): 8 random hexadecimal characters make a collision
// within one emulator vanishingly unlikely.
func newLinkID(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// resourceTag is OAPI's ResourceTag.
type resourceTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// nonNil returns s, or an empty slice: OAPI lists empty collections as [],
// never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Filters. In OAPI an absent or empty filter matches everything; the
// values of one filter are alternatives; different filters must all match.

func matches(filter []string, value string) bool {
	return len(filter) == 0 || slices.Contains(filter, value)
}

func matchesAny(filter, values []string) bool {
	if len(filter) == 0 {
		return true
	}
	for _, v := range values {
		if slices.Contains(filter, v) {
			return true
		}
	}
	return false
}

func matchesInt(filter []int, value int) bool {
	return len(filter) == 0 || slices.Contains(filter, value)
}

// tagFilters are the TagKeys, TagValues and Tags ("key=value") filters
// every Read* call of a taggable object takes.
type tagFilters struct {
	TagKeys   []string `json:"TagKeys"`
	TagValues []string `json:"TagValues"`
	Tags      []string `json:"Tags"`
}

func (f tagFilters) match(tags []resourceTag) bool {
	keys := make([]string, len(tags))
	values := make([]string, len(tags))
	pairs := make([]string, len(tags))
	for i, t := range tags {
		keys[i], values[i], pairs[i] = t.Key, t.Value, t.Key+"="+t.Value
	}
	return matchesAny(f.TagKeys, keys) && matchesAny(f.TagValues, values) && matchesAny(f.Tags, pairs)
}

// page is the pagination every Read* call takes.
type page struct {
	NextPageToken  string `json:"NextPageToken"`
	ResultsPerPage *int   `json:"ResultsPerPage"`
}

// paginate cuts items to the page req asks for. Without ResultsPerPage the
// emulator answers everything in one page (the real default page size is
// unverified). The token is opaque base64, as OAPI's is.
func paginate[T any](req page, items []T) (out []T, next string, err error) {
	start := 0
	if req.NextPageToken != "" {
		raw, decodeErr := base64.StdEncoding.DecodeString(req.NextPageToken)
		offset, atoiErr := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
		if decodeErr != nil || atoiErr != nil || !strings.HasPrefix(string(raw), "offset:") || offset < 0 {
			return nil, "", errInvalidValue("NextPageToken", req.NextPageToken, "The token does not come from a previous answer.")
		}
		start = min(offset, len(items))
	}
	size := len(items)
	if req.ResultsPerPage != nil {
		if *req.ResultsPerPage < 1 || *req.ResultsPerPage > 1000 {
			return nil, "", errInvalidValue("ResultsPerPage", strconv.Itoa(*req.ResultsPerPage), "It must be between 1 and 1000.")
		}
		size = *req.ResultsPerPage
	}
	end := min(start+size, len(items))
	if end < len(items) {
		next = base64.StdEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
	}
	return nonNil(items[start:end]), next, nil
}

// parseIPRange checks an IPv4 CIDR block as OAPI writes them: a network
// address and a prefix length, no host bits.
func parseIPRange(param, value string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(value)
	switch {
	case err != nil || !p.Addr().Is4():
		return netip.Prefix{}, errInvalidValue(param, value, "It must be an IPv4 CIDR block, such as 10.0.0.0/16.")
	case p.Masked() != p:
		return netip.Prefix{}, errInvalidValue(param, value, fmt.Sprintf("The block starts at %s.", p.Masked()))
	}
	return p, nil
}

// prefixOf parses a block the emulator stored itself. A document edited
// into garbage through the control API gives the zero Prefix, which
// contains and overlaps nothing.
func prefixOf(s string) netip.Prefix {
	p, _ := netip.ParsePrefix(s)
	return p
}

// required reports a missing required string parameter.
func required(name string, value *string) error {
	if value == nil || *value == "" {
		return errMissingParameter(name)
	}
	return nil
}

// mutate runs fn in one write transaction. A DryRun request goes through
// every check and then has its writes thrown away; it answers with the
// response context only. (What the real API answers to a successful dry
// run is unverified.)
func (c *call) mutate(dryRun bool, fn func(tx store.Tx) (any, error)) (any, error) {
	var out any
	err := c.handler.opts.Store.Update(func(tx store.Tx) error {
		var err error
		out, err = fn(tx)
		if err == nil && dryRun {
			return errDryRun
		}
		return err
	})
	if errors.Is(err, errDryRun) {
		return struct{}{}, nil
	}
	return out, err
}

var errDryRun = errors.New("dry run")

// view runs fn in a read-only transaction.
func (c *call) view(fn func(tx store.Tx) (any, error)) (any, error) {
	var out any
	err := c.handler.opts.Store.View(func(tx store.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

// rawDoc is a stored object decoded only as far as generic code needs: its
// owner and its tags.
type rawDoc map[string]json.RawMessage

func (d rawDoc) owner() string {
	var account string
	_ = json.Unmarshal(d["account_id"], &account)
	return account
}

func (d rawDoc) tags() []resourceTag {
	var tags []resourceTag
	_ = json.Unmarshal(d["Tags"], &tags)
	return tags
}
