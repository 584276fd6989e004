package conformance

import (
	"fmt"
	"io"
	"strings"
)

// Report is what one `make conformance` measured.
type Report struct {
	// CLI is the Terraform CLI the tests drove, as tfcli describes it.
	CLI string
	// Date is when it ran (YYYY-MM-DD).
	Date       string
	Suites     []SuiteResult
	Warehouses []WarehouseResult
}

// WriteMarkdown writes the checked-in table (internal/emulator/CONFORMANCE.md).
func (r Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# Emulator conformance\n\n")
	b.WriteString("Written by `make conformance` (internal/conformance); do not edit by hand.\n\n")
	b.WriteString("The emulator is measured against code its authors did not write: the official OUTSCALE and\n")
	b.WriteString("OVHcloud Terraform providers, at pinned versions fetched from the Go module proxy, run their own\n")
	b.WriteString("acceptance tests against it, and a warehouse written with their resources is applied, re-planned,\n")
	b.WriteString("imported and destroyed through the real CLI. Tests that need what no emulator can give are listed\n")
	b.WriteString("with the reason and not run.\n\n")
	fmt.Fprintf(&b, "Run on %s with %s.\n\n", r.Date, r.CLI)
	b.WriteString("Where a provider cannot be fetched, its tests are reported `blocked`, and what still checks the\n")
	b.WriteString("emulator against it are the replays that `make test` runs: the calls each official resource makes, in\n")
	b.WriteString("order and with the bodies it sends, as read from its source, over raw HTTP and checked against the\n")
	b.WriteString("vendors' published API descriptions (`internal/emulator/outscale_official_test.go`,\n")
	b.WriteString("`internal/emulator/ovh_official_test.go`, the OKMS service-key tests `TestServiceKey*` in `internal/emulator/ovh/okms_test.go`).\n\n")

	b.WriteString("| provider | acceptance tests passed | warehouse |\n|---|---|---|\n")
	for _, s := range r.Suites {
		passed, selected := s.Counts()
		tests := fmt.Sprintf("%d of %d", passed, selected)
		if s.Blocked != "" {
			tests = fmt.Sprintf("not run here (%d selected)", selected)
		}
		fmt.Fprintf(&b, "| `%s@%s` | %s | %s |\n", s.Suite.Module, s.Suite.Version, tests, r.warehouseSummary(s.Suite.Cloud))
	}
	b.WriteString("\n")

	for _, s := range r.Suites {
		fmt.Fprintf(&b, "## %s: `%s@%s`\n\n", cloudTitle(s.Suite.Cloud), s.Suite.Module, s.Suite.Version)
		if s.Blocked != "" {
			fmt.Fprintf(&b, "**Not run on this machine**: %s\n\n", cell(s.Blocked))
		}
		b.WriteString("| acceptance test | covers | result | cause |\n|---|---|---|---|\n")
		for _, res := range s.Results {
			cause := res.Cause
			if res.Status == Blocked {
				cause = "see above"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", res.Test, cell(res.Covers), res.Status, cell(cause))
		}
		b.WriteString("\n")
	}

	if len(r.Warehouses) > 0 {
		b.WriteString("## Warehouse written with the official resources\n\n")
		b.WriteString("| cloud | step | result | detail |\n|---|---|---|---|\n")
		for _, wh := range r.Warehouses {
			for _, st := range wh.Steps {
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cloudTitle(wh.Cloud), st.Name, st.Status, cell(st.Detail))
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r Report) warehouseSummary(cloud string) string {
	for _, wh := range r.Warehouses {
		if wh.Cloud != cloud {
			continue
		}
		passed := 0
		for _, st := range wh.Steps {
			if st.Status == Pass {
				passed++
			}
		}
		return fmt.Sprintf("%d of %d steps", passed, len(wh.Steps))
	}
	return "not run"
}

func cloudTitle(cloud string) string {
	switch cloud {
	case "outscale":
		return "OUTSCALE"
	case "ovh":
		return "OVHcloud"
	}
	return cloud
}

// cell makes s safe in one Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}
