package playbook

import (
	"fmt"
	"strings"

	"charm.land/glamour/v2"

	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/common"
)

// Markdown writes a playbook as a markdown document.
func Markdown(p *knowledge.Playbook, kb *knowledge.Base) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n\n## Symptoms\n\n", p.Title, strings.TrimSpace(p.Summary))
	for _, s := range p.Symptoms {
		fmt.Fprintf(&b, "- %s\n", s)
	}
	b.WriteString("\n## Steps\n\n")
	number := map[string]int{}
	for i, s := range p.Tree.Steps {
		number[s.ID] = i + 1
	}
	for i, s := range p.Tree.Steps {
		fmt.Fprintf(&b, "%d. **%s**", i+1, s.Ask)
		if s.Help != "" {
			fmt.Fprintf(&b, " %s", s.Help)
		}
		if kb != nil {
			if ch, ok := kb.Check(s.Check); ok {
				fmt.Fprintf(&b, " Check: `%s`.", ch.How)
			}
		}
		b.WriteString("\n")
		for _, br := range s.Branches {
			to := fmt.Sprintf("step %d", number[br.Next])
			if br.Conclude != "" {
				to = "**" + br.Conclude + "**"
			}
			fmt.Fprintf(&b, "   - %s → %s\n", br.Label, to)
		}
	}
	b.WriteString("\n## Causes\n")
	for _, c := range p.Causes {
		fmt.Fprintf(&b, "\n### %s\n\n*%s*\n\n%s\n\nResolution:\n\n", c.Title, c.ID, strings.TrimSpace(c.Explanation))
		for i, r := range c.Resolution {
			fmt.Fprintf(&b, "%d. %s\n", i+1, r)
		}
		if len(c.Who) > 0 {
			fmt.Fprintf(&b, "\nWho acts: %s.\n", strings.Join(c.Who, ", "))
		}
	}
	b.WriteString("\n## Must gather\n\n")
	for _, g := range p.MustGather {
		fmt.Fprintf(&b, "- %s\n", g)
	}
	return b.String()
}

// render turns the playbook into lines of at most width cells. The "dark" style's colours are
// brought down to what the terminal can show (16 colours, or none under NO_COLOR) by the program's
// renderer. If markdown rendering fails, the plain text is shown wrapped.
func render(kb *knowledge.Base, p *knowledge.Playbook, width int) []string {
	md := Markdown(p, kb)
	if width < 20 {
		return common.Wrap(md, max(width, 1))
	}
	r, err := glamour.NewTermRenderer(glamour.WithStandardStyle("dark"), glamour.WithWordWrap(width-2))
	if err == nil {
		var out string
		if out, err = r.Render(md); err == nil {
			return strings.Split(strings.Trim(out, "\n"), "\n")
		}
	}
	return common.Wrap(md, width)
}
