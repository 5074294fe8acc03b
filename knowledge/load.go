package knowledge

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
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
	for _, s := range p.Tree.Steps {
		s.File = f
		for _, br := range s.Branches {
			br.File = f
		}
	}
}

// index builds the lookup tables and validates cross references.
func (b *Base) index() error {
	var errs []error
	bad := func(p Pos, format string, args ...any) {
		errs = append(errs, &Error{File: p.File, Line: p.Line, Reason: fmt.Sprintf(format, args...)})
	}
	b.causeIndex = map[string]int{}
	b.signalIndex = map[string]int{}
	b.checkIndex = map[string]int{}

	seenPlaybook := map[string]bool{}
	for _, p := range b.Playbooks {
		if p.ID == "" {
			bad(p.Pos, "playbook has no id")
		} else if seenPlaybook[p.ID] {
			bad(p.Pos, "duplicate playbook id %q", p.ID)
		}
		seenPlaybook[p.ID] = true
		if len(p.Causes) == 0 {
			bad(p.Pos, "playbook %q has no causes", p.ID)
		}
		for _, c := range p.Causes {
			switch {
			case c.ID == "":
				bad(c.Pos, "cause has no id")
				continue
			case c.ID == UnknownCause:
				bad(c.Pos, "cause id %q is reserved", UnknownCause)
				continue
			case b.hasCause(c.ID):
				bad(c.Pos, "duplicate cause id %q", c.ID)
				continue
			}
			if c.Title == "" || c.Explanation == "" || len(c.Resolution) == 0 {
				bad(c.Pos, "cause %q needs a title, an explanation and a resolution", c.ID)
			}
			if c.Prior == 0 {
				c.Prior = 1
			}
			if c.Prior < 0 {
				bad(c.Pos, "cause %q has a negative prior", c.ID)
			}
			b.causeIndex[c.ID] = len(b.Causes)
			b.Causes = append(b.Causes, c)
		}
	}
	b.causeIndex[UnknownCause] = len(b.Causes)
	b.Causes = append(b.Causes, &Cause{
		ID:          UnknownCause,
		Title:       "None of the known causes",
		Explanation: "The evidence contradicts every cause hopscope knows, or fits none of them well.",
		Resolution:  []string{"Gather the playbook's must-gather list and escalate with the evidence hopscope collected."},
		Who:         []string{"next level of support"},
		Prior:       0.5,
	})

	sort.SliceStable(b.Signals, func(i, j int) bool { return b.Signals[i].ID < b.Signals[j].ID })
	for i, s := range b.Signals {
		if s.ID == "" {
			bad(s.Pos, "signal has no id")
			continue
		}
		if _, dup := b.signalIndex[s.ID]; dup {
			bad(s.Pos, "duplicate signal id %q", s.ID)
			continue
		}
		b.signalIndex[s.ID] = i
		if s.Title == "" {
			bad(s.Pos, "signal %q has no title", s.ID)
		}
		for c := range s.Likely {
			if !b.hasCause(c) {
				bad(s.Pos, "signal %q names unknown cause %q", s.ID, c)
			}
		}
		if s.Default == 0 {
			s.Default = DefaultLevel
		}
		if s.Unknown == 0 {
			s.Unknown = b.derivedUnknown(s)
		}
	}

	for i, c := range b.Checks {
		if c.ID == "" {
			bad(c.Pos, "check has no id")
			continue
		}
		if _, dup := b.checkIndex[c.ID]; dup {
			bad(c.Pos, "duplicate check id %q", c.ID)
			continue
		}
		b.checkIndex[c.ID] = i
		switch c.Kind {
		case "probe", "capture", "logs", "operator":
		default:
			bad(c.Pos, "check %q has kind %q: use probe, capture, logs or operator", c.ID, c.Kind)
		}
		if len(c.Outcomes) < 2 {
			bad(c.Pos, "check %q needs at least two outcomes", c.ID)
		}
		for _, o := range c.Outcomes {
			if !b.hasSignal(o) {
				bad(c.Pos, "check %q names unknown signal %q", c.ID, o)
			}
		}
	}

	for _, r := range b.Recognizers {
		switch {
		case (r.Contains == "") == (r.Regex == ""):
			bad(r.Pos, "recognizer needs exactly one of contains or regex")
		case r.Regex != "":
			re, err := regexp.Compile(r.Regex)
			if err != nil {
				bad(r.Pos, "recognizer regex: %v", err)
			}
			r.re = re
		}
		if r.After != "" {
			re, err := regexp.Compile(r.After)
			if err != nil {
				bad(r.Pos, "recognizer after: %v", err)
			}
			r.after = re
		}
		if len(r.Signals) == 0 {
			bad(r.Pos, "recognizer has no signals")
		}
		for _, s := range r.Signals {
			if !b.hasSignal(s) {
				bad(r.Pos, "recognizer names unknown signal %q", s)
			}
		}
	}

	for _, p := range b.Playbooks {
		b.validateTree(p, bad)
	}
	if len(errs) == 0 {
		b.validateSeparable(bad)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return nil
}

func (b *Base) validateTree(p *Playbook, bad func(Pos, string, ...any)) {
	steps := map[string]*Step{}
	for _, s := range p.Tree.Steps {
		if s.ID == "" {
			bad(s.Pos, "step has no id")
			continue
		}
		if steps[s.ID] != nil {
			bad(s.Pos, "duplicate step id %q", s.ID)
			continue
		}
		steps[s.ID] = s
	}
	if steps[p.Tree.Start] == nil {
		bad(p.Pos, "playbook %q: tree start %q is not a step", p.ID, p.Tree.Start)
		return
	}
	for _, s := range p.Tree.Steps {
		if s.Ask == "" {
			bad(s.Pos, "step %q has no question (ask)", s.ID)
		}
		if s.Check != "" && !b.hasCheck(s.Check) {
			bad(s.Pos, "step %q names unknown check %q", s.ID, s.Check)
		}
		if len(s.Branches) < 2 {
			bad(s.Pos, "step %q needs at least two branches", s.ID)
		}
		for _, br := range s.Branches {
			if (br.Next == "") == (br.Conclude == "") {
				bad(br.Pos, "branch %q of step %q needs exactly one of next or conclude", br.Label, s.ID)
			}
			if br.Next != "" && steps[br.Next] == nil {
				bad(br.Pos, "branch %q of step %q goes to unknown step %q", br.Label, s.ID, br.Next)
			}
			if br.Conclude != "" && !b.hasCause(br.Conclude) {
				bad(br.Pos, "branch %q of step %q concludes unknown cause %q", br.Label, s.ID, br.Conclude)
			}
			if len(br.When) == 0 {
				bad(br.Pos, "branch %q of step %q has no signals (when)", br.Label, s.ID)
			}
			for _, w := range br.When {
				if !b.hasSignal(w) {
					bad(br.Pos, "branch %q of step %q names unknown signal %q", br.Label, s.ID, w)
				}
			}
		}
	}
	reached := map[string]bool{}
	var walk func(id string)
	walk = func(id string) {
		if reached[id] || steps[id] == nil {
			return
		}
		reached[id] = true
		for _, br := range steps[id].Branches {
			if br.Next != "" {
				walk(br.Next)
			}
		}
	}
	walk(p.Tree.Start)
	for _, s := range p.Tree.Steps {
		if s.ID != "" && !reached[s.ID] {
			bad(s.Pos, "step %q cannot be reached from the tree's start %q", s.ID, p.Tree.Start)
		}
	}
}

// separationRatio is how much two causes' likelihoods for one signal must differ for that signal
// to tell them apart: a factor of two is the least that moves a ranking visibly.
const separationRatio = 2.0

// validateSeparable checks that every pair of known causes has at least one signal that tells
// them apart; otherwise no evidence could ever rank one above the other.
func (b *Base) validateSeparable(bad func(Pos, string, ...any)) {
	known := b.Causes[:len(b.Causes)-1]
	for i, a := range known {
		for _, c := range known[i+1:] {
			if !b.separable(a.ID, c.ID) {
				bad(c.Pos, "no signal tells cause %q apart from %q: give one of them a signal the other lacks", c.ID, a.ID)
			}
		}
	}
}

func (b *Base) separable(a, c string) bool {
	for _, s := range b.Signals {
		x, y := float64(s.Likelihood(a)), float64(s.Likelihood(c))
		if x >= y*separationRatio || y >= x*separationRatio {
			return true
		}
	}
	return false
}

// derivedUnknown gives UnknownCause a likelihood for a signal whose file does not set one: the
// median over the known causes, kept within [0.05, 0.5]. A signal most causes expect then barely
// moves "unknown", while a signal that only one cause expects counts against it.
func (b *Base) derivedUnknown(s *Signal) Level {
	vals := make([]float64, 0, len(b.Causes))
	for _, c := range b.Causes {
		if c.ID != UnknownCause {
			vals = append(vals, float64(s.Likelihood(c.ID)))
		}
	}
	sort.Float64s(vals)
	m := vals[len(vals)/2]
	return Level(min(max(m, 0.05), 0.5))
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
func (r *Recognizer) MatchContext(line string) bool { return r.after != nil && r.after.MatchString(line) }

// Match reports whether the recognizer matches the text.
func (r *Recognizer) Match(text string) bool {
	if r.re != nil {
		return r.re.MatchString(text)
	}
	return strings.Contains(text, r.Contains)
}
