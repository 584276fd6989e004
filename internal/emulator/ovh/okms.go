package ovh

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/store"
)

// OVHcloud KMS (OKMS): the API v2 routes of the KMS and of its service keys
// (the control plane, on the API's host; the data plane, which encrypts and
// signs behind mutual TLS on <region>.okms.ovh.net, is not emulated).
//
// The KMS itself is ordered through the order funnel, not made by the API:
// the emulator's accounts are seeded with theirs (Account.OKMS). Service keys
// are stored in the collection "ovh.okms_service_keys", keyed by their id,
// with the KMS they belong to. Shapes follow the models the OVHcloud Control
// Panel and ovh/terraform-provider-ovh use; error wordings no real answer
// could be found for are marked "unverified".
//
// A service key is ACTIVE from its creation. PUT moves it between ACTIVE and
// DEACTIVATED (with a reason), or to COMPROMISED, which is final. DELETE
// takes a key that is not ACTIVE (OVHcloud's guide: "Deleting an encryption
// key is only possible on a key that has been previously disabled"), and
// the key is gone. A key is made (type, size or curve, operations) or
// imported from one JSON Web Key (keys), as ovh_okms_service_key and
// ovh_okms_service_key_jwk do. No secret material is kept: RSA and EC keys
// keep their public half, which ?format=JWK and ?format=PEM show; symmetric
// keys show none.
//
// GET of the KMS answers its public CAs (publicCA, for the REST endpoint,
// and publicRsaCA) only when asked with ?publicCA=true, as the OVHcloud
// Control Panel and ovh/terraform-provider-ovh ask for them. Each KMS's CAs
// are self-signed certificates derived from its id and region alone, the
// same at every read and never stored (the data plane they would sign for
// is not emulated).

// OKMS is a KMS an account owns.
type OKMS struct {
	ID     string `json:"id"`
	Region string `json:"region"` // such as eu-west-par
	Name   string `json:"name"`   // the display name; default the id
}

const collServiceKeys = "ovh.okms_service_keys"

// Page sizes of the v2 lists (X-Pagination-Size). The real defaults are
// unverified.
const (
	defaultPageSize = 50
	maxPageSize     = 100
)

// Service key states and the values the API takes.
var (
	keyTypes     = []string{"oct", "RSA", "EC"}
	keySizes     = map[string][]int{"oct": {128, 192, 256}, "RSA": {2048, 3072, 4096}}
	keyCurves    = []string{"P-256", "P-384", "P-521"}
	keyOps       = []string{"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"}
	keyTypeOps   = map[string][]string{"oct": {"encrypt", "decrypt", "wrapKey", "unwrapKey"}, "RSA": keyOps, "EC": {"sign", "verify"}}
	deactivation = []string{"AFFILIATION_CHANGED", "CA_COMPROMISE", "CESSATION_OF_OPERATION", "KEY_COMPROMISE",
		"PRIVILEGE_WITHDRAWN", "SUPERSEDED", "UNSPECIFIED"}
)

const (
	stateActive      = "ACTIVE"
	stateDeactivated = "DEACTIVATED"
	stateCompromised = "COMPROMISED"
)

// iamObject is the IAM block of every v2 resource.
type iamObject struct {
	ID          string `json:"id"`
	URN         string `json:"urn"`
	DisplayName string `json:"displayName"`
	// Tags a service key carries: ovh:type and ovh:state, which
	// ovh/terraform-provider-ovh's acceptance tests compare with the key's
	// type and state (the only OVHcloud-computed tags seen there).
	Tags map[string]string `json:"tags,omitempty"`
}

// apiServiceKey is okms.ServiceKey.
type apiServiceKey struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Type               string    `json:"type"`
	Size               *int      `json:"size,omitempty"`
	Curve              *string   `json:"curve,omitempty"`
	Operations         []string  `json:"operations"`
	Context            string    `json:"context,omitempty"`
	State              string    `json:"state"`
	DeactivationReason *string   `json:"deactivationReason,omitempty"`
	CreatedAt          string    `json:"createdAt"`
	IAM                iamObject `json:"iam"`
}

type serviceKeyRecord struct {
	OKMS string `json:"okms"` // the KMS it belongs to; the API never shows it
	apiServiceKey
	// Public is the public half of an RSA or EC key, as JWK members (n and
	// e, or crv, x and y), for the JWK and PEM formats.
	Public map[string]string `json:"public,omitempty"`
	// Material is a symmetric key's secret, for the data plane (see
	// okms_data.go); the API never shows it, and it goes with the key.
	Material []byte `json:"material,omitempty"`
}

// api is the key as the API shows it, its IAM tags following its type and
// state.
func (k serviceKeyRecord) api() apiServiceKey {
	out := k.apiServiceKey
	out.Operations = slices.Clone(k.Operations)
	out.IAM.Tags = map[string]string{"ovh:type": k.Type, "ovh:state": k.State}
	return out
}

func okmsRoutes() map[string]route {
	return map[string]route{
		"GET /v2/okms/resource":                      {serve: listOKMS},
		"GET /v2/okms/resource/{okmsId}":             {serve: getOKMS},
		"GET /v2/okms/resource/{okmsId}/serviceKey":  {serve: listServiceKeys},
		"POST /v2/okms/resource/{okmsId}/serviceKey": {serve: createServiceKey},
		// ovh_okms_service_key_jwk posts its import to the collection with a
		// trailing slash, and the real API takes it.
		"POST /v2/okms/resource/{okmsId}/serviceKey/{$}":       {serve: createServiceKey},
		"GET /v2/okms/resource/{okmsId}/serviceKey/{keyId}":    {serve: getServiceKey},
		"PUT /v2/okms/resource/{okmsId}/serviceKey/{keyId}":    {serve: updateServiceKey},
		"DELETE /v2/okms/resource/{okmsId}/serviceKey/{keyId}": {serve: deleteServiceKey},
	}
}

// okms returns the caller's KMS named in the path, or the API's 404.
func (c *call) okms() (OKMS, error) {
	id := c.r.PathValue("okmsId")
	for _, o := range c.account.OKMS {
		if o.ID == id {
			return o, nil
		}
	}
	// Unverified wording.
	return OKMS{}, errNotFound("The requested object (okmsId = %s) does not exist", id)
}

func okmsView(o OKMS, keys int) map[string]any {
	name := o.Name
	if name == "" {
		name = o.ID
	}
	host := o.Region + ".okms.ovh.net"
	return map[string]any{
		"id":                 o.ID,
		"region":             o.Region,
		"restEndpoint":       "https://" + host,
		"kmipEndpoint":       host + ":5696",
		"kmipRsaEndpoint":    host + ":5697",
		"swaggerEndpoint":    "https://swagger-" + host,
		"serviceKeyCount":    keys,
		"kmipObjectCount":    0,
		"secretCount":        0,
		"secretVersionCount": 0,
		"iam": map[string]any{
			"id":          o.ID,
			"urn":         "urn:v1:eu:resource:okms:" + o.ID,
			"displayName": name,
			"state":       "OK",
		},
	}
}

func listOKMS(c *call) (any, error) {
	out := []map[string]any{}
	err := c.handler.opts.Store.View(func(tx store.Tx) error {
		for _, o := range c.account.OKMS {
			keys, err := keysOf(tx, o.ID)
			if err != nil {
				return err
			}
			out = append(out, okmsView(o, len(keys)))
		}
		return nil
	})
	return out, err
}

func getOKMS(c *call) (any, error) {
	o, err := c.okms()
	if err != nil {
		return nil, err
	}
	withCA := false
	if v, asked := c.r.URL.Query()["publicCA"]; asked {
		b, err := strconv.ParseBool(v[0])
		if err != nil {
			return nil, errBadRequest("[publicCA] Given data (%s) is not a boolean", v[0]) // unverified wording
		}
		withCA = b
	}
	var out map[string]any
	err = c.handler.opts.Store.View(func(tx store.Tx) error {
		keys, err := keysOf(tx, o.ID)
		out = okmsView(o, len(keys))
		return err
	})
	if err != nil || !withCA {
		return out, err
	}
	ca, err := okmsCA(o)
	out["publicCA"], out["publicRsaCA"] = ca.PublicCA, ca.PublicRsaCA
	return out, err
}

// okmsCAs are a KMS's public CA certificates, in PEM: the answer's
// publicCA and publicRsaCA (the names the OVHcloud Control Panel reads;
// ovh/terraform-provider-ovh's publicCa matches them, Go's decoding being
// case-insensitive).
type okmsCAs struct {
	PublicCA    string
	PublicRsaCA string
}

// okmsCAsMade caches okmsCA's certificates by KMS id and region: they are
// a pure function of both, and finding the RSA CA's primes takes a while.
var okmsCAsMade sync.Map

// okmsCA returns the KMS's CAs: an Ed25519 CA for the REST endpoint and an
// RSA one, whose keys and signatures derive from the KMS's id and region,
// so that every read answers the same certificates and nothing is stored
// (CheckDestroy-style tests count what the emulator stores). The real CAs'
// algorithms and subjects are unverified.
func okmsCA(o OKMS) (okmsCAs, error) {
	cacheKey := o.ID + "|" + o.Region
	if v, ok := okmsCAsMade.Load(cacheKey); ok {
		return v.(okmsCAs), nil //nolint:forcetypeassert // only okmsCAs are stored
	}
	seed := sha256.Sum256([]byte("emulated OKMS CA|" + cacheKey))
	var ca okmsCAs
	var err error
	if ca.PublicCA, err = selfSignedCA(o, "OKMS CA", ed25519.NewKeyFromSeed(seed[:]), 1); err != nil {
		return ca, err
	}
	rsaKey, err := derivedRSAKey(&seedStream{seed: seed}, 2048)
	if err != nil {
		return ca, err
	}
	if ca.PublicRsaCA, err = selfSignedCA(o, "OKMS RSA CA", rsaKey, 2); err != nil {
		return ca, err
	}
	okmsCAsMade.Store(cacheKey, ca)
	return ca, nil
}

// selfSignedCA is a CA certificate for the KMS's region, in PEM. Ed25519
// and RSA PKCS #1 v1.5 signatures are deterministic, and so is the rest.
func selfSignedCA(o OKMS, name string, key crypto.Signer, serial int64) (string, error) {
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{Organization: []string{"OVHcloud (emulated)"}, CommonName: name + " " + o.Region},
		NotBefore:             time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2044, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
}

// seedStream is SHA-256 in counter mode over a seed: the deterministic
// bytes derivedRSAKey draws its primes from.
type seedStream struct {
	seed    [32]byte
	counter uint64
	buf     []byte
}

func (s *seedStream) Read(p []byte) (int, error) {
	for n := 0; n < len(p); {
		if len(s.buf) == 0 {
			var block [40]byte
			copy(block[:], s.seed[:])
			binary.BigEndian.PutUint64(block[32:], s.counter)
			s.counter++
			sum := sha256.Sum256(block[:])
			s.buf = sum[:]
		}
		c := copy(p[n:], s.buf)
		s.buf = s.buf[c:]
		n += c
	}
	return len(p), nil
}

// derivedRSAKey makes an RSA key from r's bytes: rsa.GenerateKey takes no
// randomness of the caller's any more, so its keys cannot be made again.
func derivedRSAKey(r io.Reader, bits int) (*rsa.PrivateKey, error) {
	prime := func() (*big.Int, error) {
		b := make([]byte, bits/16)
		for {
			if _, err := io.ReadFull(r, b); err != nil {
				return nil, err
			}
			b[0] |= 0xc0 // the two top bits: the product has all its bits
			b[len(b)-1] |= 1
			if p := new(big.Int).SetBytes(b); p.ProbablyPrime(20) {
				return p, nil
			}
		}
	}
	one := big.NewInt(1)
	for {
		p, err := prime()
		if err != nil {
			return nil, err
		}
		q, err := prime()
		if err != nil {
			return nil, err
		}
		pm, qm := new(big.Int).Sub(p, one), new(big.Int).Sub(q, one)
		lambda := new(big.Int).Div(new(big.Int).Mul(pm, qm), new(big.Int).GCD(nil, nil, pm, qm))
		d := new(big.Int).ModInverse(big.NewInt(65537), lambda)
		if p.Cmp(q) == 0 || d == nil {
			continue
		}
		k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537}, D: d, Primes: []*big.Int{p, q}}
		if k.Validate() != nil {
			continue
		}
		k.Precompute()
		return k, nil
	}
}

// keysOf lists a KMS's service keys, oldest first.
func keysOf(tx store.Tx, okmsID string) ([]serviceKeyRecord, error) {
	all, err := store.List[serviceKeyRecord](tx, collServiceKeys)
	if err != nil {
		return nil, err
	}
	var out []serviceKeyRecord
	for _, k := range all {
		if k.OKMS == okmsID {
			out = append(out, k)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].CreatedAt != out[j].CreatedAt {
			return out[i].CreatedAt < out[j].CreatedAt
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// listServiceKeys pages with X-Pagination-Size and X-Pagination-Cursor; the
// answer carries X-Pagination-Cursor-Next while keys remain.
func listServiceKeys(c *call) (any, error) {
	o, err := c.okms()
	if err != nil {
		return nil, err
	}
	size := defaultPageSize
	if v := c.r.Header.Get("X-Pagination-Size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return nil, errBadRequest("Invalid X-Pagination-Size %q: must be between 1 and %d", v, maxPageSize) // unverified wording
		}
		size = n
	}
	after := ""
	if v := c.r.Header.Get("X-Pagination-Cursor"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			return nil, errBadRequest("Invalid X-Pagination-Cursor") // unverified wording
		}
		after = string(raw)
	}
	var page []apiServiceKey
	err = c.handler.opts.Store.View(func(tx store.Tx) error {
		keys, err := keysOf(tx, o.ID)
		if err != nil {
			return err
		}
		start := 0
		if after != "" {
			start = len(keys)
			for i, k := range keys {
				if k.CreatedAt+"|"+k.ID > after {
					start = i
					break
				}
			}
		}
		end := min(start+size, len(keys))
		page = []apiServiceKey{}
		for _, k := range keys[start:end] {
			page = append(page, k.api())
		}
		if end < len(keys) {
			last := keys[end-1]
			c.respHeader().Set("X-Pagination-Cursor-Next", base64.RawURLEncoding.EncodeToString([]byte(last.CreatedAt+"|"+last.ID)))
		}
		return nil
	})
	return page, err
}

// respHeader lets a route set answer headers: wrap writes them with the body.
func (c *call) respHeader() http.Header {
	if c.header == nil {
		c.header = http.Header{}
	}
	return c.header
}

// serviceKeyCreation is okms.ServiceKeyCreation: a key made by OKMS (type,
// size or curve, operations), or imported from one JSON Web Key (keys).
type serviceKeyCreation struct {
	Name       *string   `json:"name"`
	Context    *string   `json:"context"`
	Type       *string   `json:"type"`
	Size       *int      `json:"size"`
	Curve      *string   `json:"curve"`
	Operations *[]string `json:"operations"`
	Keys       *[]jwk    `json:"keys"`
}

// jwk is a JSON Web Key as an import gives it (RFC 7517 and 7518 members).
type jwk struct {
	Kty    *string   `json:"kty"`
	KeyOps *[]string `json:"key_ops"`
	Kid    *string   `json:"kid"`
	Alg    *string   `json:"alg"`
	Use    *string   `json:"use"`
	K      *string   `json:"k"`
	N      *string   `json:"n"`
	E      *string   `json:"e"`
	D      *string   `json:"d"`
	P      *string   `json:"p"`
	Q      *string   `json:"q"`
	DP     *string   `json:"dp"`
	DQ     *string   `json:"dq"`
	QI     *string   `json:"qi"`
	Crv    *string   `json:"crv"`
	X      *string   `json:"x"`
	Y      *string   `json:"y"`
}

// newKey is what a creation makes: the key's type, size or curve,
// operations and public half.
type newKey struct {
	typ    string
	size   *int
	curve  *string
	ops    []string
	public map[string]string
	// material is a symmetric key's secret (generated, or imported from
	// the JWK's k), which only the data plane uses.
	material []byte
}

func createServiceKey(c *call) (any, error) {
	o, err := c.okms()
	if err != nil {
		return nil, err
	}
	var req serviceKeyCreation
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := mandatory(property{"name", req.Name != nil}); err != nil {
		return nil, err
	}
	if err := checkKeyName(*req.Name); err != nil {
		return nil, err
	}
	if req.Context != nil && len(*req.Context) > 64 {
		return nil, errBadRequest("[context] Length must be at most 64") // unverified wording
	}
	var made newKey
	if req.Keys != nil {
		made, err = importedKey(req)
	} else {
		made, err = generatedKey(req)
	}
	if err != nil {
		return nil, err
	}
	var out apiServiceKey
	err = c.handler.opts.Store.Update(func(tx store.Tx) error {
		id := newUUID()
		k := serviceKeyRecord{OKMS: o.ID, Public: made.public, Material: made.material, apiServiceKey: apiServiceKey{
			ID:         id,
			Name:       *req.Name,
			Type:       made.typ,
			Size:       made.size,
			Curve:      made.curve,
			Operations: made.ops,
			State:      stateActive,
			CreatedAt:  c.handler.opts.Now().UTC().Format(time.RFC3339),
			IAM: iamObject{ID: id, URN: "urn:v1:eu:resource:okms:" + o.ID + "/serviceKey/" + id,
				DisplayName: *req.Name},
		}}
		if req.Context != nil {
			k.Context = *req.Context
		}
		out = k.api()
		return store.Put(tx, collServiceKeys, id, k)
	})
	return out, err
}

// generatedKey checks a creation of a key OKMS makes, and makes the public
// half of an RSA or EC key.
func generatedKey(req serviceKeyCreation) (newKey, error) {
	if err := mandatory(property{"type", req.Type != nil}, property{"operations", req.Operations != nil}); err != nil {
		return newKey{}, err
	}
	typ := *req.Type
	if !slices.Contains(keyTypes, typ) {
		return newKey{}, errBadRequest("[type] Given data (%s) does not belong to the KeyTypeEnum enumeration", typ)
	}
	switch typ {
	case "EC":
		if req.Size != nil {
			return newKey{}, errBadRequest("[size] Must not be given for EC keys") // unverified wording
		}
		if req.Curve == nil {
			return newKey{}, errBadRequest("[curve] Property is mandatory for EC keys") // unverified wording
		}
		if !slices.Contains(keyCurves, *req.Curve) {
			return newKey{}, errBadRequest("[curve] Given data (%s) does not belong to the CurveEnum enumeration", *req.Curve)
		}
	default:
		if req.Curve != nil {
			return newKey{}, errBadRequest("[curve] Must only be given for EC keys") // unverified wording
		}
		if req.Size == nil {
			return newKey{}, errBadRequest("[size] Property is mandatory for %s keys", typ) // unverified wording
		}
		if !slices.Contains(keySizes[typ], *req.Size) {
			return newKey{}, errBadRequest("[size] %d is not a valid size for %s keys", *req.Size, typ) // unverified wording
		}
	}
	if err := checkOperations("operations", typ, *req.Operations); err != nil {
		return newKey{}, err
	}
	made := newKey{typ: typ, size: req.Size, curve: req.Curve, ops: slices.Clone(*req.Operations)}
	var err error
	switch typ {
	case "oct":
		made.material = make([]byte, *req.Size/8)
		_, err = rand.Read(made.material)
	case "RSA":
		var priv *rsa.PrivateKey
		if priv, err = rsa.GenerateKey(rand.Reader, *req.Size); err == nil {
			made.public = rsaPublicJWK(&priv.PublicKey)
		}
	case "EC":
		var priv *ecdsa.PrivateKey
		if priv, err = ecdsa.GenerateKey(ellipticCurve(*req.Curve), rand.Reader); err == nil {
			made.public, err = ecPublicJWK(*req.Curve, &priv.PublicKey)
		}
	}
	return made, err
}

func checkOperations(property, typ string, ops []string) error {
	if len(ops) == 0 {
		return errBadRequest("[%s] At least one operation is required", property) // unverified wording
	}
	for _, op := range ops {
		if !slices.Contains(keyOps, op) {
			return errBadRequest("[%s] Given data (%s) does not belong to the CryptographicUsageEnum enumeration", property, op)
		}
		if !slices.Contains(keyTypeOps[typ], op) {
			return errBadRequest("[%s] %s is not an operation of %s keys", property, op, typ) // unverified wording
		}
	}
	return nil
}

// importedKey checks an import: one JSON Web Key with its private part,
// whose type, size or curve and key_ops become the key's. Only the public
// half of an RSA or EC key is kept. The API's wordings are unverified.
func importedKey(req serviceKeyCreation) (newKey, error) {
	for _, p := range []property{{"type", req.Type != nil}, {"size", req.Size != nil}, {"curve", req.Curve != nil},
		{"operations", req.Operations != nil}} {
		if p.set {
			return newKey{}, errBadRequest("[%s] Must not be given with keys: the imported key says it", p.name)
		}
	}
	if len(*req.Keys) != 1 {
		return newKey{}, errBadRequest("[keys] Exactly one key must be given")
	}
	j := (*req.Keys)[0]
	if j.Kty == nil || !slices.Contains(keyTypes, *j.Kty) {
		return newKey{}, errBadRequest("[keys.kty] Must be one of %s", strings.Join(keyTypes, ", "))
	}
	if j.KeyOps == nil {
		return newKey{}, errBadRequest("[keys.key_ops] Property is mandatory")
	}
	typ := *j.Kty
	if err := checkOperations("keys.key_ops", typ, *j.KeyOps); err != nil {
		return newKey{}, err
	}
	made := newKey{typ: typ, ops: slices.Clone(*j.KeyOps)}
	switch typ {
	case "oct":
		k, err := jwkBytes("k", j.K)
		if err != nil {
			return newKey{}, err
		}
		size := len(k) * 8
		if !slices.Contains(keySizes["oct"], size) {
			return newKey{}, errBadRequest("[keys.k] A symmetric key must be 128, 192 or 256 bits long, not %d", size)
		}
		made.size, made.material = &size, k
	case "RSA":
		pub, err := importedRSA(j)
		if err != nil {
			return newKey{}, err
		}
		size := pub.N.BitLen()
		if !slices.Contains(keySizes["RSA"], size) {
			return newKey{}, errBadRequest("[keys.n] An RSA key must be 2048, 3072 or 4096 bits long, not %d", size)
		}
		made.size, made.public = &size, rsaPublicJWK(pub)
	case "EC":
		if j.Crv == nil || !slices.Contains(keyCurves, *j.Crv) {
			return newKey{}, errBadRequest("[keys.crv] Must be one of %s", strings.Join(keyCurves, ", "))
		}
		pub, err := importedEC(j)
		if err != nil {
			return newKey{}, err
		}
		crv := *j.Crv
		made.curve = &crv
		if made.public, err = ecPublicJWK(crv, pub); err != nil {
			return newKey{}, err
		}
	}
	return made, nil
}

// jwkBytes decodes a base64url member (RFC 7515: no padding).
func jwkBytes(member string, v *string) ([]byte, error) {
	if v == nil || *v == "" {
		return nil, errBadRequest("[keys.%s] Property is mandatory for this key type", member)
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(*v, "="))
	if err != nil {
		return nil, errBadRequest("[keys.%s] Not base64url: %v", member, err)
	}
	return b, nil
}

// importedRSA checks an RSA private JWK: the private exponent, and the
// primes when given, must belong to the modulus.
func importedRSA(j jwk) (*rsa.PublicKey, error) {
	var n, e, d []byte
	var err error
	for _, m := range []struct {
		name string
		v    *string
		dst  *[]byte
	}{{"n", j.N, &n}, {"e", j.E, &e}, {"d", j.D, &d}} {
		if *m.dst, err = jwkBytes(m.name, m.v); err != nil {
			return nil, err
		}
	}
	exp := new(big.Int).SetBytes(e)
	if !exp.IsInt64() || exp.Int64() < 3 || exp.Int64() > 1<<31-1 {
		return nil, errBadRequest("[keys.e] Not a usable RSA public exponent")
	}
	priv := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())}, D: new(big.Int).SetBytes(d)}
	if j.P != nil || j.Q != nil {
		p, err := jwkBytes("p", j.P)
		if err != nil {
			return nil, err
		}
		q, err := jwkBytes("q", j.Q)
		if err != nil {
			return nil, err
		}
		priv.Primes = []*big.Int{new(big.Int).SetBytes(p), new(big.Int).SetBytes(q)}
		if err := priv.Validate(); err != nil {
			return nil, errBadRequest("[keys] Not a valid RSA private key: %v", err)
		}
	}
	return &priv.PublicKey, nil
}

// importedEC checks an EC private JWK: d must give the point (x, y).
func importedEC(j jwk) (*ecdsa.PublicKey, error) {
	curve := map[string]ecdh.Curve{"P-256": ecdh.P256(), "P-384": ecdh.P384(), "P-521": ecdh.P521()}[*j.Crv]
	size := (ellipticCurve(*j.Crv).Params().BitSize + 7) / 8
	var x, y, d []byte
	var err error
	for _, m := range []struct {
		name string
		v    *string
		dst  *[]byte
	}{{"x", j.X, &x}, {"y", j.Y, &y}, {"d", j.D, &d}} {
		if *m.dst, err = jwkBytes(m.name, m.v); err != nil {
			return nil, err
		}
		if len(*m.dst) != size {
			return nil, errBadRequest("[keys.%s] Must be %d bytes long on %s", m.name, size, *j.Crv)
		}
	}
	priv, err := curve.NewPrivateKey(d)
	if err != nil {
		return nil, errBadRequest("[keys.d] Not a valid %s private key", *j.Crv)
	}
	point := append(append([]byte{4}, x...), y...)
	if !bytes.Equal(priv.PublicKey().Bytes(), point) {
		return nil, errBadRequest("[keys] The point (x, y) is not the public key of d")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(ellipticCurve(*j.Crv), point)
	if err != nil {
		return nil, errBadRequest("[keys] Not a point of %s", *j.Crv)
	}
	return pub, nil
}

func ellipticCurve(crv string) elliptic.Curve {
	switch crv {
	case "P-384":
		return elliptic.P384()
	case "P-521":
		return elliptic.P521()
	}
	return elliptic.P256()
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaPublicJWK(pub *rsa.PublicKey) map[string]string {
	return map[string]string{"n": b64url(pub.N.Bytes()), "e": b64url(big.NewInt(int64(pub.E)).Bytes())}
}

func ecPublicJWK(crv string, pub *ecdsa.PublicKey) (map[string]string, error) {
	key, err := pub.ECDH()
	if err != nil {
		return nil, err
	}
	point := key.Bytes()[1:] // 0x04 || x || y, each of the curve's size
	half := len(point) / 2
	return map[string]string{"crv": crv, "x": b64url(point[:half]), "y": b64url(point[half:])}, nil
}

// checkKeyName: 1 to 32 printable ASCII characters (the Control Panel's
// rule; the API's own wording is unverified).
func checkKeyName(name string) error {
	if len(name) < 1 || len(name) > 32 {
		return errBadRequest("[name] Length must be between 1 and 32")
	}
	for _, r := range name {
		if r < 0x20 || r > 0x7e {
			return errBadRequest("[name] Only printable ASCII characters are allowed")
		}
	}
	return nil
}

// loadServiceKey finds a key of the KMS; another KMS's key is missing.
func loadServiceKey(tx store.Tx, okmsID, keyID string) (serviceKeyRecord, error) {
	k, found, err := store.Get[serviceKeyRecord](tx, collServiceKeys, keyID)
	if err != nil {
		return k, err
	}
	if !found || k.OKMS != okmsID {
		// Unverified wording.
		return k, errNotFound("The requested object (keyId = %s) does not exist", keyID)
	}
	return k, nil
}

func (c *call) serviceKeyID() (string, error) {
	v := c.r.PathValue("keyId")
	if err := checkUUID(v); err != nil {
		return "", errBadRequest("Invalid keyId %q: %v", v, err) // unverified wording
	}
	return v, nil
}

func getServiceKey(c *call) (any, error) {
	o, err := c.okms()
	if err != nil {
		return nil, err
	}
	id, err := c.serviceKeyID()
	if err != nil {
		return nil, err
	}
	format, asked := "", false
	if v, ok := c.r.URL.Query()["format"]; ok {
		format, asked = v[0], true
		if format != "JWK" && format != "PEM" {
			return nil, errBadRequest("[format] Given data (%s) does not belong to the enumeration (JWK, PEM)", format) // unverified wording
		}
	}
	var k serviceKeyRecord
	err = c.handler.opts.Store.View(func(tx store.Tx) error {
		k, err = loadServiceKey(tx, o.ID, id)
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case asked && format == "JWK":
		return serviceKeyJWK{apiServiceKey: k.api(), Keys: []map[string]any{k.jwk()}}, nil
	case asked:
		return serviceKeyPEM{apiServiceKey: k.api(), KeysPEM: k.pem()}, nil
	}
	return k.api(), nil
}

// serviceKeyJWK is a key read with ?format=JWK: its public JSON Web Key
// under keys, kid being the key's id. A symmetric key shows no material.
type serviceKeyJWK struct {
	apiServiceKey
	Keys []map[string]any `json:"keys"`
}

// serviceKeyPEM is a key read with ?format=PEM: the public key of an RSA or
// EC key under keysPEM; nothing for a symmetric key.
type serviceKeyPEM struct {
	apiServiceKey
	KeysPEM []map[string]string `json:"keysPEM,omitempty"`
}

func (k serviceKeyRecord) jwk() map[string]any {
	out := map[string]any{"kid": k.ID, "kty": k.Type, "key_ops": slices.Clone(k.Operations)}
	for m, v := range k.Public {
		out[m] = v
	}
	return out
}

func (k serviceKeyRecord) pem() []map[string]string {
	var pub any
	decode := func(m string) []byte {
		b, _ := base64.RawURLEncoding.DecodeString(k.Public[m])
		return b
	}
	switch {
	case k.Type == "RSA" && k.Public["n"] != "":
		pub = &rsa.PublicKey{N: new(big.Int).SetBytes(decode("n")), E: int(new(big.Int).SetBytes(decode("e")).Int64())}
	case k.Type == "EC" && k.Public["x"] != "":
		ec, err := ecdsa.ParseUncompressedPublicKey(ellipticCurve(k.Public["crv"]), append(append([]byte{4}, decode("x")...), decode("y")...))
		if err != nil {
			return nil
		}
		pub = ec
	default:
		return nil
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil
	}
	return []map[string]string{{"pem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}}
}

func updateServiceKey(c *call) (any, error) {
	o, err := c.okms()
	if err != nil {
		return nil, err
	}
	id, err := c.serviceKeyID()
	if err != nil {
		return nil, err
	}
	var req struct {
		Name               *string `json:"name"`
		State              *string `json:"state"`
		DeactivationReason *string `json:"deactivationReason"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.Name != nil {
		if err := checkKeyName(*req.Name); err != nil {
			return nil, err
		}
	}
	if req.DeactivationReason != nil && !slices.Contains(deactivation, *req.DeactivationReason) {
		return nil, errBadRequest("[deactivationReason] Given data (%s) does not belong to the RevocationReasonEnum enumeration",
			*req.DeactivationReason)
	}
	var out apiServiceKey
	err = c.handler.opts.Store.Update(func(tx store.Tx) error {
		k, err := loadServiceKey(tx, o.ID, id)
		if err != nil {
			return err
		}
		if req.Name != nil {
			k.Name, k.IAM.DisplayName = *req.Name, *req.Name
		}
		if req.State != nil {
			if err := k.moveTo(*req.State, req.DeactivationReason); err != nil {
				return err
			}
		}
		out = k.api()
		return store.Put(tx, collServiceKeys, k.ID, k)
	})
	return out, err
}

// moveTo applies a state change asked by PUT. Unverified wordings.
func (k *serviceKeyRecord) moveTo(state string, reason *string) error {
	switch state {
	case stateActive:
		if k.State == stateCompromised {
			return errBadRequest("Service key %s is COMPROMISED and cannot be activated again", k.ID)
		}
		k.State, k.DeactivationReason = stateActive, nil
	case stateDeactivated:
		if reason == nil {
			return errBadRequest("[deactivationReason] Property is mandatory to deactivate a service key")
		}
		if k.State == stateCompromised {
			return errBadRequest("Service key %s is COMPROMISED and cannot be deactivated", k.ID)
		}
		r := *reason
		k.State, k.DeactivationReason = stateDeactivated, &r
	case stateCompromised:
		r := "KEY_COMPROMISE"
		if reason != nil {
			r = *reason
		}
		k.State, k.DeactivationReason = stateCompromised, &r
	default:
		return errBadRequest("[state] Given data (%s) does not belong to the ServiceKeyStateEnum enumeration of writable states "+
			"(ACTIVE, COMPROMISED, DEACTIVATED)", state)
	}
	return nil
}

func deleteServiceKey(c *call) (any, error) {
	o, err := c.okms()
	if err != nil {
		return nil, err
	}
	id, err := c.serviceKeyID()
	if err != nil {
		return nil, err
	}
	return nil, c.handler.opts.Store.Update(func(tx store.Tx) error {
		k, err := loadServiceKey(tx, o.ID, id)
		if err != nil {
			return err
		}
		if k.State == stateActive {
			return errBadRequest("Service key %s is ACTIVE: deactivate it before deleting it", k.ID) // unverified wording
		}
		return tx.Delete(collServiceKeys, k.ID)
	})
}

// okmsRegionPattern is the form of OKMS region names (eu-west-par,
// eu-west-rbx, ca-east-bhs, …).
func validOKMSRegion(r string) bool {
	parts := strings.Split(r, "-")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.ToLower(p) != p {
			return false
		}
	}
	return true
}

// CheckOKMS says why a seeded KMS cannot be served, or nil.
func CheckOKMS(o OKMS) error {
	if err := checkUUID(o.ID); err != nil {
		return fmt.Errorf("okms %q: the id must be a UUID: %w", o.ID, err)
	}
	if !validOKMSRegion(o.Region) {
		return fmt.Errorf("okms %s: the region %q is not an OKMS region name such as eu-west-par", o.ID, o.Region)
	}
	return nil
}
