package ovh_test

import (
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // SSE-C key digests are MD5 by definition
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
	"github.com/sovhealth/terraform-provider-health/internal/cloud/ovh"
	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

func storageClient(t *testing.T, emu *emulator.Emulator) *ovh.Client {
	t.Helper()
	cfg := appKeyConfig(emu)
	cfg.StorageEndpoint = emu.S3Endpoint()
	return client(t, cfg)
}

// dataPipeline is an S3 client with a bucket's credentials.
func dataPipeline(creds cloud.BucketCredentials) *s3.Client {
	return s3.New(s3.Options{Region: creds.Region, BaseEndpoint: aws.String(creds.Endpoint), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired, Retryer: aws.NopRetryer{}})
}

// sseC adds a customer key to a PutObject.
func sseC(in *s3.PutObjectInput) *s3.PutObjectInput {
	key := bytes.Repeat([]byte{9}, 32)
	sum := md5.Sum(key) //nolint:gosec // SSE-C key digest
	in.SSECustomerAlgorithm = aws.String("AES256")
	in.SSECustomerKey = aws.String(base64.StdEncoding.EncodeToString(key))
	in.SSECustomerKeyMD5 = aws.String(base64.StdEncoding.EncodeToString(sum[:]))
	return in
}

func bucketSpec(name string) cloud.BucketSpec {
	return cloud.BucketSpec{Name: name, Versioning: true, Encryption: cloud.EncryptionProviderManaged,
		Lifecycle: []cloud.LifecycleRule{{ID: "uploads", AbortIncompleteUploadDays: 3}},
		Tags:      map[string]string{"owner": "data-office"}}
}

// assertNoBuckets checks that the emulator holds no bucket nor object.
func assertNoBuckets(t *testing.T, emu *emulator.Emulator) {
	t.Helper()
	objs, err := emu.Control().Objects(context.Background(), "s3.")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) > 0 {
		t.Fatalf("%d S3 objects left, the first %s/%s", len(objs), objs[0].Collection, objs[0].ID)
	}
}

func TestStorage_createReadUpdateDelete(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()

	spec := bucketSpec("wh-ovh-raw")
	spec.Encryption, spec.KMSKeyID, spec.Zone = cloud.EncryptionCustomerKey, "okms-key-1", "raw"
	spec.AllowedSourceIPs = []string{"127.0.0.1/32", "198.51.100.7/32"}
	b, err := c.CreateBucket(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	want, kind, err := cloud.RenderAccessPolicy(cloud.OVH, spec)
	if err != nil {
		t.Fatal(err)
	}
	if b.Versioning != "Enabled" || b.SSEAlgorithm != "AES256" || b.KMSKeyID != "okms-key-1" || b.Policy != want ||
		b.PolicyKind != kind || kind != cloud.PolicyKindUser || !reflect.DeepEqual(b.AllowedSourceIPs, spec.AllowedSourceIPs) ||
		!reflect.DeepEqual(b.Lifecycle, spec.Lifecycle) || b.Tags["owner"] != "data-office" || b.AccessKeyID == "" ||
		b.CloudIDs["user"] == "" || b.CloudIDs["access_key"] != b.AccessKeyID {
		t.Fatalf("created bucket:\n%+v", b)
	}

	// The bucket's key: writes without a customer key are refused by its
	// policy, writes with one go through.
	creds, err := c.BucketCredentials(ctx, "wh-ovh-raw")
	if err != nil {
		t.Fatal(err)
	}
	if creds.Scope != cloud.ScopeBucket || creds.AccessKeyID != b.AccessKeyID || creds.SecretAccessKey == "" || creds.Region != "eu-west-par" {
		t.Fatalf("credentials: %+v", creds)
	}
	pipeline := dataPipeline(creds)
	_, err = pipeline.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("wh-ovh-raw"), Key: aws.String("cohort.csv"), Body: strings.NewReader("rows")})
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("write without SSE-C = %v", err)
	}
	if _, err := pipeline.PutObject(ctx, sseC(&s3.PutObjectInput{Bucket: aws.String("wh-ovh-raw"), Key: aws.String("cohort.csv"),
		Body: strings.NewReader("rows")})); err != nil {
		t.Fatal(err)
	}

	// Update in place: the source restriction goes, tags change.
	spec.AllowedSourceIPs, spec.Tags = nil, map[string]string{"owner": "dpo"}
	if b, err = c.UpdateBucket(ctx, b, spec); err != nil {
		t.Fatal(err)
	}
	if len(b.AllowedSourceIPs) != 0 || b.Tags["owner"] != "dpo" || strings.Contains(b.Policy, "aws:SourceIp") {
		t.Fatalf("updated bucket: %+v", b)
	}

	// Import: only the name is known.
	imported, err := c.ReadBucket(ctx, cloud.Bucket{Name: "wh-ovh-raw"})
	if err != nil || imported.Policy != b.Policy || imported.CloudIDs["user"] != b.CloudIDs["user"] {
		t.Fatalf("read by name: %v %+v", err, imported)
	}

	var notEmpty *cloud.BucketNotEmptyError
	if err := c.DeleteBucket(ctx, b, false); !errors.As(err, &notEmpty) || notEmpty.Versions != 1 {
		t.Fatalf("delete of a non-empty bucket = %v", err)
	}
	if err := c.DeleteBucket(ctx, b, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadBucket(ctx, b); !errors.Is(err, cloud.ErrNotFound) {
		t.Fatalf("read after delete = %v", err)
	}
	assertNothingLeft(t, emu)
	assertNoBuckets(t, emu)
}

func TestStorage_partialCreateIsCleanedUp(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()
	_, err := emu.Control().AddFault(ctx, faults.Rule{Action: "ovh:POST /1.0/cloud/project/{serviceName}/region/{regionName}/storage",
		Nth: 1, Statuses: []int{400}})
	if err != nil {
		t.Fatal(err)
	}
	made, err := c.CreateBucket(ctx, bucketSpec("wh-ovh-partial"))
	if err == nil {
		t.Fatal("the create did not fail")
	}
	if made.Name != "" || made.CloudIDs["user"] == "" || made.CloudIDs["access_key"] == "" {
		t.Fatalf("partial bucket: %+v", made)
	}
	if err := c.DeleteBucket(ctx, made, false); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, emu)
	assertNoBuckets(t, emu)
}

func TestStorage_objectLockAndUnmanagedBuckets(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := storageClient(t, emu)
	ctx := context.Background()
	spec := bucketSpec("wh-ovh-audit")
	spec.ObjectLock = &cloud.ObjectLock{Mode: cloud.LockGovernance, RetentionDays: 2}
	b, err := c.CreateBucket(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if !b.ObjectLockEnabled || !reflect.DeepEqual(b.ObjectLock, spec.ObjectLock) || b.Versioning != "Enabled" {
		t.Fatalf("object lock: %+v", b)
	}
	creds, err := c.BucketCredentials(ctx, b.Name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dataPipeline(creds).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b.Name), Key: aws.String("log"),
		Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	var locked *cloud.LockedObjectsError
	if err := c.DeleteBucket(ctx, b, true); !errors.As(err, &locked) || locked.Locked != 1 || locked.Modes[0] != "GOVERNANCE" {
		t.Fatalf("forced delete of a locked version = %v", err)
	}
	if _, err := c.ReadBucket(ctx, b); err != nil {
		t.Fatalf("the bucket did not survive the refused delete: %v", err)
	}
	if got := ovh.DefaultStorageEndpoint("GRA11"); got != "https://s3.gra.io.cloud.ovh.net" {
		t.Fatal(got)
	}
}

// The calls that make a bucket's parts take no idempotency token. When one
// fails on the cloud's side or its answer is lost, the create finds what
// the call made (the user by its description, the key among the user's,
// the bucket by its owner) or sends the call again: it succeeds, with
// exactly one user, one key and one bucket.
func TestStorage_lostAnswersAndServerErrorsMakeEachPartOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, action := range []string{
		"ovh:POST /1.0/cloud/project/{serviceName}/user",
		"ovh:POST /1.0/cloud/project/{serviceName}/user/{userId}/s3Credentials",
		"ovh:POST /1.0/cloud/project/{serviceName}/user/{userId}/s3Credentials/{access}/secret",
		"ovh:POST /1.0/cloud/project/{serviceName}/user/{userId}/policy",
		"ovh:POST /1.0/cloud/project/{serviceName}/region/{regionName}/storage",
	} {
		for mode, rule := range map[string]faults.Rule{"answer lost": {Drop: "after"}, "server error": {Statuses: []int{500}}} {
			t.Run(mode+" "+action, func(t *testing.T) {
				t.Parallel()
				emu := emutest.Start(t, nil)
				c := storageClient(t, emu)
				rule.Action, rule.Nth = action, 1
				if _, err := emu.Control().AddFault(ctx, rule); err != nil {
					t.Fatal(err)
				}
				b, err := c.CreateBucket(ctx, bucketSpec("wh-ovh-lost"))
				if err != nil {
					t.Fatalf("the create failed: %v", err)
				}
				count := map[string]int{}
				for _, o := range objects(t, emu) {
					collection, _, _ := strings.Cut(o, "/")
					count[collection]++
				}
				if count["ovh.users"] != 1 || count["ovh.s3_credentials"] != 1 || countBuckets(t, emu) != 1 {
					t.Fatalf("the create made %v and %d buckets, want one user, one key, one bucket", count, countBuckets(t, emu))
				}
				if err := c.DeleteBucket(ctx, b, false); err != nil {
					t.Fatal(err)
				}
				assertNothingLeft(t, emu)
				assertNoBuckets(t, emu)
			})
		}
	}
}

func countBuckets(t *testing.T, emu *emulator.Emulator) int {
	t.Helper()
	objs, err := emu.Control().Objects(context.Background(), "s3.buckets")
	if err != nil {
		t.Fatal(err)
	}
	return len(objs)
}
