package bundle

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hopscope/hopscope/diagnose"
)

// Markdown renders the report as report.md: plain text that reads well in a terminal or a mail
// and renders as Markdown. Every line goes through the redaction.
func Markdown(r Report) string {
	var b strings.Builder
	line := func(format string, args ...any) {
		b.WriteString(diagnose.Redact(fmt.Sprintf(format, args...)))
		b.WriteByte('\n')
	}
	line("# Must-gather report")
	line("")
	line("Written %s by `%s`. The inputs it was made from are in `inputs/`, trimmed (see Files).", r.Generated, r.Command)
	line("")
	line("## Symptom")
	line("")
	if len(r.Symptom.Seen) == 0 && len(r.Symptom.Text) == 0 {
		line("No error text was given: what the client saw is not known. Add it (the status, the fault body, the error line) before escalating.")
	}
	for _, s := range r.Symptom.Seen {
		line("- %s", s)
	}
	if len(r.Symptom.Text) > 0 {
		line("")
		line("What the client saw:")
		line("")
		line("```")
		for _, l := range r.Symptom.Text {
			line("%s", strings.ReplaceAll(l, "```", "'''"))
		}
		line("```")
	}
	line("")
	line("## Verdict per hop")
	line("")
	for _, h := range r.Hops {
		counts := ""
		if h.Failed+h.Worked > 0 {
			counts = fmt.Sprintf(", %d attempts failed, %d worked", h.Failed, h.Worked)
		}
		role := ""
		if h.Role != "" && !strings.HasPrefix(h.Hop, h.Role) {
			role = " (" + h.Role + ")"
		}
		if h.State == "healthy" {
			line("### %s%s: healthy%s", h.Hop, role, counts)
			line("")
			continue
		}
		line("### %s%s: %s (%.0f%%%s)", h.Hop, role, h.Verdict, 100*h.Confidence, counts)
		line("")
		line("%s", h.Title)
		line("")
		for _, f := range h.For {
			line("- for: %s", f)
		}
		for _, a := range h.Against {
			line("- against: %s", a)
		}
		if len(h.Resolution) > 0 {
			line("")
			line("Resolution (who acts: %s):", strings.Join(h.Who, ", "))
			line("")
			for i, s := range h.Resolution {
				line("%d. %s", i+1, s)
			}
		}
		line("")
	}
	if len(r.Causes) > 1 {
		line("Other causes considered:")
		line("")
		for _, c := range r.Causes[1:] {
			line("- %.0f%% %s: %s", 100*c.Confidence, c.ID, c.Title)
		}
		line("")
	}
	line("## Decision-tree path")
	line("")
	if len(r.Path) == 0 {
		line("No step of any playbook was answered.")
	}
	for _, t := range r.Path {
		line("Playbook `%s`:", t.Playbook)
		line("")
		for i, s := range t.Steps {
			line("%d. %s **%s** (answered by %s %s: %s)", i+1, s.Ask, s.Answer, s.Kind, s.By, s.Detail)
		}
		switch {
		case t.Conclusion != "":
			line("")
			line("The path ends at `%s`.", t.Conclusion)
		case t.Next != "":
			line("")
			line("Not answered yet: %s", t.Next)
		}
		line("")
	}
	line("## Timeline")
	line("")
	line("| time (UTC) | source | signal | detail |")
	line("|---|---|---|---|")
	for _, e := range r.Timeline {
		at := e.At
		if at == "" {
			at = "—"
		}
		line("| %s | %s | %s | %s |", at, cell(e.Source), e.Signal, cell(e.Detail))
	}
	if r.TimelineOmitted > 0 {
		line("")
		line("%d more pieces of evidence are left out; `report.json` lists the first %d too.", r.TimelineOmitted, MaxTimeline)
	}
	line("")
	line("## Checks run")
	line("")
	if len(r.Checks) == 0 {
		n := 0
		for _, e := range r.Timeline {
			if e.Kind == string(diagnose.FromCheck) {
				n++
			}
		}
		if n == 0 {
			line("No live check was run.")
		} else {
			line("The checks' own summary was not kept; their %d results are on the timeline (source `check …`).", n)
		}
	}
	for _, c := range r.Checks {
		js, _ := json.MarshalIndent(c, "", "  ")
		line("```json")
		for _, l := range strings.Split(string(js), "\n") {
			line("%s", l)
		}
		line("```")
	}
	if len(r.Next) > 0 {
		line("")
		line("Worth checking next:")
		line("")
		for _, n := range r.Next {
			line("- %s: %s (%s) — `%s`", n.Check, n.Title, n.Why, n.How)
		}
	}
	line("")
	line("## Must gather (playbook `%s`)", r.Playbook)
	line("")
	for _, g := range r.MustGather {
		mark := map[string]string{Present: "[x]", Missing: "[ ]", NotApplicable: "[-]"}[g.Status]
		detail := g.Status
		if len(g.Files) > 0 {
			detail += ": " + strings.Join(g.Files, ", ")
		}
		if g.Note != "" {
			detail += " (" + g.Note + ")"
		}
		line("- %s %s — %s", mark, g.Item, detail)
	}
	line("")
	line("## Files")
	line("")
	line("The trimmed inputs show the failures; the verdicts and the failure pattern above were read from the whole inputs (a pattern such as sporadic failures needs the healthy requests that were cut).")
	line("")
	for _, f := range r.Files {
		line("- `%s` from `%s` (%s, %d bytes): %s", f.Path, f.From, f.Kind, f.Bytes, f.Cut)
	}
	if len(r.Notes) > 0 {
		line("")
		line("Not included:")
		line("")
		for _, n := range r.Notes {
			line("- %s", n)
		}
	}
	return b.String()
}

// cell keeps a table cell on one line and its pipes from splitting it.
func cell(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", "\\|")
}
