package s3store_test

import (
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // SSE-C key digests are MD5 by definition
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/s3store"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// SampleEncryption picks the newest objects of the listing, leaves the
// wrapped data keys out, tells SSE-C objects (a HEAD without the key is
// refused) from those under the store's key, and says when the listing was
// cut short.
func TestSampleEncryption(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now().UTC().Truncate(time.Second) // within the signature's allowed skew
	cfg := emulator.DefaultConfig()
	cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	emu := emutest.Start(t, &cfg)
	ctx := context.Background()
	api := s3.New(s3.Options{Region: emulator.DefaultOutscaleRegion, BaseEndpoint: aws.String(emu.S3Endpoint()), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, Retryer: aws.NopRetryer{}})
	if _, err := api.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("wh-sample")}); err != nil {
		t.Fatal(err)
	}
	key := bytes.Repeat([]byte{4}, 32)
	sum := md5.Sum(key) //nolint:gosec // SSE-C key digest
	put := func(name string, sealed bool) {
		t.Helper()
		mu.Lock()
		now = now.Add(time.Second)
		mu.Unlock()
		in := &s3.PutObjectInput{Bucket: aws.String("wh-sample"), Key: aws.String(name), Body: strings.NewReader(name)}
		if sealed {
			in.SSECustomerAlgorithm, in.SSECustomerKey = aws.String("AES256"), aws.String(base64.StdEncoding.EncodeToString(key))
			in.SSECustomerKeyMD5 = aws.String(base64.StdEncoding.EncodeToString(sum[:]))
		} else {
			in.ServerSideEncryption = "AES256"
		}
		if _, err := api.PutObject(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 {
		put(fmt.Sprintf("sealed-%d.csv", i), true)
	}
	put("plain.csv", false)
	put(cloud.WrappedKeyPrefix+"sealed-0.csv", false)

	st := s3store.New(s3store.Config{Cloud: cloud.Outscale, Endpoint: emu.S3Endpoint(), Region: emulator.DefaultOutscaleRegion},
		s3store.Keys{AccessKey: emulator.DefaultOutscaleAccessKey, SecretKey: emulator.DefaultOutscaleSecretKey})
	got, err := st.SampleEncryption(ctx, "wh-sample", 3, 100)
	if err != nil {
		t.Fatal(err)
	}
	var sampled []string
	for _, o := range got.Objects {
		sampled = append(sampled, fmt.Sprintf("%s sse-c=%t %s", o.Key, o.CustomerKey, o.SSEAlgorithm))
	}
	want := []string{"plain.csv sse-c=false AES256", "sealed-3.csv sse-c=true ", "sealed-2.csv sse-c=true "}
	if got.Listed != 5 || got.Truncated || !reflect.DeepEqual(sampled, want) {
		t.Fatalf("listed %d (truncated %t), sampled %q; want 5, %q", got.Listed, got.Truncated, sampled, want)
	}
	// A bound on the listing: the newest are picked among what was listed.
	if got, err = st.SampleEncryption(ctx, "wh-sample", 5, 2); err != nil || got.Listed != 2 || !got.Truncated || len(got.Objects) != 2 {
		t.Fatalf("bounded listing: %+v, %v", got, err)
	}
	// An empty bucket samples nothing.
	if _, err := api.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("wh-empty")}); err != nil {
		t.Fatal(err)
	}
	if got, err = st.SampleEncryption(ctx, "wh-empty", 5, 100); err != nil || got.Listed != 0 || len(got.Objects) != 0 {
		t.Fatalf("empty bucket: %+v, %v", got, err)
	}
}
