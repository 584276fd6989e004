package cloud

import (
	"strings"
	"testing"
	"time"
)

func TestParseRotationPeriod(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{
		"90d":    90 * 24 * time.Hour,
		"1d":     24 * time.Hour,
		"365d":   365 * 24 * time.Hour,
		"2160h":  90 * 24 * time.Hour,
		"24h":    24 * time.Hour,
		"36h30m": 36*time.Hour + 30*time.Minute,
	} {
		got, err := ParseRotationPeriod(in)
		if err != nil || got != want {
			t.Errorf("ParseRotationPeriod(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for in, why := range map[string]string{
		"12h":       "between 1 day",
		"0d":        "between 1 day",
		"366d":      "1 year",
		"8761h":     "1 year",
		"quarterly": "neither a number of days",
		"-5d":       "not a number of days",
		"+5d":       "not a number of days",
		"d":         "not a number of days",
		"":          "neither",
		"99999999d": "far too long",
	} {
		if _, err := ParseRotationPeriod(in); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseRotationPeriod(%q) = %v; want an error saying %q", in, err, why)
		}
	}
}

func TestFormatRotationPeriodRoundTrips(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		90 * 24 * time.Hour: "90d",
		36 * time.Hour:      "36h0m0s",
		0:                   "0s",
	} {
		got := FormatRotationPeriod(d)
		if got != want || !SameRotationPeriod(got, d) {
			t.Errorf("FormatRotationPeriod(%s) = %q, want %q, read back as the same period", d, got, want)
		}
	}
	if SameRotationPeriod("90d", 89*24*time.Hour) || SameRotationPeriod("nonsense", 0) {
		t.Error("SameRotationPeriod says different periods are the same")
	}
}

func TestRotationDue(t *testing.T) {
	t.Parallel()
	made := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	period := 30 * 24 * time.Hour
	switch {
	case RotationDue(made, period, made.Add(period-time.Second)):
		t.Error("due a second early")
	case !RotationDue(made, period, made.Add(period)):
		t.Error("not due when the period has elapsed")
	case RotationDue(time.Time{}, period, made):
		t.Error("due for a key of unknown age")
	}
}

func TestCheckKeyName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"wh-data", "a", "K_1", strings.Repeat("k", MaxKeyNameLength)} {
		if err := CheckKeyName(ok); err != nil {
			t.Errorf("CheckKeyName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-lead", "has space", "dot.ted", "slash/es", strings.Repeat("k", MaxKeyNameLength+1)} {
		if err := CheckKeyName(bad); err == nil {
			t.Errorf("CheckKeyName(%q) accepted", bad)
		}
	}
}

func TestUsagesAndBackends(t *testing.T) {
	t.Parallel()
	for _, alg := range KeyAlgorithms {
		if err := CheckUsage(alg, DefaultUsage(alg)); err != nil {
			t.Errorf("the default usage of %s is refused: %v", alg, err)
		}
	}
	if CheckUsage(AlgorithmAES256, UsageSignVerify) == nil || CheckUsage(AlgorithmECP256, UsageWrapUnwrap) == nil {
		t.Error("CheckUsage accepts what no key manager does")
	}
	b := KeyBackend{Name: "test", Title: "the test KMS", Usages: map[string][]string{AlgorithmAES256: {UsageEncryptDecrypt}}}
	if err := b.CheckAlgorithm(AlgorithmRSA4096, ""); err == nil || !strings.Contains(err.Error(), "the test KMS cannot make rsa-4096 keys; it supports aes-256") {
		t.Errorf("unsupported algorithm: %v", err)
	}
	if err := b.CheckAlgorithm(AlgorithmAES256, UsageWrapUnwrap); err == nil || !strings.Contains(err.Error(), "the test KMS") {
		t.Errorf("unsupported usage: %v", err)
	}
	if b.DefaultUsage(AlgorithmAES256) != UsageEncryptDecrypt || b.DefaultUsage(AlgorithmECP384) != "" {
		t.Error("DefaultUsage")
	}
}
