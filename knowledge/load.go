package knowledge

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

//go:embed data
var embedded embed.FS

// Error is a problem in a knowledge file, with where it is.
type Error struct {
	File   string
	Line   int
	Reason string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Reason)
}

// Default returns the knowledge embedded in the binary, loaded once.
var Default = sync.OnceValues(func() (*Base, error) {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		return nil, err
	}
	return Load(sub)
})

// Load reads and validates a knowledge tree laid out as the embedded one:
// playbooks/*.yaml (one playbook each), signals/*.yaml (a list of signals each),
// checks.yaml and recognizers.yaml. It returns every problem found, each with file and line.
func Load(fsys fs.FS) (*Base, error) {
	b := &Base{}
	var errs []error
	files, err := fs.Glob(fsys, "playbooks/*.yaml")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, &Error{File: "playbooks", Reason: "no playbook files (*.yaml) found"}
	}
	for _, f := range files {
		var p Playbook
		if err := decodeFile(fsys, f, &p); err != nil {
			errs = append(errs, err)
			continue
		}
		setFile(f, &p)
		b.Playbooks = append(b.Playbooks, &p)
	}
	sigFiles, err := fs.Glob(fsys, "signals/*.yaml")
	if err != nil {
		return nil, err
	}
	for _, f := range sigFiles {
		var list []*Signal
		if err := decodeFile(fsys, f, &list); err != nil {
			errs = append(errs, err)
			continue
		}
		for _, s := range list {
			s.File = f
		}
		b.Signals = append(b.Signals, list...)
	}
	if err := decodeFile(fsys, "checks.yaml", &b.Checks); err != nil {
		errs = append(errs, err)
	}
	for _, c := range b.Checks {
		c.File = "checks.yaml"
	}
	if err := decodeFile(fsys, "recognizers.yaml", &b.Recognizers); err != nil {
		errs = append(errs, err)
	}
	for _, r := range b.Recognizers {
		r.File = "recognizers.yaml"
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := b.index(); err != nil {
		return nil, err
	}
	return b, nil
}

func decodeFile(fsys fs.FS, name string, v any) error {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return &Error{File: name, Reason: err.Error()}
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		return &Error{File: name, Line: yamlLine(err), Reason: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	return nil
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// yamlLine pulls the line number out of a yaml error message (the library does not expose it).
func yamlLine(err error) int {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}

func setFile(f string, p *Playbook) {
	p.File = f
	for _, c := range p.Causes {
		c.File = f
		c.Playbook = p.ID
	}
	for i := range p.MustGather {
		p.MustGather[i].File = f
	}
	for _, s := range p.Tree.Steps {
		s.File = f
		for _, br := range s.Branches {
			br.File = f
		}
	}
}

func (b *Base) hasCause(id string) bool  { _, ok := b.causeIndex[id]; return ok }
func (b *Base) hasSignal(id string) bool { _, ok := b.signalIndex[id]; return ok }
func (b *Base) hasCheck(id string) bool  { _, ok := b.checkIndex[id]; return ok }

// Likelihood is the probability of the signal under the cause.
func (s *Signal) Likelihood(cause string) Level {
	if cause == UnknownCause {
		return s.Unknown
	}
	if l, ok := s.Likely[cause]; ok {
		return l
	}
	return s.Default
}

// Cause returns a cause by id.
func (b *Base) Cause(id string) (*Cause, bool) {
	i, ok := b.causeIndex[id]
	if !ok {
		return nil, false
	}
	return b.Causes[i], true
}

// CauseIndex returns the position of a cause in Causes.
func (b *Base) CauseIndex(id string) (int, bool) {
	i, ok := b.causeIndex[id]
	return i, ok
}

// Signal returns a signal by id.
func (b *Base) Signal(id string) (*Signal, bool) {
	i, ok := b.signalIndex[id]
	if !ok {
		return nil, false
	}
	return b.Signals[i], true
}

// Check returns a check by id.
func (b *Base) Check(id string) (*Check, bool) {
	i, ok := b.checkIndex[id]
	if !ok {
		return nil, false
	}
	return b.Checks[i], true
}

// Playbook returns a playbook by id.
func (b *Base) Playbook(id string) (*Playbook, bool) {
	for _, p := range b.Playbooks {
		if p.ID == id {
			return p, true
		}
	}
	return nil, false
}

// Step returns a step of the playbook's tree by id.
func (p *Playbook) Step(id string) (*Step, bool) {
	for _, s := range p.Tree.Steps {
		if s.ID == id {
			return s, true
		}
	}
	return nil, false
}

// NeedsContext reports whether the recognizer only applies after an earlier line matched After.
func (r *Recognizer) NeedsContext() bool { return r.after != nil }

// MatchContext reports whether a line satisfies the recognizer's After condition.
func (r *Recognizer) MatchContext(line string) bool {
	return r.after != nil && r.after.MatchString(line)
}

// Match reports whether the recognizer matches the text and its Unless expression does not.
func (r *Recognizer) Match(text string) bool {
	var ok bool
	if r.re != nil {
		ok = r.re.MatchString(text)
	} else {
		ok = strings.Contains(text, r.Contains)
	}
	return ok && (r.unless == nil || !r.unless.MatchString(text))
}
