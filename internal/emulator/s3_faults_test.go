package emulator_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/faults"
)

// An injected failure answers the S3 error code that goes with its status:
// a refusal (4xx) must not read as a retryable ServiceUnavailable.
func TestS3_injectedFailuresCarryTheCodeOfTheirStatus(t *testing.T) {
	t.Parallel()
	emu := emutest.Start(t, nil)
	c := outscaleS3(t, emu)
	c.must(http.StatusOK, http.MethodPut, "/wh-faults", nil)
	for status, code := range map[int]string{
		http.StatusBadRequest:          "InvalidRequest",
		http.StatusForbidden:           "AccessDenied",
		http.StatusConflict:            "OperationAborted",
		http.StatusTooManyRequests:     "SlowDown",
		http.StatusInternalServerError: "InternalError",
		http.StatusServiceUnavailable:  "SlowDown",
		http.StatusBadGateway:          "ServiceUnavailable",
	} {
		if _, err := emu.Control().AddFault(context.Background(), faults.Rule{Action: "s3:GetBucketVersioning", Nth: 1, Statuses: []int{status}}); err != nil {
			t.Fatal(err)
		}
		c.fails(status, code, http.MethodGet, "/wh-faults?versioning", nil)
	}
}
