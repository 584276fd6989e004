package cloud_test

import (
	"encoding/json"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The bastion's policy is what it always was, byte for byte: adding the
// read-write access changed nothing of the write-only one.
func TestAuditWriterPolicy_unchanged(t *testing.T) {
	t.Parallel()
	const want = `{"Statement":[{"Action":["s3:PutObject"],"Effect":"Allow","Resource":["arn:aws:s3:::wh-audit/bastions/*"],` +
		`"Sid":"WriteAuditTrailOnly"},{"Action":["api:ReadApiLogs"],"Effect":"Allow","Resource":["*"],"Sid":"ReadApiLogs"}],` +
		`"Version":"2012-10-17"}`
	if got := cloud.AuditWriterPolicy("wh-audit", "bastions/"); got != want {
		t.Fatalf("policy\n%s\nwant\n%s", got, want)
	}
}

// The read-write policy reaches one bucket's objects and listings, and no
// API action.
func TestBucketReadWritePolicy(t *testing.T) {
	t.Parallel()
	var doc struct {
		Statement []struct {
			Action, Resource []string
			Effect           string
		}
	}
	if err := json.Unmarshal([]byte(cloud.BucketReadWritePolicy("wh-data", "")), &doc); err != nil {
		t.Fatal(err)
	}
	resources := map[string]bool{}
	for _, s := range doc.Statement {
		if s.Effect != "Allow" {
			t.Errorf("effect %s", s.Effect)
		}
		for _, r := range s.Resource {
			resources[r] = true
		}
		for _, a := range s.Action {
			if a[:3] != "s3:" {
				t.Errorf("action %s is not an object storage action", a)
			}
		}
	}
	if len(resources) != 2 || !resources["arn:aws:s3:::wh-data"] || !resources["arn:aws:s3:::wh-data/*"] {
		t.Fatalf("resources %v", resources)
	}
}
