package diagnose

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/hopscope/hopscope/knowledge"
)

// scale turns a log-likelihood ratio (in nats) into the integer units the engine adds up.
// Integers make the sum exact, so the same evidence in any order gives the same scores.
const scale = 1000

// Engine ranks the causes of a knowledge base as evidence arrives. Each cause's score is its
// log prior plus, for every distinct signal seen, the log of how much more (or less) likely the
// signal is under the cause than under "unknown". Adding a signal costs one pass over the causes;
// repeating a signal costs nothing, so a log of a million identical lines counts once.
type Engine struct {
	kb     *knowledge.Base
	scores []int64          // per cause, in kb.Causes order
	seen   map[string]*seen // by signal id
	order  []string         // signal ids in the order first seen (for stable output, sorted later)
	// weights[s][c] is the contribution of signal s to cause c, cached per signal.
	weights map[string][]int64
}

// seen is what the engine remembers of one signal: how often, and the earliest evidence.
type seen struct {
	count int
	first Evidence
}

// NewEngine returns an engine with no evidence: the causes ranked by their priors.
func NewEngine(kb *knowledge.Base) *Engine {
	e := &Engine{
		kb:      kb,
		scores:  make([]int64, len(kb.Causes)),
		seen:    map[string]*seen{},
		weights: map[string][]int64{},
	}
	for i, c := range kb.Causes {
		e.scores[i] = int64(math.Round(scale * math.Log(c.Prior)))
	}
	return e
}

// clone returns an engine with the same evidence, to which more can be added without changing
// this one (the weights cache is shared: it depends on the knowledge base only).
func (e *Engine) clone() *Engine {
	c := &Engine{kb: e.kb, scores: slices.Clone(e.scores), seen: make(map[string]*seen, len(e.seen)),
		order: slices.Clone(e.order), weights: e.weights}
	for id, s := range e.seen {
		cp := *s
		c.seen[id] = &cp
	}
	return c
}

// Knowledge returns the knowledge base the engine ranks against.
func (e *Engine) Knowledge() *knowledge.Base { return e.kb }

// Add takes one piece of evidence. It reports whether the ranking changed (false for a signal
// already seen or one the knowledge base does not know).
func (e *Engine) Add(ev Evidence) bool {
	if s, ok := e.seen[ev.Signal]; ok {
		s.count++
		if ev.before(&s.first) {
			s.first = ev
		}
		return false
	}
	sig, ok := e.kb.Signal(ev.Signal)
	if !ok {
		return false
	}
	e.seen[ev.Signal] = &seen{count: 1, first: ev}
	e.order = append(e.order, ev.Signal)
	w := e.weightsOf(sig)
	for i := range e.scores {
		e.scores[i] += w[i]
	}
	return true
}

// Seen reports whether a signal has been observed, and the earliest evidence of it.
func (e *Engine) Seen(signal string) (Evidence, bool) {
	s, ok := e.seen[signal]
	if !ok {
		return Evidence{}, false
	}
	return s.first, true
}

// weightsOf returns the contribution of a signal to every cause.
func (e *Engine) weightsOf(sig *knowledge.Signal) []int64 {
	if w, ok := e.weights[sig.ID]; ok {
		return w
	}
	w := make([]int64, len(e.kb.Causes))
	u := float64(sig.Unknown)
	for i, c := range e.kb.Causes {
		w[i] = int64(math.Round(scale * math.Log(float64(sig.Likelihood(c.ID))/u)))
	}
	e.weights[sig.ID] = w
	return w
}

// posterior returns each cause's confidence (summing to 1), in kb.Causes order.
func (e *Engine) posterior() []float64 {
	p := make([]float64, len(e.scores))
	top := e.scores[0]
	for _, s := range e.scores {
		top = max(top, s)
	}
	var sum float64
	for i, s := range e.scores {
		p[i] = math.Exp(float64(s-top) / scale)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

// Contribution is one signal's part in a cause's score.
type Contribution struct {
	Signal string `json:"signal"`
	Title  string `json:"title"`
	// Factor is how many times more likely the signal is under the cause than under "unknown":
	// above 1 it raised the cause, below 1 it lowered it.
	Factor float64 `json:"factor"`
	// Count is how many times the signal was seen; Source is where it was first seen.
	Count  int    `json:"count"`
	Source string `json:"source"`
}

// String reads like "proxy.connect.status.403 ×47: The proxy answered CONNECT with 403".
func (c Contribution) String() string {
	return fmt.Sprintf("%s %s: %s", c.Signal, FormatFactor(c.Factor), c.Title)
}

// FormatFactor writes a likelihood ratio as "×12" or "÷40".
func FormatFactor(f float64) string {
	if f >= 1 {
		return fmt.Sprintf("×%.3g", f)
	}
	return fmt.Sprintf("÷%.3g", 1/f)
}

// RankedCause is a cause with its confidence and the evidence that moved it.
type RankedCause struct {
	Cause      *knowledge.Cause
	Confidence float64
	For        []Contribution // strongest first
	Against    []Contribution // strongest first
	score      int64
}

// neutral is the band of weights (in engine units) that counts as neither for nor against:
// a factor within about 10% of 1.
const neutral = 100

// Rank returns every cause, highest confidence first. Ties keep the knowledge base's order, so
// the result is the same for the same evidence whatever order it came in.
func (e *Engine) Rank() []RankedCause {
	p := e.posterior()
	out := make([]RankedCause, len(e.kb.Causes))
	signals := append([]string(nil), e.order...)
	sort.Strings(signals)
	for i, c := range e.kb.Causes {
		rc := RankedCause{Cause: c, Confidence: p[i], score: e.scores[i]}
		for _, id := range signals {
			sig, _ := e.kb.Signal(id)
			w := e.weightsOf(sig)[i]
			if w > -neutral && w < neutral {
				continue
			}
			s := e.seen[id]
			ct := Contribution{Signal: id, Title: sig.Title, Factor: math.Exp(float64(w) / scale), Count: s.count, Source: s.first.Source}
			if w > 0 {
				rc.For = append(rc.For, ct)
			} else {
				rc.Against = append(rc.Against, ct)
			}
		}
		sort.SliceStable(rc.For, func(a, b int) bool { return rc.For[a].Factor > rc.For[b].Factor })
		sort.SliceStable(rc.Against, func(a, b int) bool { return rc.Against[a].Factor < rc.Against[b].Factor })
		out[i] = rc
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].score > out[b].score })
	return out
}
