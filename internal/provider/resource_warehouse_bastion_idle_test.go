package provider

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/sovhealth/terraform-provider-health/internal/bastion"
)

// FuzzParseIdleTimeout: idle_timeout never panics, a refusal quotes the
// value, and what it accepts comes back from the cloud (an import) written
// so that it parses to the same duration.
func FuzzParseIdleTimeout(f *testing.F) {
	for _, s := range []string{"15m", "1h", "1h30m", "90s", "1m30s", "12h", "12h0m1s", "59s", "1.5m", "10m0.5s", "", "-15m", "15", "9223372036854775807ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseIdleTimeout(s)
		if err != nil {
			if !strings.Contains(err.Error(), strconv.Quote(s)) {
				t.Fatalf("parseIdleTimeout(%q): the refusal %q does not name the value", s, err)
			}
			return
		}
		if d < bastion.MinIdleTimeout || d > bastion.MaxIdleTimeout || d%time.Second != 0 {
			t.Fatalf("parseIdleTimeout(%q) accepts %s", s, d)
		}
		back, err := parseIdleTimeout(formatIdleTimeout(d))
		if err != nil || back != d {
			t.Fatalf("%q read back from the cloud as %q: %s, %v", s, formatIdleTimeout(d), back, err)
		}
	})
}

func TestFormatIdleTimeout_asWritten(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		time.Minute: "1m", 90 * time.Second: "1m30s", 15 * time.Minute: "15m", time.Hour: "1h",
		90 * time.Minute: "1h30m", time.Hour + 10*time.Second: "1h10s", 12 * time.Hour: "12h", 0: "0s",
	} {
		if got := formatIdleTimeout(d); got != want {
			t.Errorf("formatIdleTimeout(%s) = %q, want %q", d, got, want)
		}
	}
}

// Rewriting idle_timeout as the same duration ("1h" as "60m") must not
// replace the bastion; another duration must.
func TestIdleTimeoutPlan_sameDurationKeepsTheBastion(t *testing.T) {
	t.Parallel()
	exists := tftypes.NewValue(tftypes.Object{}, map[string]tftypes.Value{})
	for _, c := range []struct {
		state, config string
		replace       bool
	}{
		{"1h", "60m", false},
		{"1m30s", "90s", false},
		{"15m", "15m", false},
		{"15m", "16m", true},
		{"1h", "1h1s", true},
	} {
		req := planmodifier.StringRequest{
			StateValue: types.StringValue(c.state), PlanValue: types.StringValue(c.config), ConfigValue: types.StringValue(c.config),
			State: tfsdk.State{Raw: exists}, Plan: tfsdk.Plan{Raw: exists},
		}
		resp := planmodifier.StringResponse{PlanValue: req.PlanValue}
		replaceDurationUnlessAdopting().PlanModifyString(context.Background(), req, &resp)
		if resp.RequiresReplace != c.replace {
			t.Errorf("idle_timeout %q → %q: replace = %v, want %v", c.state, c.config, resp.RequiresReplace, c.replace)
		}
		if !c.replace && resp.PlanValue.ValueString() != c.state {
			t.Errorf("idle_timeout %q → %q: planned %q, want the state's %q (no diff)", c.state, c.config, resp.PlanValue.ValueString(), c.state)
		}
	}
}
