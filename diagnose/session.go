package diagnose

import (
	"slices"
	"sort"

	"github.com/hopscope/hopscope/internal/termtext"
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
	// Hops holds the verdict of every hop with failing attempts, the most failed first; Causes,
	// Next and Trees above are those of the selected one (the first unless the operator picked
	// another). Empty when no source reported attempts.
	Hops []*Verdict
	// Selected indexes the verdict in Hops that Causes stands for.
	Selected int
	// Healthy lists the hops whose attempts all worked.
	Healthy []*Hop
	// NoFailure is set when sources reported attempts and none failed: the input shows no
	// failure, and Causes rank only the evidence about the incident as a whole.
	NoFailure bool
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
	engine *Engine // every piece of evidence, as one set
	// wide holds the evidence about the incident as a whole (not tied to one hop); each hop's
	// verdict starts from it.
	wide     *Engine
	incident *Incident
	selected string // the hop the operator picked (HopKey.String), "" for the worst

	ledger  []Evidence
	fresh   []string // signals first seen since the last assessment
	last    *Assessment
	dirty   bool
	lastAt  map[string]float64
	nextMax int
}

// NewSession starts an investigation with no evidence.
func NewSession(kb *knowledge.Base) *Session {
	return &Session{engine: NewEngine(kb), wide: NewEngine(kb), incident: NewIncident(), dirty: true, lastAt: map[string]float64{}, nextMax: 3}
}

// Knowledge returns the knowledge base of the session.
func (s *Session) Knowledge() *knowledge.Base { return s.engine.kb }

// Engine returns the session's engine.
func (s *Session) Engine() *Engine { return s.engine }

// Add records evidence (its detail redacted) and updates the ranking; recorded says whether it
// made a row in the ledger (evidence that only carries attempts makes none).
func (s *Session) Add(ev Evidence) (recorded bool) {
	for _, a := range ev.Attempts {
		s.AddAttempt(a)
	}
	if ev.Signal == "" {
		return false // attempts only: no row in the ledger
	}
	ev.Attempts = nil
	// A detail is prose for a person, often quoting a log line or a peer's answer: secrets go,
	// and the controls a terminal would obey are written as escapes.
	ev.Detail = termtext.EscapeKeepNewlines(Redact(ev.Detail))
	s.ledger = append(s.ledger, ev)
	if s.engine.Add(ev) {
		s.fresh = append(s.fresh, ev.Signal)
		s.dirty = true
	}
	if ev.Hop == "" && s.wide.Add(ev) {
		s.dirty = true
	}
	return true
}

// AddAttempt records one attempt a source saw; its hop's verdict is recomputed at the next
// assessment.
func (s *Session) AddAttempt(a Attempt) {
	s.incident.Add(a)
	for _, sig := range a.Signals {
		if !slices.Contains(s.fresh, sig) {
			s.fresh = append(s.fresh, sig)
		}
	}
	s.dirty = true
}

// Incident returns the attempts seen so far, grouped into hops.
func (s *Session) Incident() *Incident { return s.incident }

// SelectHop makes the hop named (HopKey.String) the one the assessment's causes stand for; ""
// goes back to the worst. It reports whether such a failing hop exists.
func (s *Session) SelectHop(hop string) bool {
	if hop != "" {
		found := false
		for _, h := range s.incident.hops {
			if h.Failed > 0 && h.Key.String() == hop {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if s.selected != hop {
		s.selected, s.dirty = hop, true
	}
	return true
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
	a := &Assessment{}
	if !s.incident.Empty() {
		e = s.wide
		hops := s.incident.Hops()
		for _, h := range hops {
			if h.Failed == 0 {
				a.Healthy = append(a.Healthy, h)
				continue
			}
			var downstream []*Hop
			for _, d := range hops {
				if d.Failed > 0 && d != h && d.upstream == h.Key {
					downstream = append(downstream, d)
				}
			}
			v := judge(s.wide, h, downstream, s.nextMax)
			if h.Key.String() == s.selected {
				a.Selected = len(a.Hops)
			}
			a.Hops = append(a.Hops, v)
		}
		a.NoFailure = len(a.Hops) == 0
	}
	if len(a.Hops) > 0 {
		v := a.Hops[a.Selected]
		a.Causes, a.Next, a.Trees = v.Causes, v.Next, slices.Clone(v.Trees)
	} else {
		a.Causes, a.Next = e.Rank(), e.Next(s.nextMax)
		if len(s.ledger) == 0 {
			a.Causes = nothingKnown(a.Causes)
		}
		for _, p := range e.kb.Playbooks {
			a.Trees = append(a.Trees, e.Position(p))
		}
	}
	mass := map[string]float64{}
	for _, rc := range a.Causes {
		mass[rc.Cause.Playbook] += rc.Confidence
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
			a.Moves = append(a.Moves, Move{Cause: rc.Cause.ID, From: from, To: rc.Confidence, Because: s.because(rc, rc.Confidence > from)})
		}
		s.lastAt[rc.Cause.ID] = rc.Confidence
	}
	s.fresh = s.fresh[:0]
	s.last, s.dirty = a, false
	return a
}

// because picks, among the signals new since the last assessment, the one that pushed the cause
// hardest the way it went: for a rise the strongest evidence for it, for a fall the strongest
// against it. A cause can fall although a new signal favours it (another cause gained more);
// that signal is not the reason it fell, so none is given and the screen says who rose.
func (s *Session) because(rc RankedCause, rose bool) Contribution {
	list := rc.Against
	if rose {
		list = rc.For
	}
	var best Contribution
	bestW := 1.0
	for _, c := range list {
		w := c.Factor
		if w < 1 {
			w = 1 / w
		}
		if w > bestW && (c.Factor > 1) == rose && slices.Contains(s.fresh, c.Signal) {
			best, bestW = c, w
		}
	}
	return best
}

// nothingKnownShare is the confidence unknown holds while there is no evidence at all: even odds
// that the failure is none of the known causes, the rest spread over them by their priors.
const nothingKnownShare = 0.5

// nothingKnown ranks unknown first when nothing has been seen: an input that was read but said
// nothing hopscope knows (a text without a known error, an empty investigation) suspects no cause,
// and the ranking says so rather than leading with whichever cause has the largest prior.
func nothingKnown(rank []RankedCause) []RankedCause {
	out := make([]RankedCause, 0, len(rank))
	var rest float64
	for _, rc := range rank {
		if rc.Cause.ID != knowledge.UnknownCause {
			rest += rc.Confidence
		}
	}
	for _, rc := range rank {
		if rc.Cause.ID == knowledge.UnknownCause {
			rc.Confidence = nothingKnownShare
			out = append([]RankedCause{rc}, out...)
			continue
		}
		if rest > 0 {
			rc.Confidence *= (1 - nothingKnownShare) / rest
		}
		out = append(out, rc)
	}
	return out
}
