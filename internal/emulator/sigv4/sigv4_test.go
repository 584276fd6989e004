package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	exampleKey    = "AKIDEXAMPLE"
	exampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

func verifierAt(now time.Time) *Verifier {
	return &Verifier{
		Secret: func(ak string) (string, bool) {
			if ak == exampleKey {
				return exampleSecret, true
			}
			return "", false
		},
		Now: func() time.Time { return now },
	}
}

// The "get-vanilla" case of the AWS Signature Version 4 test suite.
func TestVerify_awsTestSuiteVector(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "http://example.amazonaws.com/", nil)
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "+
		"SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	signed, err := verifierAt(time.Date(2015, 8, 30, 12, 38, 0, 0, time.UTC)).Verify(r, nil)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if signed.AccessKey != exampleKey || signed.Region != "us-east-1" || signed.Service != "service" {
		t.Fatalf("Signed = %+v", signed)
	}
}

// signWithAWSSDK signs with the AWS SDK's own SigV4 signer, an
// implementation independent of the verifier.
func signWithAWSSDK(t *testing.T, r *http.Request, body []byte, service, region string, at time.Time) {
	t.Helper()
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: exampleKey, SecretAccessKey: exampleSecret}
	if err := signer.SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), service, region, at); err != nil {
		t.Fatal(err)
	}
}

func TestVerify_matchesAnIndependentSigner(t *testing.T) {
	t.Parallel()
	at := time.Now().UTC()
	cases := []struct {
		name, method, url, service string
		body                       string
	}{
		{"oapi post", http.MethodPost, "http://127.0.0.1:8787/api/v1/CreateNet", "oapi", `{"IpRange":"10.0.0.0/16"}`},
		{"query string", http.MethodGet, "http://127.0.0.1:8787/x?b=2&a=1&a=0&sp=a%20b&star=*", "oapi", ""},
		{"s3 key with spaces", http.MethodPut, "http://127.0.0.1:8787/s3/bucket/dir/a%20b.txt?versionId=x", "s3", "data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.url, strings.NewReader(c.body))
			r.Header.Set("Content-Type", "application/json")
			signWithAWSSDK(t, r, []byte(c.body), c.service, "eu-west-2", at)
			v := verifierAt(at.Add(time.Minute))
			v.SinglePathEncoding = c.service == "s3"
			if _, err := v.Verify(r, []byte(c.body)); err != nil {
				t.Fatalf("Verify rejected a request signed by the AWS SDK: %v", err)
			}
			// The same request with a tampered body must fail.
			if _, err := v.Verify(r, []byte(c.body+" ")); err == nil {
				t.Fatal("Verify accepted a tampered body")
			}
		})
	}
}

func TestVerify_failures(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	body := []byte(`{"IpRange":"10.0.0.0/16"}`)
	signed := func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/api/v1/CreateNet", bytes.NewReader(body))
		signWithAWSSDK(t, r, body, "oapi", "eu-west-2", at)
		return r
	}
	cases := []struct {
		name   string
		mutate func(r *http.Request)
		now    time.Time
		kind   Kind
	}{
		{"no authorization", func(r *http.Request) { r.Header.Del("Authorization") }, at, Missing},
		{"garbage authorization", func(r *http.Request) { r.Header.Set("Authorization", "Basic Zm9vOmJhcg==") }, at, Malformed},
		{"unknown key", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), exampleKey, "AKIDUNKNOWN", 1))
		}, at, UnknownKey},
		{"replayed after 6 minutes", func(*http.Request) {}, at.Add(6 * time.Minute), Expired},
		{"from the future", func(*http.Request) {}, at.Add(-6 * time.Minute), Expired},
		{"wrong signature", func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-4]+"0000")
		}, at, Mismatch},
		{"signed header changed", func(r *http.Request) { r.Header.Set("X-Amz-Date", at.Add(time.Second).Format(TimeFormat)) }, at, Mismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := signed()
			c.mutate(r)
			_, err := verifierAt(c.now).Verify(r, body)
			e, ok := AsError(err)
			if !ok || e.Kind != c.kind {
				t.Fatalf("err = %v, want kind %d", err, c.kind)
			}
			if strings.Contains(e.Error(), exampleSecret) {
				t.Fatal("error message contains the secret key")
			}
		})
	}
}

func TestVerify_osc4(t *testing.T) {
	t.Parallel()
	at := time.Now().UTC()
	body := []byte(`{}`)
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/api/v1/ReadNets", bytes.NewReader(body))
	// Sign with the OSC4 scheme by hand: the same algorithm with other names.
	r.Header.Set(OSC4.DateHeader, at.Format(TimeFormat))
	v := verifierAt(at)
	canonical := v.canonicalRequest(r, []string{"host", "x-osc-date"}, hexSHA256(body))
	scope := at.Format("20060102") + "/eu-west-2/api/osc4_request"
	sts := strings.Join([]string{OSC4.Algorithm, at.Format(TimeFormat), scope, hexSHA256([]byte(canonical))}, "\n")
	sig := hmacSHA256(signingKey(OSC4, exampleSecret, at.Format("20060102"), "eu-west-2", "api"), []byte(sts))
	r.Header.Set("Authorization", OSC4.Algorithm+" Credential="+exampleKey+"/"+scope+", SignedHeaders=host;x-osc-date, Signature="+
		hex.EncodeToString(sig))
	got, err := v.Verify(r, body)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.Scheme != OSC4 {
		t.Fatalf("scheme = %+v", got.Scheme)
	}
}

// presignWithAWSSDK returns a URL presigned by the AWS SDK's signer, valid
// for expires from at, as the S3 presign client makes them.
func presignWithAWSSDK(t *testing.T, method, rawURL string, at time.Time, expires time.Duration) string {
	t.Helper()
	r := httptest.NewRequest(method, rawURL, nil)
	q := r.URL.Query()
	q.Set("X-Amz-Expires", strconv.Itoa(int(expires/time.Second)))
	r.URL.RawQuery = q.Encode()
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: exampleKey, SecretAccessKey: exampleSecret}
	signed, _, err := signer.PresignHTTP(context.Background(), creds, r, "UNSIGNED-PAYLOAD", "s3", "eu-west-2", at)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func presignVerifier(now time.Time) *Verifier {
	v := verifierAt(now)
	v.SinglePathEncoding, v.Presigned, v.MaxSkew = true, true, 15*time.Minute
	return v
}

func TestVerify_presigned(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodHead} {
		u := presignWithAWSSDK(t, method, "http://127.0.0.1:8787/s3/bucket/dir/a%20b.txt?x-id=GetObject", at, time.Hour)
		r := httptest.NewRequest(method, u, strings.NewReader("any body"))
		signed, err := presignVerifier(at.Add(59*time.Minute)).Verify(r, []byte("any body"))
		if err != nil {
			t.Fatalf("%s: Verify rejected a URL presigned by the AWS SDK: %v", method, err)
		}
		if !signed.Presigned || signed.AccessKey != exampleKey || !signed.Expires.Equal(at.Add(time.Hour)) {
			t.Fatalf("%s: Signed = %+v", method, signed)
		}
		// A verifier that does not take presigned URLs sees no signature.
		if _, err := verifierAt(at).Verify(r, nil); !isKind(err, Missing) {
			t.Fatalf("%s: without Presigned: %v", method, err)
		}
	}

	u := presignWithAWSSDK(t, http.MethodGet, "http://127.0.0.1/s3/bucket/key", at, time.Hour)
	cases := []struct {
		name   string
		mutate func(u string) string
		method string
		now    time.Time
		kind   Kind
	}{
		{"expired", func(u string) string { return u }, http.MethodGet, at.Add(time.Hour + time.Second), URLExpired},
		{"not valid yet", func(u string) string { return u }, http.MethodGet, at.Add(-16 * time.Minute), NotYetValid},
		{"other method", func(u string) string { return u }, http.MethodPut, at, Mismatch},
		{"longer expiry", func(u string) string { return strings.Replace(u, "X-Amz-Expires=3600", "X-Amz-Expires=7200", 1) }, http.MethodGet, at, Mismatch},
		{"other key", func(u string) string { return strings.Replace(u, "/s3/bucket/key", "/s3/bucket/other", 1) }, http.MethodGet, at, Mismatch},
		{"tampered signature", func(u string) string { return u[:len(u)-4] + "0000" }, http.MethodGet, at, Mismatch},
		{"added parameter", func(u string) string { return u + "&versionId=x" }, http.MethodGet, at, Mismatch},
		{"more than a week", func(u string) string { return strings.Replace(u, "X-Amz-Expires=3600", "X-Amz-Expires=604801", 1) }, http.MethodGet, at, QueryMalformed},
		{"no signature", func(u string) string { return u[:strings.Index(u, "&X-Amz-Signature")] }, http.MethodGet, at, QueryMalformed},
		{"unknown key", func(u string) string { return strings.Replace(u, exampleKey, "AKIDUNKNOWN", 1) }, http.MethodGet, at, UnknownKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.mutate(u), nil)
			_, err := presignVerifier(c.now).Verify(r, nil)
			if !isKind(err, c.kind) {
				t.Fatalf("err = %v, want kind %d", err, c.kind)
			}
			if strings.Contains(err.Error(), exampleSecret) {
				t.Fatal("error message contains the secret key")
			}
		})
	}
	// An Authorization header and a presigned query together are refused.
	r := httptest.NewRequest(http.MethodGet, u, nil)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
	if _, err := presignVerifier(at).Verify(r, nil); !isKind(err, Conflicting) {
		t.Fatalf("both mechanisms: %v", err)
	}
}

func isKind(err error, kind Kind) bool {
	e, ok := AsError(err)
	return ok && e.Kind == kind
}
