package emulator_test

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// Presigned URLs: query-string SigV4, as the AWS SDK's presign client
// makes them, sent without any other credential.

// presign returns a URL for method on path (under the S3 prefix), valid
// for expires from the client's clock.
func (c *s3Client) presign(method, path string, expires time.Duration) string {
	c.t.Helper()
	req, err := http.NewRequest(method, c.emu.S3Endpoint()+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	q := req.URL.Query()
	q.Set("X-Amz-Expires", strconv.Itoa(int(expires/time.Second)))
	req.URL.RawQuery = q.Encode()
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	signed, _, err := signer.PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.ak, SecretAccessKey: c.sk}, req,
		"UNSIGNED-PAYLOAD", "s3", c.region, c.clock())
	if err != nil {
		c.t.Fatal(err)
	}
	return signed
}

// fetch sends an unsigned request to a (presigned) URL.
func fetch(t *testing.T, method, url string, body []byte, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return send(t, req)
}

func TestS3_presignedURLs(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now().UTC()
	cfg := emulator.DefaultConfig()
	cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	emu := emutest.Start(t, &cfg)
	c := outscaleS3(t, emu)
	c.now = cfg.Now
	c.must(200, "PUT", "/wh-presign", nil)
	c.must(200, "PUT", "/wh-presign/report.csv", []byte("a,b\n1,2\n"), "Content-Type", "text/csv")

	get := c.presign("GET", "/wh-presign/report.csv", time.Hour)
	if r := fetch(t, "GET", get, nil); r.status != 200 || string(r.body) != "a,b\n1,2\n" || r.header.Get("Content-Type") != "text/csv" {
		t.Fatalf("presigned GET: %d %v %s", r.status, r.header, r.body)
	}
	if r := fetch(t, "HEAD", c.presign("HEAD", "/wh-presign/report.csv", time.Hour), nil); r.status != 200 || r.header.Get("Content-Length") != "8" {
		t.Fatalf("presigned HEAD: %d %v", r.status, r.header)
	}
	put := c.presign("PUT", "/wh-presign/upload/new.csv", 10*time.Minute)
	if r := fetch(t, "PUT", put, []byte("uploaded"), "Content-Type", "text/csv"); r.status != 200 || r.header.Get("ETag") == "" {
		t.Fatalf("presigned PUT: %d %s", r.status, r.body)
	}
	if r := c.must(200, "GET", "/wh-presign/upload/new.csv", nil); string(r.body) != "uploaded" {
		t.Fatalf("the presigned PUT stored %q", r.body)
	}

	// A URL signs its method, path and query: any change breaks it.
	assertS3Error(t, fetch(t, "PUT", get, []byte("x")), 403, "SignatureDoesNotMatch")
	assertS3Error(t, fetch(t, "GET", strings.Replace(get, "report.csv", "other.csv", 1), nil), 403, "SignatureDoesNotMatch")
	assertS3Error(t, fetch(t, "GET", strings.Replace(get, "X-Amz-Expires=3600", "X-Amz-Expires=7200", 1), nil), 403, "SignatureDoesNotMatch")
	assertS3Error(t, fetch(t, "GET", get[:len(get)-6]+"000000", nil), 403, "SignatureDoesNotMatch")
	assertS3Error(t, fetch(t, "GET", get+"&versionId=null", nil), 403, "SignatureDoesNotMatch")
	assertS3Error(t, fetch(t, "GET", get[:strings.Index(get, "&X-Amz-Signature")], nil), 400, "AuthorizationQueryParametersError")
	assertS3Error(t, fetch(t, "GET", c.presign("GET", "/wh-presign/report.csv", 604801*time.Second), nil), 400, "AuthorizationQueryParametersError")
	assertS3Error(t, fetch(t, "GET", get, nil, "Authorization", "AWS4-HMAC-SHA256 Credential=x"), 400, "InvalidArgument")
	stranger := &s3Client{t: t, emu: emu, ak: "AKIAUNKNOWN000000000", sk: "x", region: c.region, now: cfg.Now}
	assertS3Error(t, fetch(t, "GET", stranger.presign("GET", "/wh-presign/report.csv", time.Hour), nil), 403, "InvalidAccessKeyId")
	week := c.presign("GET", "/wh-presign/report.csv", 604800*time.Second)

	// Past its expiry, a URL is refused as S3 refuses it.
	mu.Lock()
	now = now.Add(time.Hour + time.Second)
	mu.Unlock()
	r := fetch(t, "GET", get, nil)
	assertS3Error(t, r, 403, "AccessDenied")
	if xmlField(r.body, "Message")[0] != "Request has expired" || xmlField(r.body, "X-Amz-Expires")[0] != "3600" {
		t.Fatalf("expired URL: %s", r.body)
	}
	if r := fetch(t, "GET", week, nil); r.status != 200 {
		t.Fatalf("a URL valid for a week: %d %s", r.status, r.body)
	}
}
