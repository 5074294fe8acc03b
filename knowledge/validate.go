package knowledge

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
)

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
		for _, o := range append(append([]string(nil), c.Outcomes...), c.Unless...) {
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
			r.hints = patternHints(r.Regex)
		default:
			r.hints = [][]byte{lower(r.Contains)}
		}
		if r.After != "" {
			re, err := regexp.Compile(r.After)
			if err != nil {
				bad(r.Pos, "recognizer after: %v", err)
			}
			r.after = re
		}
		if r.Unless != "" {
			re, err := regexp.Compile(r.Unless)
			if err != nil {
				bad(r.Pos, "recognizer unless: %v", err)
			}
			r.unless = re
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
		b.validateGather(p, bad)
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
