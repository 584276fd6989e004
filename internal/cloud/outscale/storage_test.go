package outscale_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/outscale"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

func storageClient(t *testing.T, emu *emulator.Emulator) *outscale.Client {
	t.Helper()
	cfg := defaultConfig()
	cfg.StorageEndpoint = emu.S3Endpoint()
	return client(t, emu, cfg)
}

// s3API is a plain S3 client with the account's keys, standing for the
// warehouse's data pipeline.
func s3API(emu *emulator.Emulator) *s3.Client {
	return s3.New(s3.Options{Region: emulator.DefaultOutscaleRegion, BaseEndpoint: aws.String(emu.S3Endpoint()), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(emulator.DefaultOutscaleAccessKey, emulator.DefaultOutscaleSecretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, Retryer: aws.NopRetryer{}})
}

func bucketSpec(name string) cloud.BucketSpec {
	return cloud.BucketSpec{Name: name, Versioning: true, Encryption: cloud.EncryptionProviderManaged,
		Lifecycle: []cloud.LifecycleRule{{ID: "old-versions", NoncurrentVersionExpirationDays: 90, AbortIncompleteUploadDays: 7}},
		Tags:      map[string]string{"owner": "data-office"}}
}

func TestStorage_createReadUpdateDelete(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()

	spec := bucketSpec("wh-osc-raw")
	spec.Encryption, spec.KMSKeyID, spec.Zone = cloud.EncryptionCustomerKey, "transit/keys/raw", "raw"
	b, err := c.CreateBucket(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	want, kind, err := cloud.RenderAccessPolicy(cloud.Outscale, spec)
	if err != nil {
		t.Fatal(err)
	}
	if b.Versioning != "Enabled" || b.SSEAlgorithm != "AES256" || b.Encryption != cloud.EncryptionCustomerKey ||
		b.KMSKeyID != "transit/keys/raw" || b.Zone != "raw" || b.Policy != want || b.PolicyKind != kind ||
		!reflect.DeepEqual(b.Tags, spec.Tags) || !reflect.DeepEqual(b.Lifecycle, spec.Lifecycle) || b.Endpoint != emu.S3Endpoint() {
		t.Fatalf("created bucket:\n%+v", b)
	}
	// The policy denies ACL changes to everyone, the account included.
	_, err = s3API(emu).PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("wh-osc-raw"), ACL: "public-read"})
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("PutBucketAcl = %v, want AccessDenied", err)
	}

	// Update: new tags, no lifecycle, provider-managed keys, no versioning.
	spec.Tags, spec.Lifecycle = map[string]string{"owner": "dpo"}, nil
	spec.Encryption, spec.KMSKeyID, spec.Versioning = cloud.EncryptionProviderManaged, "", false
	b, err = c.UpdateBucket(ctx, b, spec)
	if err != nil {
		t.Fatal(err)
	}
	if b.Versioning != "Suspended" || b.Encryption != cloud.EncryptionProviderManaged || b.KMSKeyID != "" ||
		len(b.Lifecycle) != 0 || b.Tags["owner"] != "dpo" || b.Zone != "raw" {
		t.Fatalf("updated bucket:\n%+v", b)
	}

	// Drift: default encryption and policy removed out of band come back.
	if _, err := s3API(emu).DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String("wh-osc-raw")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3API(emu).DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("wh-osc-raw")}); err != nil {
		t.Fatal(err)
	}
	drifted, err := c.ReadBucket(ctx, cloud.Bucket{Name: "wh-osc-raw"})
	if err != nil {
		t.Fatal(err)
	}
	if drifted.SSEAlgorithm != "" || drifted.Policy != "" {
		t.Fatalf("drift not seen: %+v", drifted)
	}
	if b, err = c.UpdateBucket(ctx, drifted, spec); err != nil || b.SSEAlgorithm != "AES256" || b.Policy == "" {
		t.Fatalf("repair: %v %+v", err, b)
	}

	// A bucket holding objects is refused unless forced.
	if _, err := s3API(emu).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("wh-osc-raw"), Key: aws.String("a"),
		Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	var notEmpty *cloud.BucketNotEmptyError
	if err := c.DeleteBucket(ctx, b, false); !errors.As(err, &notEmpty) || notEmpty.Versions != 1 || !errors.Is(err, cloud.ErrConflict) {
		t.Fatalf("DeleteBucket of a non-empty bucket = %v", err)
	}
	if err := c.DeleteBucket(ctx, b, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadBucket(ctx, b); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("ReadBucket after delete = %v", err)
	}
	if err := c.DeleteBucket(ctx, b, false); err != nil {
		t.Fatalf("deleting a bucket already gone: %v", err)
	}
}

func TestStorage_objectLock(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()

	spec := bucketSpec("wh-osc-audit")
	spec.ObjectLock = &cloud.ObjectLock{Mode: cloud.LockGovernance, RetentionDays: 1}
	if _, err := c.CreateBucket(ctx, spec); !errors.Is(err, cloud.ErrPolicyUnsupported) {
		t.Fatalf("GOVERNANCE on OUTSCALE = %v", err)
	}
	spec.ObjectLock.Mode = cloud.LockCompliance
	b, err := c.CreateBucket(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if !b.ObjectLockEnabled || !reflect.DeepEqual(b.ObjectLock, spec.ObjectLock) {
		t.Fatalf("object lock: %+v", b)
	}
	for _, key := range []string{"session-1.log", "session-2.log"} {
		if _, err := s3API(emu).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b.Name), Key: aws.String(key),
			Body: strings.NewReader("recording")}); err != nil {
			t.Fatal(err)
		}
	}
	var locked *cloud.LockedObjectsError
	err = c.DeleteBucket(ctx, b, true)
	if !errors.As(err, &locked) || locked.Locked != 2 || locked.Versions != 2 || locked.Until.IsZero() ||
		!reflect.DeepEqual(locked.Modes, []string{"COMPLIANCE"}) {
		t.Fatalf("forced delete of locked versions = %v", err)
	}
	if !strings.Contains(err.Error(), "2 of its 2 object versions are protected") || !strings.Contains(err.Error(), "Nothing was deleted") {
		t.Fatalf("message: %v", err)
	}
	out, err := s3API(emu).ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(b.Name)})
	if err != nil || len(out.Versions) != 2 {
		t.Fatalf("versions after the refused delete: %v %v", out, err)
	}
	// The retention rule changes in place.
	spec.ObjectLock.RetentionDays = 30
	if b, err = c.UpdateBucket(ctx, b, spec); err != nil || b.ObjectLock.RetentionDays != 30 {
		t.Fatalf("retention update: %v %+v", err, b)
	}
}

func TestStorage_retriesAndCredentials(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()
	for _, action := range []string{"s3:PutBucketPolicy", "s3:GetBucketTagging"} {
		if _, err := emu.Control().AddFault(ctx, faults.Rule{Action: action, Nth: 1, Statuses: []int{503}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateBucket(ctx, bucketSpec("wh-osc-retry")); err != nil {
		t.Fatalf("throttled calls were not retried: %v", err)
	}
	creds, err := c.BucketCredentials(ctx, "wh-osc-retry")
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessKeyID != emulator.DefaultOutscaleAccessKey || creds.Scope != cloud.ScopeAccount || creds.Endpoint != emu.S3Endpoint() {
		t.Fatalf("credentials: %+v", creds)
	}
	if _, err := c.BucketCredentials(ctx, "wh-osc-missing"); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("credentials of a missing bucket = %v", err)
	}
	// The name is taken by the account itself: an import, not a create.
	if _, err := c.CreateBucket(ctx, bucketSpec("wh-osc-retry")); !errors.Is(err, cloud.ErrConflict) || !strings.Contains(err.Error(), "import") {
		t.Fatalf("second create = %v", err)
	}
	// Source addresses cannot be enforced on OUTSCALE.
	spec := bucketSpec("wh-osc-ips")
	spec.AllowedSourceIPs = []string{"198.51.100.7/32"}
	if _, err := c.CreateBucket(ctx, spec); !errors.Is(err, cloud.ErrPolicyUnsupported) {
		t.Fatalf("allowed sources on OUTSCALE = %v", err)
	}
	// Nothing but the one bucket was made.
	objs, err := emu.Control().Objects(ctx, "s3.buckets")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		var doc struct{ Name string }
		_ = json.Unmarshal(o.Doc, &doc)
		names = append(names, doc.Name)
	}
	if !reflect.DeepEqual(names, []string{"wh-osc-retry"}) {
		t.Fatalf("buckets: %v", names)
	}
}

func TestStorage_missingSettings(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := client(t, emu, outscale.Config{Region: emulator.DefaultOutscaleRegion, StorageEndpoint: emu.S3Endpoint()})
	var missing *cloud.MissingSettingsError
	if _, err := c.CreateBucket(context.Background(), bucketSpec("wh-x")); !errors.As(err, &missing) {
		t.Fatalf("CreateBucket without keys = %v", err)
	}
	if got := outscale.DefaultStorageEndpoint("cloudgouv-eu-west-1"); got != "https://oos.cloudgouv-eu-west-1.outscale.com" {
		t.Fatal(got)
	}
}
