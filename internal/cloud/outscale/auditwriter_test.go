package outscale_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// The bastion's write-only identity: an EIM user whose key may put objects
// under the audit prefix and do nothing else; read back; removed whole.
func TestAuditWriter_writeOnlyAndRemovedWhole(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, bucketSpec("wh-osc-writer-audit")); err != nil {
		t.Fatal(err)
	}

	w, err := c.CreateAuditWriter(ctx, cloud.AuditWriterSpec{Name: "wh-bastion", Bucket: "wh-osc-writer-audit", Prefix: "bastions/"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(w.UserName, "health-audit-wh-bastion-") || w.PolicyID == "" || w.AccessKeyID == "" || w.SecretAccessKey == "" {
		t.Fatalf("writer: %+v", w)
	}
	shipper := s3.New(s3.Options{Region: emulator.DefaultOutscaleRegion, BaseEndpoint: aws.String(emu.S3Endpoint()), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(w.AccessKeyID, w.SecretAccessKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, Retryer: aws.NopRetryer{}})
	put := func(key string) error {
		_, err := shipper.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("wh-osc-writer-audit"), Key: aws.String(key),
			Body: bytes.NewReader([]byte("journal"))})
		return err
	}
	if err := put("bastions/wh-bastion/journal/j1.export.gz"); err != nil {
		t.Fatalf("shipping under the prefix: %v", err)
	}
	if err := put("elsewhere"); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("writing outside the prefix: %v, want AccessDenied", err)
	}
	if _, err := shipper.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("wh-osc-writer-audit"),
		Key: aws.String("bastions/wh-bastion/journal/j1.export.gz")}); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("reading what it shipped: %v, want AccessDenied", err)
	}
	if _, err := c.ReadAuditWriter(ctx, w); err != nil {
		t.Fatalf("read back: %v", err)
	}

	// Its key deleted out of band: it can no longer ship, and Read says so.
	if err := emu.Control().DeleteObject(ctx, "outscale.access_keys", w.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadAuditWriter(ctx, w); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("read after the key was deleted: %v, want ErrNotFound", err)
	}
	if err := c.DeleteAuditWriter(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAuditWriter(ctx, w); err != nil {
		t.Fatalf("deleting it again: %v", err)
	}
	for _, coll := range []string{"outscale.eim_users", "outscale.eim_policies", "outscale.access_keys"} {
		if objs, err := emu.Control().Objects(ctx, coll); err != nil || len(objs) != 0 {
			t.Fatalf("%s after delete: %d left, %v", coll, len(objs), err)
		}
	}
	// The bucket still holds what was shipped: empty it for the cleanup.
	b, _ := c.ReadBucket(ctx, cloud.Bucket{Name: "wh-osc-writer-audit"})
	if err := c.DeleteBucket(ctx, b, true); err != nil {
		t.Fatal(err)
	}
}

// The data gateway's read-write identity: the objects of one bucket, read,
// written (multipart too), listed and deleted; no other bucket, no bucket
// configuration, no API logs.
func TestAuditWriter_readWriteOnOneBucket(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()
	for _, b := range []string{"wh-osc-rw-data", "wh-osc-rw-other"} {
		if _, err := c.CreateBucket(ctx, bucketSpec(b)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateAuditWriter(ctx, cloud.AuditWriterSpec{Name: "gw", Bucket: "wh-osc-rw-data", Access: "admin"}); !errors.Is(err, cloud.ErrInvalid) {
		t.Fatalf("an unknown access: %v", err)
	}
	w, err := c.CreateAuditWriter(ctx, cloud.AuditWriterSpec{Name: "wh-gateway", Bucket: "wh-osc-rw-data", Access: cloud.AccessReadWrite})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(w.UserName, "health-rw-wh-gateway-") || w.AccessKeyID == "" || w.SecretAccessKey == "" || w.APIEndpoint != "" {
		t.Fatalf("writer: %+v", w)
	}
	gw := s3.New(s3.Options{Region: emulator.DefaultOutscaleRegion, BaseEndpoint: aws.String(emu.S3Endpoint()), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(w.AccessKeyID, w.SecretAccessKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, Retryer: aws.NopRetryer{}})
	denied := func(what string, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
			t.Errorf("%s: %v, want AccessDenied", what, err)
		}
	}
	for _, bucket := range []string{"wh-osc-rw-data", "wh-osc-rw-other"} {
		_, putErr := gw.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("obj"),
			Body: bytes.NewReader([]byte("payload"))})
		_, getErr := gw.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("obj")})
		_, listErr := gw.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
		up, mpErr := gw.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("big")})
		_, delErr := gw.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("obj")})
		if bucket != "wh-osc-rw-data" {
			denied("put in another bucket", putErr)
			denied("get in another bucket", getErr)
			denied("list another bucket", listErr)
			denied("multipart upload in another bucket", mpErr)
			denied("delete in another bucket", delErr)
			continue
		}
		for what, err := range map[string]error{"put": putErr, "get": getErr, "list": listErr, "create multipart upload": mpErr, "delete": delErr} {
			if err != nil {
				t.Errorf("%s in its bucket: %v", what, err)
			}
		}
		if mpErr != nil {
			continue
		}
		part, err := gw.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("big"), UploadId: up.UploadId,
			PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("part one"))})
		if err != nil {
			t.Fatalf("upload part: %v", err)
		}
		if _, err := gw.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String("big"), UploadId: up.UploadId}); err != nil {
			t.Errorf("list parts: %v", err)
		}
		if _, err := gw.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)}); err != nil {
			t.Errorf("list uploads: %v", err)
		}
		if _, err := gw.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("big"),
			UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
				{ETag: part.ETag, PartNumber: aws.Int32(1)}}}}); err != nil {
			t.Errorf("complete: %v", err)
		}
		other, err := gw.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("aborted")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gw.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("aborted"),
			UploadId: other.UploadId}); err != nil {
			t.Errorf("abort: %v", err)
		}
		// The bucket's configuration is not its to read or change.
		_, err = gw.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(`{"Statement":[]}`)})
		denied("put bucket policy", err)
		_, err = gw.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
		denied("get bucket policy", err)
		_, err = gw.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
		denied("delete bucket", err)
	}
	if _, err := c.ReadAuditWriter(ctx, w); err != nil {
		t.Fatalf("read back: %v", err)
	}
	if err := c.DeleteAuditWriter(ctx, w); err != nil {
		t.Fatal(err)
	}
	for _, coll := range []string{"outscale.eim_users", "outscale.eim_policies", "outscale.access_keys"} {
		if objs, err := emu.Control().Objects(ctx, coll); err != nil || len(objs) != 0 {
			t.Fatalf("%s after delete: %d left, %v", coll, len(objs), err)
		}
	}
}

// A read-only identity (a read-only data gateway's) gets the objects under
// its prefixes and the wrapped data key, lists the bucket, and nothing
// else: no other prefix, no write, no delete, no other bucket.
func TestAuditWriter_readOnlyPrefixes(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()
	for _, b := range []string{"wh-osc-ro-data", "wh-osc-ro-other"} {
		if _, err := c.CreateBucket(ctx, bucketSpec(b)); err != nil {
			t.Fatal(err)
		}
	}
	owner := s3API(emu)
	for _, key := range []string{"cardio/2024/a.csv", "onco/b.csv", ".health-keys/wh-gateway.key", ".health-keys/other.key"} {
		for _, b := range []string{"wh-osc-ro-data", "wh-osc-ro-other"} {
			if _, err := owner.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key),
				Body: bytes.NewReader([]byte("x"))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	w, err := c.CreateAuditWriter(ctx, cloud.AuditWriterSpec{Name: "wh-ws-gw", Bucket: "wh-osc-ro-data", Access: cloud.AccessReadOnly,
		Prefixes: []string{"cardio/"}, KeyObject: ".health-keys/wh-gateway.key"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(w.UserName, "health-ro-wh-ws-gw-") || w.SecretAccessKey == "" || w.APIEndpoint != "" {
		t.Fatalf("reader: %+v", w)
	}
	ro := s3.New(s3.Options{Region: emulator.DefaultOutscaleRegion, BaseEndpoint: aws.String(emu.S3Endpoint()), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(w.AccessKeyID, w.SecretAccessKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, Retryer: aws.NopRetryer{}})
	get := func(bucket, key string) error {
		out, err := ro.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err == nil {
			_ = out.Body.Close()
		}
		return err
	}
	for _, key := range []string{"cardio/2024/a.csv", ".health-keys/wh-gateway.key"} {
		if err := get("wh-osc-ro-data", key); err != nil {
			t.Errorf("get %s: %v", key, err)
		}
	}
	if _, err := ro.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("wh-osc-ro-data")}); err != nil {
		t.Errorf("list its bucket: %v", err)
	}
	_, putErr := ro.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("wh-osc-ro-data"), Key: aws.String("cardio/new.csv"),
		Body: bytes.NewReader([]byte("x"))})
	_, delErr := ro.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("wh-osc-ro-data"), Key: aws.String("cardio/2024/a.csv")})
	_, listErr := ro.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("wh-osc-ro-other")})
	for what, err := range map[string]error{
		"get another prefix":      get("wh-osc-ro-data", "onco/b.csv"),
		"get another wrapped key": get("wh-osc-ro-data", ".health-keys/other.key"),
		"get in another bucket":   get("wh-osc-ro-other", "cardio/2024/a.csv"),
		"put under its prefix":    putErr,
		"delete under its prefix": delErr,
		"list another bucket":     listErr,
	} {
		if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
			t.Errorf("%s: %v, want AccessDenied", what, err)
		}
	}
	if err := c.DeleteAuditWriter(ctx, w); err != nil {
		t.Fatal(err)
	}
}
