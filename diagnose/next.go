package diagnose

import (
	"fmt"
	"math"
	"sort"

	"github.com/hopscope/hopscope/knowledge"
)

// NextCheck is a suggested check with the reason it is worth running.
type NextCheck struct {
	Check *knowledge.Check
	// Gain is the expected reduction of uncertainty over the causes, in bits.
	Gain float64
	// Why is one line: which leading causes the check tells apart and how.
	Why string
}

// minGain is the least expected information (bits) for a check to be worth suggesting.
const minGain = 0.02

// Next returns up to n checks, best first: those whose outcomes would best separate the causes
// as they stand now. A check any of whose outcomes has already been seen is not suggested again,
// nor one that evidence has made pointless (its Unless signals).
func (e *Engine) Next(n int) []NextCheck {
	p := e.posterior()
	h := entropy(p)
	var out []NextCheck
	for _, ch := range e.kb.Checks {
		if e.checkDone(ch) {
			continue
		}
		outcomes := e.outcomeTable(ch)
		var after float64
		for o := range ch.Outcomes {
			// P(o) = Σ_c P(c) P(o|c); the posterior after o is P(c) P(o|c) / P(o).
			var po float64
			for c := range p {
				po += p[c] * outcomes[c][o]
			}
			if po == 0 {
				continue
			}
			q := make([]float64, len(p))
			for c := range p {
				q[c] = p[c] * outcomes[c][o] / po
			}
			after += po * entropy(q)
		}
		gain := h - after
		if gain < minGain {
			continue
		}
		out = append(out, NextCheck{Check: ch, Gain: gain, Why: e.why(ch, outcomes, p)})
	}
	sort.SliceStable(out, func(a, b int) bool {
		if math.Abs(out[a].Gain-out[b].Gain) > 1e-9 {
			return out[a].Gain > out[b].Gain
		}
		return out[a].Check.ID < out[b].Check.ID
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func (e *Engine) checkDone(ch *knowledge.Check) bool {
	for _, o := range ch.Unless {
		if _, ok := e.seen[o]; ok {
			return true
		}
	}
	for _, o := range ch.Outcomes {
		if _, ok := e.seen[o]; ok {
			return true
		}
	}
	return false
}

// outcomeTable gives P(outcome | cause) for a check: the signals' likelihoods under the cause,
// normalised over the check's outcomes (a check yields exactly one of them).
func (e *Engine) outcomeTable(ch *knowledge.Check) [][]float64 {
	t := make([][]float64, len(e.kb.Causes))
	for c, cause := range e.kb.Causes {
		row := make([]float64, len(ch.Outcomes))
		var sum float64
		for o, id := range ch.Outcomes {
			sig, _ := e.kb.Signal(id)
			row[o] = float64(sig.Likelihood(cause.ID))
			sum += row[o]
		}
		for o := range row {
			row[o] /= sum
		}
		t[c] = row
	}
	return t
}

// why names the two most likely causes that the check's most probable outcomes tell apart.
func (e *Engine) why(ch *knowledge.Check, outcomes [][]float64, p []float64) string {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
	expect := func(c int) int {
		best := 0
		for o := range outcomes[c] {
			if outcomes[c][o] > outcomes[c][best] {
				best = o
			}
		}
		return best
	}
	lead := idx[0]
	for _, other := range idx[1:] {
		if expect(other) != expect(lead) {
			a, b := e.kb.Causes[lead], e.kb.Causes[other]
			return fmt.Sprintf("tells %s (expects %s) from %s (expects %s)",
				a.ID, ch.Outcomes[expect(lead)], b.ID, ch.Outcomes[expect(other)])
		}
	}
	return fmt.Sprintf("its outcome would confirm or rule out %s", e.kb.Causes[lead].ID)
}

func entropy(p []float64) float64 {
	var h float64
	for _, x := range p {
		if x > 0 {
			h -= x * math.Log2(x)
		}
	}
	return h
}
