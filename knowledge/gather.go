package knowledge

import (
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// GatherItem is one entry of a playbook's must-gather list: what the next level of support needs,
// and how a report tells whether the investigation's inputs hold it.
//
// In YAML an item is either a plain string (something only a person can add, such as the API
// proxy's name) or a mapping:
//
//   - item: The proxy's access and error logs for the same minutes.
//     inputs: [kind:squid-access, name:*proxy*.log]
//     when: [proxy.connect.status.403]
type GatherItem struct {
	Pos  `yaml:"-"`
	Item string `yaml:"item" json:"item"`
	// Inputs match the inputs that hold the item: "kind:K" an input read as kind K (pcap,
	// pcapng, text, squid-access, apache-error, check, …; a trailing "*" matches any kind with
	// that prefix), "name:GLOB" an input whose file name matches GLOB (path.Match syntax).
	Inputs []string `yaml:"inputs" json:"inputs,omitempty"`
	// When, if set, limits the item to investigations that saw one of these signals; otherwise it
	// is not applicable (a trace that shows the Host header matters only for a refused CONNECT).
	When []string `yaml:"when" json:"when,omitempty"`
}

// String returns the item's text, so that the list prints as it reads in the playbook.
func (g GatherItem) String() string { return g.Item }

// UnmarshalYAML accepts a plain string or a mapping.
func (g *GatherItem) UnmarshalYAML(n *yaml.Node) error {
	g.Line = n.Line
	if n.Kind == yaml.ScalarNode {
		g.Item = n.Value
		return nil
	}
	type plain GatherItem
	return n.Decode((*plain)(g))
}

// Matches reports whether an input of this kind and path holds the item.
func (g GatherItem) Matches(kind, file string) bool {
	base := path.Base(strings.ReplaceAll(file, "\\", "/"))
	for _, m := range g.Inputs {
		what, pat, _ := strings.Cut(m, ":")
		switch what {
		case "kind":
			if p, ok := strings.CutSuffix(pat, "*"); ok && strings.HasPrefix(kind, p) || kind == pat {
				return true
			}
		case "name":
			if ok, _ := path.Match(pat, base); ok {
				return true
			}
		}
	}
	return false
}

// validateGather checks an item's matchers and signals.
func (b *Base) validateGather(p *Playbook, bad func(Pos, string, ...any)) {
	for _, g := range p.MustGather {
		if strings.TrimSpace(g.Item) == "" {
			bad(g.Pos, "must-gather item of %q has no text", p.ID)
		}
		for _, m := range g.Inputs {
			what, pat, _ := strings.Cut(m, ":")
			switch {
			case what != "kind" && what != "name" || pat == "":
				bad(g.Pos, "must-gather input %q: want kind:KIND or name:GLOB", m)
			case what == "name":
				if _, err := path.Match(pat, ""); err != nil {
					bad(g.Pos, "must-gather input %q: %v", m, err)
				}
			}
		}
		for _, s := range g.When {
			if !b.hasSignal(s) {
				bad(g.Pos, "must-gather item names unknown signal %q", s)
			}
		}
	}
}
