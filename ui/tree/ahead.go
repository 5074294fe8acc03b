package tree

import (
	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// The engine's walk (diagnose.TreePosition) stops at the first step no evidence answers. The
// operator may not know that answer yet: d skips the step, and the pane walks on past it to the
// next question, so that a later step (the CONNECT's status, say) can still be answered. An
// answer given further on often answers the skipped step too (a 403 means the proxy was
// reachable), and the engine's walk then catches up by itself.

// aheadStep is a step the pane walked past the engine's position: skipped by the operator, or
// answered by evidence although an earlier step is still open.
type aheadStep struct {
	step    *knowledge.Step
	skipped bool
	branch  *knowledge.Branch // the branch the evidence took, when not skipped
	by      diagnose.Evidence
}

// walk is where the pane stands in a playbook's tree beyond the engine's position.
type walk struct {
	ahead []aheadStep
	// asked is the step the answer keys answer: the first one neither answered nor skipped, or
	// the last one skipped when the tree cannot go on without it.
	asked *knowledge.Step
	// blocked is set when asked is a skipped step whose answer decides which question comes
	// next.
	blocked bool
	// conclusion is the cause the walk reached past a skipped step ("" when none).
	conclusion string
}

// walkOn walks from the engine's current step past the steps the operator skipped.
func (m *Model) walkOn(pos *diagnose.TreePosition) walk {
	var w walk
	s := pos.Current
	seen := map[string]bool{}
	for s != nil && !seen[s.ID] {
		seen[s.ID] = true
		if br, ev, ok := m.answeredBy(s); ok && s != pos.Current {
			w.ahead = append(w.ahead, aheadStep{step: s, branch: br, by: ev})
			if br.Conclude != "" {
				w.conclusion = br.Conclude
				return w
			}
			s, _ = pos.Playbook.Step(br.Next)
			continue
		}
		if !m.skipped[skipKey(pos.Playbook, s)] {
			w.asked = s
			return w
		}
		w.ahead = append(w.ahead, aheadStep{step: s, skipped: true})
		next := onlyNext(pos.Playbook, s)
		if next == nil {
			w.asked, w.blocked = s, true
			return w
		}
		s = next
	}
	return w
}

// answeredBy finds the branch of a step that evidence already took, as the engine's walk would.
func (m *Model) answeredBy(s *knowledge.Step) (*knowledge.Branch, diagnose.Evidence, bool) {
	if m.sess == nil {
		return nil, diagnose.Evidence{}, false
	}
	var pick *knowledge.Branch
	var by diagnose.Evidence
	for _, br := range s.Branches {
		for _, sig := range br.When {
			if ev, ok := m.sess.Engine().Seen(sig); ok && (pick == nil || ev.At.Before(by.At)) {
				pick, by = br, ev
			}
		}
	}
	return pick, by, pick != nil
}

// onlyNext is the step that follows s whatever its answer, or nil when the answer decides (or
// every answer concludes).
func onlyNext(p *knowledge.Playbook, s *knowledge.Step) *knowledge.Step {
	id := ""
	for _, br := range s.Branches {
		if br.Next == "" {
			continue
		}
		if id != "" && br.Next != id {
			return nil
		}
		id = br.Next
	}
	next, _ := p.Step(id)
	return next
}

func skipKey(p *knowledge.Playbook, s *knowledge.Step) string { return p.ID + "/" + s.ID }
