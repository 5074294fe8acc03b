package diagnose

import (
	"slices"
	"sort"

	"github.com/hopscope/hopscope/knowledge"
)

// Assessment is what the evidence says at one moment.
type Assessment struct {
	// Causes ranked, most likely first (UnknownCause among them).
	Causes []RankedCause
	// Next holds the checks worth running, best first.
	Next []NextCheck
	// Trees holds the position in every playbook's tree, the most relevant playbook first.
	Trees []TreePosition
	// Moves says which causes moved since the previous assessment, and because of what.
	Moves []Move
}

// Move is a change in one cause's confidence between two assessments.
type Move struct {
	Cause    string
	From, To float64
	// Because is the newly seen signal that moved the cause most (zero when none did).
	Because Contribution
}

// Session is one investigation: the ledger of evidence in arrival order, the engine ranking it,
// and the last assessment, recomputed only when evidence changed it.
type Session struct {
	engine  *Engine
	ledger  []Evidence
	fresh   []string // signals first seen since the last assessment
	last    *Assessment
	dirty   bool
	lastAt  map[string]float64
	nextMax int
}

// NewSession starts an investigation with no evidence.
func NewSession(kb *knowledge.Base) *Session {
	return &Session{engine: NewEngine(kb), dirty: true, lastAt: map[string]float64{}, nextMax: 3}
}

// Knowledge returns the knowledge base of the session.
func (s *Session) Knowledge() *knowledge.Base { return s.engine.kb }

// Engine returns the session's engine.
func (s *Session) Engine() *Engine { return s.engine }

// Add records evidence (its detail redacted) and updates the ranking.
func (s *Session) Add(ev Evidence) {
	ev.Detail = Redact(ev.Detail)
	s.ledger = append(s.ledger, ev)
	if s.engine.Add(ev) {
		s.fresh = append(s.fresh, ev.Signal)
		s.dirty = true
	}
}

// Ledger returns the evidence in arrival order. The caller must not modify it.
func (s *Session) Ledger() []Evidence { return s.ledger }

// Assess returns the current assessment. It is recomputed only after evidence changed the
// ranking; otherwise the previous one is returned as it was.
func (s *Session) Assess() *Assessment {
	if !s.dirty && s.last != nil {
		return s.last
	}
	e := s.engine
	a := &Assessment{Causes: e.Rank(), Next: e.Next(s.nextMax)}
	mass := map[string]float64{}
	for _, rc := range a.Causes {
		mass[rc.Cause.Playbook] += rc.Confidence
	}
	for _, p := range e.kb.Playbooks {
		a.Trees = append(a.Trees, e.Position(p))
	}
	sort.SliceStable(a.Trees, func(i, j int) bool {
		return mass[a.Trees[i].Playbook.ID] > mass[a.Trees[j].Playbook.ID]
	})
	for _, rc := range a.Causes {
		from, had := s.lastAt[rc.Cause.ID]
		if s.last == nil {
			had, from = true, rc.Confidence
		}
		if !had || from != rc.Confidence {
			a.Moves = append(a.Moves, Move{Cause: rc.Cause.ID, From: from, To: rc.Confidence, Because: s.because(rc)})
		}
		s.lastAt[rc.Cause.ID] = rc.Confidence
	}
	s.fresh = s.fresh[:0]
	s.last, s.dirty = a, false
	return a
}

// because picks, among the signals new since the last assessment, the one that moved the cause
// most in either direction.
func (s *Session) because(rc RankedCause) Contribution {
	var best Contribution
	bestW := 0.0
	for _, list := range [][]Contribution{rc.For, rc.Against} {
		for _, c := range list {
			w := c.Factor
			if w < 1 {
				w = 1 / w
			}
			if w > bestW && slices.Contains(s.fresh, c.Signal) {
				best, bestW = c, w
			}
		}
	}
	return best
}
