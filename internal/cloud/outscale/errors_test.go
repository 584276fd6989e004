package outscale

import (
	"errors"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/cloud"
)

// The answers below are those of the OAPI error table and of bodies
// measured on the real API (see the comments in errors.go).
func TestErrorClass(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status    int
		code, typ string
		want      error
		doc       string
	}{
		{400, "4120", "InvalidParameterValue", cloud.ErrAuth, "unknown access key"},
		{401, "1", "AccessDenied", cloud.ErrAuth, "signature mismatch"},
		{403, "4", "AccessDenied", cloud.ErrAuth, "EIM permission missing"},
		{429, "24", "AccessDenied", cloud.ErrThrottled, "rate exceeded per account"},
		{429, "25", "AccessDenied", cloud.ErrThrottled, "rate exceeded per call"},
		{503, "6", "AccessDenied", cloud.ErrThrottled, "rate exceeded, API <= 1.28"},
		{400, "5071", "InvalidResource", cloud.ErrNotFound, "keypair not found"},
		{400, "9085", "ResourceConflict", cloud.ErrConflict, "security group still referenced"},
		{424, "1001", "DependencyProblem", cloud.ErrConflict, "object has dependencies"},
		{400, "10001", "InsufficientCapacity", cloud.ErrQuota, "no capacity"},
		{400, "4078", "InvalidParameterValue", cloud.ErrInvalid, "bad parameter"},
		{500, "0", "DefaultError", cloud.ErrUnavailable, "server error"},
	} {
		if got := errorClass(tc.status, tc.code, tc.typ); !errors.Is(got, tc.want) {
			t.Errorf("%s: errorClass(%d, %q, %q) = %v, want %v", tc.doc, tc.status, tc.code, tc.typ, got, tc.want)
		}
	}
}
