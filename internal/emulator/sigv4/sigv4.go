// Package sigv4 verifies requests signed with AWS Signature Version 4 and its
// Outscale twin OSC4, as the Outscale API and S3-compatible object stores do.
//
// It is written from the public specification, not shared with any client
// SDK, so that a signing bug in a client cannot hide behind the same bug here.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Scheme describes one flavour of the signature.
type Scheme struct {
	Algorithm  string // value at the start of the Authorization header
	KeyPrefix  string // prepended to the secret key to derive the signing key
	DateHeader string // header holding the request time
	Terminator string // last element of the credential scope
}

var (
	// AWS4 is AWS Signature Version 4, sent by osc-sdk-go and the AWS SDKs.
	AWS4 = Scheme{Algorithm: "AWS4-HMAC-SHA256", KeyPrefix: "AWS4", DateHeader: "X-Amz-Date", Terminator: "aws4_request"}
	// OSC4 is Outscale's own variant, sent by osc-cli.
	OSC4 = Scheme{Algorithm: "OSC4-HMAC-SHA256", KeyPrefix: "OSC4", DateHeader: "X-Osc-Date", Terminator: "osc4_request"}
)

// TimeFormat is the layout of the date header.
const TimeFormat = "20060102T150405Z"

// Kind classifies a verification failure, so that each API can answer with
// its own error code.
type Kind int

// Failure kinds.
const (
	Missing        Kind = iota + 1 // no Authorization header
	Malformed                      // header or date not in the expected form
	UnknownKey                     // the access key is not known
	Expired                        // request time too far from the server's clock
	Mismatch                       // signature or payload hash does not match
	QueryMalformed                 // presigned URL: its authentication parameters are missing or malformed
	URLExpired                     // presigned URL: past its expiry
	NotYetValid                    // presigned URL: dated in the future
	Conflicting                    // both an Authorization header and query-string authentication
)

// Error is a verification failure. Its message never contains a secret.
type Error struct {
	Kind Kind
	Msg  string
	// Expiry is when a presigned URL stopped being valid (URLExpired only).
	Expiry time.Time
}

func (e *Error) Error() string { return e.Msg }

// Signed is what a valid signature proves about a request.
type Signed struct {
	AccessKey string
	Region    string
	Service   string
	Time      time.Time
	Scheme    Scheme
	// Presigned is set when the signature came in the query string (a
	// presigned URL), valid until Expires.
	Presigned bool
	Expires   time.Time
}

// Verifier checks signatures against known secret keys.
type Verifier struct {
	// Schemes accepted, in order. Default: AWS4 then OSC4.
	Schemes []Scheme
	// Secret returns the secret key of an access key.
	Secret func(accessKey string) (secret string, ok bool)
	// MaxSkew is the largest accepted distance between the request time and
	// Now. Default: 5 minutes.
	MaxSkew time.Duration
	// Now is the server's clock. Default: time.Now.
	Now func() time.Time
	// SinglePathEncoding is set for S3, which signs the path as sent instead
	// of encoding it a second time.
	SinglePathEncoding bool
	// Presigned also accepts query-string authentication (presigned URLs),
	// as S3 does: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
	// X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature in the query.
	Presigned bool
}

// MaxPresignedExpiry is the longest validity of a presigned URL, seven days
// (X-Amz-Expires of at most 604800 seconds).
const MaxPresignedExpiry = 7 * 24 * time.Hour

// Query-string authentication parameters.
const (
	queryAlgorithm     = "X-Amz-Algorithm"
	queryCredential    = "X-Amz-Credential"
	queryDate          = "X-Amz-Date"
	queryExpires       = "X-Amz-Expires"
	querySignedHeaders = "X-Amz-SignedHeaders"
	querySignature     = "X-Amz-Signature"
	queryContentSHA256 = "X-Amz-Content-Sha256"
)

// Verify checks the signature of r whose body is body.
func (v *Verifier) Verify(r *http.Request, body []byte) (Signed, error) {
	auth := r.Header.Get("Authorization")
	if v.Presigned && isPresigned(r.URL.Query()) {
		if auth != "" {
			return Signed{}, &Error{Kind: Conflicting, Msg: "the request carries both an Authorization header and query-string authentication"}
		}
		return v.verifyPresigned(r, body)
	}
	if auth == "" {
		return Signed{}, &Error{Kind: Missing, Msg: "the request has no Authorization header"}
	}
	var scheme Scheme
	for _, s := range v.schemes() {
		if strings.HasPrefix(auth, s.Algorithm+" ") {
			scheme = s
			break
		}
	}
	if scheme.Algorithm == "" {
		return Signed{}, &Error{Kind: Malformed, Msg: "the Authorization header uses an unsupported signature algorithm"}
	}
	fields, err := parseAuthorization(strings.TrimPrefix(auth, scheme.Algorithm+" "))
	if err != nil {
		return Signed{}, err
	}
	scope := strings.Split(fields.credential, "/")
	if len(scope) != 5 || scope[4] != scheme.Terminator {
		return Signed{}, &Error{Kind: Malformed, Msg: fmt.Sprintf("the credential scope must be <key>/<date>/<region>/<service>/%s", scheme.Terminator)}
	}
	accessKey, day, region, service := scope[0], scope[1], scope[2], scope[3]

	stamp := r.Header.Get(scheme.DateHeader)
	if stamp == "" {
		return Signed{}, &Error{Kind: Malformed, Msg: "the request has no " + scheme.DateHeader + " header"}
	}
	at, err := time.Parse(TimeFormat, stamp)
	if err != nil {
		return Signed{}, &Error{Kind: Malformed, Msg: fmt.Sprintf("%s %q is not in the form %s", scheme.DateHeader, stamp, TimeFormat)}
	}
	if !strings.HasPrefix(stamp, day) {
		return Signed{}, &Error{Kind: Malformed, Msg: "the credential scope date does not match " + scheme.DateHeader}
	}
	maxSkew := v.maxSkew()
	if skew := v.now().Sub(at); skew > maxSkew || skew < -maxSkew {
		return Signed{}, &Error{Kind: Expired, Msg: fmt.Sprintf("the request was signed at %s, more than %s away from the server time", at.Format(time.RFC3339), maxSkew)}
	}
	if !containsFold(fields.signedHeaders, "host") {
		return Signed{}, &Error{Kind: Malformed, Msg: "SignedHeaders must include host"}
	}

	secret, ok := v.Secret(accessKey)
	if !ok {
		return Signed{}, &Error{Kind: UnknownKey, Msg: fmt.Sprintf("the access key %q is not known", accessKey)}
	}

	payloadHash, err := payloadHash(r, body)
	if err != nil {
		return Signed{}, err
	}
	canonical := v.canonicalRequest(r, fields.signedHeaders, payloadHash)
	stringToSign := strings.Join([]string{
		scheme.Algorithm, stamp, strings.Join(scope[1:], "/"), hexSHA256([]byte(canonical)),
	}, "\n")
	key := signingKey(scheme, secret, day, region, service)
	want := hex.EncodeToString(hmacSHA256(key, []byte(stringToSign)))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(fields.signature))) {
		return Signed{}, &Error{Kind: Mismatch, Msg: "the request signature does not match the signature computed with the secret key of the access key"}
	}
	return Signed{AccessKey: accessKey, Region: region, Service: service, Time: at, Scheme: scheme}, nil
}

func (v *Verifier) schemes() []Scheme {
	if len(v.Schemes) == 0 {
		return []Scheme{AWS4, OSC4}
	}
	return v.Schemes
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew == 0 {
		return 5 * time.Minute
	}
	return v.MaxSkew
}

// isPresigned reports whether a query carries query-string authentication.
func isPresigned(q url.Values) bool {
	for _, name := range []string{queryAlgorithm, queryCredential, querySignature} {
		if q.Has(name) {
			return true
		}
	}
	return false
}

// verifyPresigned checks the query-string signature of a presigned URL.
// Its messages follow S3's AuthorizationQueryParametersError answers.
func (v *Verifier) verifyPresigned(r *http.Request, body []byte) (Signed, error) {
	q := r.URL.Query()
	for _, name := range []string{queryAlgorithm, queryCredential, querySignature, queryDate, querySignedHeaders, queryExpires} {
		if q.Get(name) == "" {
			return Signed{}, &Error{Kind: QueryMalformed, Msg: "Query-string authentication version 4 requires the X-Amz-Algorithm, " +
				"X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."}
		}
	}
	var scheme Scheme
	for _, s := range v.schemes() {
		if q.Get(queryAlgorithm) == s.Algorithm {
			scheme = s
			break
		}
	}
	if scheme.Algorithm == "" {
		return Signed{}, &Error{Kind: QueryMalformed, Msg: fmt.Sprintf("X-Amz-Algorithm only supports %q", v.schemes()[0].Algorithm)}
	}
	scope := strings.Split(q.Get(queryCredential), "/")
	if len(scope) != 5 || scope[4] != scheme.Terminator {
		return Signed{}, &Error{Kind: QueryMalformed, Msg: fmt.Sprintf("Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; "+
			"expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/%s\".", scheme.Terminator)}
	}
	accessKey, day, region, service := scope[0], scope[1], scope[2], scope[3]
	stamp := q.Get(queryDate)
	at, err := time.Parse(TimeFormat, stamp)
	if err != nil {
		return Signed{}, &Error{Kind: QueryMalformed, Msg: "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""}
	}
	if !strings.HasPrefix(stamp, day) {
		return Signed{}, &Error{Kind: QueryMalformed, Msg: "Error parsing the X-Amz-Credential parameter; incorrect date format. " +
			"This date in the credential must be in the format \"yyyyMMdd\" and match X-Amz-Date."}
	}
	seconds, err := strconv.ParseInt(q.Get(queryExpires), 10, 64)
	switch {
	case err != nil:
		return Signed{}, &Error{Kind: QueryMalformed, Msg: "X-Amz-Expires should be a number"}
	case seconds < 0:
		return Signed{}, &Error{Kind: QueryMalformed, Msg: "X-Amz-Expires must be non-negative"}
	case seconds > int64(MaxPresignedExpiry/time.Second):
		return Signed{}, &Error{Kind: QueryMalformed, Msg: "X-Amz-Expires must be less than a week (in seconds) that is; 604800"}
	}
	signedHeaders := strings.Split(q.Get(querySignedHeaders), ";")
	if !containsFold(signedHeaders, "host") {
		return Signed{}, &Error{Kind: QueryMalformed, Msg: "X-Amz-SignedHeaders must include host"}
	}
	now, expires := v.now(), at.Add(time.Duration(seconds)*time.Second)
	if at.Sub(now) > v.maxSkew() {
		return Signed{}, &Error{Kind: NotYetValid, Msg: "the presigned URL is dated in the future"}
	}
	if now.After(expires) {
		return Signed{}, &Error{Kind: URLExpired, Msg: "the presigned URL has expired", Expiry: expires}
	}

	secret, ok := v.Secret(accessKey)
	if !ok {
		return Signed{}, &Error{Kind: UnknownKey, Msg: fmt.Sprintf("the access key %q is not known", accessKey)}
	}
	// A presigned URL does not sign its payload unless it says so.
	payload := q.Get(queryContentSHA256)
	if payload == "" && containsFold(signedHeaders, "x-amz-content-sha256") {
		payload = r.Header.Get("X-Amz-Content-Sha256")
	}
	switch {
	case payload == "":
		payload = "UNSIGNED-PAYLOAD"
	case payload == "UNSIGNED-PAYLOAD" || strings.HasPrefix(payload, "STREAMING-"):
	case !strings.EqualFold(payload, hexSHA256(body)):
		return Signed{}, &Error{Kind: Mismatch, Msg: "the body does not match its declared X-Amz-Content-Sha256"}
	}
	canonical := v.canonicalRequestWithQuery(r, canonicalQuery(r.URL.RawQuery, querySignature), signedHeaders, payload)
	stringToSign := strings.Join([]string{
		scheme.Algorithm, stamp, strings.Join(scope[1:], "/"), hexSHA256([]byte(canonical)),
	}, "\n")
	key := signingKey(scheme, secret, day, region, service)
	want := hex.EncodeToString(hmacSHA256(key, []byte(stringToSign)))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(q.Get(querySignature)))) {
		return Signed{}, &Error{Kind: Mismatch, Msg: "the request signature does not match the signature computed with the secret key of the access key"}
	}
	return Signed{AccessKey: accessKey, Region: region, Service: service, Time: at, Scheme: scheme,
		Presigned: true, Expires: expires}, nil
}

type authorization struct {
	credential    string
	signedHeaders []string
	signature     string
}

func parseAuthorization(s string) (authorization, error) {
	var a authorization
	for _, part := range strings.Split(s, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "Credential":
			a.credential = val
		case "SignedHeaders":
			a.signedHeaders = strings.Split(val, ";")
		case "Signature":
			a.signature = val
		}
	}
	if a.credential == "" || len(a.signedHeaders) == 0 || a.signature == "" {
		return a, &Error{Kind: Malformed, Msg: "the Authorization header must carry Credential, SignedHeaders and Signature"}
	}
	return a, nil
}

// payloadHash returns the hash the client signed: the X-Amz-Content-Sha256
// header when present (checked against the body when it is a real hash), or
// the hash of the body.
func payloadHash(r *http.Request, body []byte) (string, error) {
	actual := hexSHA256(body)
	declared := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case declared == "":
		return actual, nil
	case declared == "UNSIGNED-PAYLOAD" || strings.HasPrefix(declared, "STREAMING-"):
		return declared, nil
	case !strings.EqualFold(declared, actual):
		return "", &Error{Kind: Mismatch, Msg: "the body does not match its declared X-Amz-Content-Sha256"}
	default:
		return declared, nil
	}
}

func (v *Verifier) canonicalRequest(r *http.Request, signedHeaders []string, payloadHash string) string {
	return v.canonicalRequestWithQuery(r, canonicalQuery(r.URL.RawQuery, ""), signedHeaders, payloadHash)
}

func (v *Verifier) canonicalRequestWithQuery(r *http.Request, query string, signedHeaders []string, payloadHash string) string {
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	if !v.SinglePathEncoding {
		path = encodePath(path)
	}
	var headers strings.Builder
	for _, name := range signedHeaders {
		headers.WriteString(strings.ToLower(name))
		headers.WriteByte(':')
		headers.WriteString(headerValue(r, name))
		headers.WriteByte('\n')
	}
	return strings.Join([]string{
		r.Method,
		path,
		query,
		headers.String(),
		strings.ToLower(strings.Join(signedHeaders, ";")),
		payloadHash,
	}, "\n")
}

func headerValue(r *http.Request, name string) string {
	var values []string
	switch strings.ToLower(name) {
	case "host":
		values = []string{r.Host}
	case "content-length":
		values = r.Header.Values("Content-Length")
		if len(values) == 0 && r.ContentLength >= 0 {
			values = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	default:
		values = r.Header.Values(name)
	}
	for i, val := range values {
		values[i] = strings.Join(strings.Fields(val), " ")
	}
	return strings.Join(values, ",")
}

// canonicalQuery sorts and encodes a query string, leaving out the
// parameter named skip (a presigned URL's own signature).
func canonicalQuery(raw, skip string) string {
	if raw == "" {
		return ""
	}
	type pair struct{ k, v string }
	var pairs []pair
	for _, kv := range strings.Split(raw, "&") {
		if kv == "" {
			continue
		}
		k, val, _ := strings.Cut(kv, "=")
		k, _ = url.QueryUnescape(k)
		val, _ = url.QueryUnescape(val)
		if skip != "" && k == skip {
			continue
		}
		pairs = append(pairs, pair{uriEncode(k, true), uriEncode(val, true)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.k + "=" + p.v
	}
	return strings.Join(out, "&")
}

// encodePath encodes an already escaped path a second time, as SigV4 does
// for every service but S3.
func encodePath(escaped string) string {
	return uriEncode(escaped, false)
}

// uriEncode applies the SigV4 URI encoding: unreserved characters stay,
// everything else becomes %XX; "/" stays unless encodeSlash is set.
func uriEncode(s string, encodeSlash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		case c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func signingKey(s Scheme, secret, day, region, service string) []byte {
	k := hmacSHA256([]byte(s.KeyPrefix+secret), []byte(day))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte(service))
	return hmacSHA256(k, []byte(s.Terminator))
}

func hmacSHA256(key, data []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(data)
	return h.Sum(nil)
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// AsError returns the verification failure inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
