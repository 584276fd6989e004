package compliance

import (
	"fmt"
	"strings"
)

// GuideTable renders the catalogue for the Compliance guide: one section
// per control with what it checks, where, under which profiles, and the
// texts behind it.
func GuideTable() string {
	var b strings.Builder
	b.WriteString("| Control | Title | Resources | Attribute | Enforced by |\n|---|---|---|---|---|\n")
	for _, c := range Catalogue() {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | `%s` | %s |\n", c.ID, strings.ToLower(c.ID), cell(c.Title),
			kindList(c.Kinds), c.Attribute, strings.Join(c.Profiles, ", "))
	}
	for _, c := range Catalogue() {
		fmt.Fprintf(&b, "\n### %s\n\n**%s.** %s\n\n", c.ID, c.Title, c.Rationale)
		fmt.Fprintf(&b, "- Checks: `%s` on %s.\n", c.Attribute, kindList(c.Kinds))
		fmt.Fprintf(&b, "- Fix: %s\n", c.Fix)
		b.WriteString("- Sources:\n")
		for _, s := range c.Sources {
			status := "checked against the text"
			if !s.Verified {
				status = "**not verified** against the text"
			}
			fmt.Fprintf(&b, "  - [%s](%s) (binds: %s; %s): %s", s.Ref, s.URL, s.Binds, status, s.Summary)
			if s.Note != "" {
				fmt.Fprintf(&b, " _%s_", s.Note)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
