package compliance

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Report is the outcome of the controls over a whole warehouse: what a
// tender evaluator hands in. It carries no timestamp, so that reading the
// same warehouse twice gives the same report.
type Report struct {
	Title    string    `json:"title"`
	Profile  string    `json:"profile"`
	Cloud    string    `json:"cloud"`
	Region   string    `json:"region"`
	Summary  Summary   `json:"summary"`
	Findings []Finding `json:"findings"`
}

// Summary counts findings by status.
type Summary struct {
	Pass          int  `json:"pass"`
	Fail          int  `json:"fail"`
	Excepted      int  `json:"excepted"`
	NotApplicable int  `json:"not_applicable"`
	Unknown       int  `json:"unknown"`
	Compliant     bool `json:"compliant"` // no enforced control fails
}

// NewReport sorts findings by control then subject and counts them.
func NewReport(title, profile, cloudName, region string, findings []Finding) Report {
	sorted := append([]Finding(nil), findings...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Control != sorted[j].Control {
			return sorted[i].Control < sorted[j].Control
		}
		if sorted[i].Kind != sorted[j].Kind {
			return sorted[i].Kind < sorted[j].Kind
		}
		return sorted[i].Subject < sorted[j].Subject
	})
	r := Report{Title: title, Profile: profile, Cloud: cloudName, Region: region, Findings: sorted}
	for _, f := range sorted {
		switch f.Status {
		case StatusPass:
			r.Summary.Pass++
		case StatusFail:
			r.Summary.Fail++
		case StatusExcepted:
			r.Summary.Excepted++
		case StatusNotApplicable:
			r.Summary.NotApplicable++
		case StatusUnknown:
			r.Summary.Unknown++
		}
	}
	r.Summary.Compliant = len(Violations(sorted)) == 0
	return r
}

// JSON renders the report as indented JSON.
func (r Report) JSON() string {
	b, _ := json.MarshalIndent(r, "", "  ") // a Report always marshals
	return string(b) + "\n"
}

// Markdown renders the report for people: a verdict, a table of findings,
// then the sources of every control it used.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", r.Title)
	fmt.Fprintf(&b, "Profile **%s**, cloud **%s**, region **%s**.\n\n", r.Profile, r.Cloud, r.Region)
	verdict := "**Compliant**: no control the profile enforces fails."
	if !r.Summary.Compliant {
		verdict = "**Not compliant**: at least one control the profile enforces fails."
	}
	fmt.Fprintf(&b, "%s %d pass, %d fail, %d excepted, %d not applicable, %d unknown.\n\n",
		verdict, r.Summary.Pass, r.Summary.Fail, r.Summary.Excepted, r.Summary.NotApplicable, r.Summary.Unknown)
	b.WriteString("| Control | Title | Resource | Status | Evidence |\n|---|---|---|---|---|\n")
	used := map[string]bool{}
	for _, f := range r.Findings {
		status := string(f.Status)
		if f.Status == StatusFail && !f.Enforced {
			status += " (not enforced by this profile)"
		}
		evidence := f.Evidence
		if f.Detail != "" {
			evidence += ". " + f.Detail
		}
		fmt.Fprintf(&b, "| %s | %s | %s `%s` | %s | %s |\n", f.Control, cell(f.Title), f.Kind, cell(f.Subject), status, cell(evidence))
		used[f.Control] = true
	}
	b.WriteString("\n## Sources\n\n")
	for _, c := range Catalogue() {
		if !used[c.ID] {
			continue
		}
		fmt.Fprintf(&b, "- **%s** %s\n", c.ID, c.Title)
		for _, s := range c.Sources {
			mark := ""
			if !s.Verified {
				mark = " _(reference not verified against the official text)_"
			}
			note := ""
			if s.Note != "" {
				note = " " + s.Note
			}
			fmt.Fprintf(&b, "  - %s: %s (%s; binds: %s)%s%s\n", s.Ref, s.Summary, s.URL, s.Binds, note, mark)
		}
	}
	return b.String()
}

// cell keeps a value inside one Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
