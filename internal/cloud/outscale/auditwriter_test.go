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
