package acctest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/sovhealth/terraform-provider-health/internal/emulator"
	"github.com/sovhealth/terraform-provider-health/internal/emulator/emutest"
)

// PrivateEmulator starts an emulator for one test alone, so that the test
// can count every object in it (CheckDestroy, partial creates), delete them
// or inject faults without disturbing the tests running beside it. It is an
// in-process listener: starting one costs milliseconds. Against real clouds
// it returns nil, and ProviderConfigAt(nil, …) gives the real provider block.
func PrivateEmulator(t *testing.T) *emulator.Emulator {
	t.Helper()
	Acceptance(t)
	if RealCloud() {
		return nil
	}
	return emutest.Start(t, nil)
}

// Objects lists the objects the emulator holds for cloudName's API, leaving
// out the seeded accounts and the OAuth2 tokens.
func Objects(e *emulator.Emulator, cloudName string) ([]emulator.Object, error) {
	all, err := e.Control().Objects(context.Background(), cloudName+".")
	if err != nil {
		return nil, err
	}
	var out []emulator.Object
	for _, o := range all {
		if strings.HasSuffix(o.Collection, "oauth2_tokens") {
			continue
		}
		out = append(out, o)
	}
	return out, nil
}

// CheckNothingLeft is a CheckDestroy: the private emulator e holds no object
// of cloudName's API. Against real clouds (e nil) it checks nothing: the
// resource's own tests of Read after Delete cover them.
func CheckNothingLeft(e *emulator.Emulator, cloudName string) func(*terraform.State) error {
	return func(*terraform.State) error {
		if e == nil {
			return nil
		}
		left, err := Objects(e, cloudName)
		if err != nil {
			return err
		}
		if len(left) > 0 {
			var names []string
			for _, o := range left {
				names = append(names, o.Collection+"/"+o.ID)
			}
			return fmt.Errorf("%d objects left in the emulator after destroy: %s", len(left), strings.Join(names, ", "))
		}
		return nil
	}
}

// EmulatorEnv is the environment that points the provider at e with the
// seed credentials, for runs of the CLI outside the test framework (module
// tests, the demo): every setting but the OVHcloud region, which has no
// variable and which configurations set in their ovh block.
func EmulatorEnv(e *emulator.Emulator) map[string]string {
	return map[string]string{
		"OSC_ENDPOINT_API":          e.OutscaleEndpoint(),
		"OSC_REGION":                emulator.DefaultOutscaleRegion,
		"OSC_ACCESS_KEY":            emulator.DefaultOutscaleAccessKey,
		"OSC_SECRET_KEY":            emulator.DefaultOutscaleSecretKey,
		"OSC_ENDPOINT_OOS":          e.S3Endpoint(),
		"HEALTH_KMS_ADDR":           e.OpenBaoAddress(),
		"HEALTH_KMS_TOKEN":          emulator.DefaultOpenBaoToken,
		"OVH_ENDPOINT":              e.OVHEndpoint(),
		"OVH_APPLICATION_KEY":       emulator.DefaultOVHApplicationKey,
		"OVH_APPLICATION_SECRET":    emulator.DefaultOVHApplicationSecret,
		"OVH_CONSUMER_KEY":          emulator.DefaultOVHConsumerKey,
		"OVH_CLOUD_PROJECT_SERVICE": emulator.DefaultOVHProjectID,
		"OVH_S3_ENDPOINT":           e.S3Endpoint(),
		"OVH_OKMS_ID":               emulator.DefaultOVHOKMSID,
	}
}
