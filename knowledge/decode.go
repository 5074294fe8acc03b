package knowledge

import "go.yaml.in/yaml/v3"

// The UnmarshalYAML methods below record the line each item starts on, so that validation errors
// can point at it.

func (p *Playbook) UnmarshalYAML(n *yaml.Node) error {
	type plain Playbook
	p.Line = n.Line
	return n.Decode((*plain)(p))
}

func (c *Cause) UnmarshalYAML(n *yaml.Node) error {
	type plain Cause
	c.Line = n.Line
	return n.Decode((*plain)(c))
}

func (s *Step) UnmarshalYAML(n *yaml.Node) error {
	type plain Step
	s.Line = n.Line
	return n.Decode((*plain)(s))
}

func (b *Branch) UnmarshalYAML(n *yaml.Node) error {
	type plain Branch
	b.Line = n.Line
	return n.Decode((*plain)(b))
}

func (s *Signal) UnmarshalYAML(n *yaml.Node) error {
	type plain Signal
	s.Line = n.Line
	return n.Decode((*plain)(s))
}

func (c *Check) UnmarshalYAML(n *yaml.Node) error {
	type plain Check
	c.Line = n.Line
	return n.Decode((*plain)(c))
}

func (r *Recognizer) UnmarshalYAML(n *yaml.Node) error {
	type plain Recognizer
	r.Line = n.Line
	return n.Decode((*plain)(r))
}
