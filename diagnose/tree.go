package diagnose

import "github.com/hopscope/hopscope/knowledge"

// TreePosition is where the evidence has led in one playbook's decision tree.
type TreePosition struct {
	Playbook *knowledge.Playbook
	// Path holds the steps answered so far, in order from the start.
	Path []Answered
	// Current is the first step not yet answered; nil when the walk reached a conclusion.
	Current *knowledge.Step
	// Conclusion is the cause the answered path points at ("" when not there yet).
	Conclusion string
}

// Answered is a step with the branch taken and the evidence that chose it.
type Answered struct {
	Step   *knowledge.Step
	Branch *knowledge.Branch
	By     Evidence
}

// Position walks a playbook's tree from its start, taking at each step the branch whose signal was
// seen first in time (ties broken by source), and stops at the first step no evidence answers.
func (e *Engine) Position(p *knowledge.Playbook) TreePosition {
	pos := TreePosition{Playbook: p}
	id := p.Tree.Start
	visited := map[string]bool{}
	for id != "" && !visited[id] {
		visited[id] = true
		step, ok := p.Step(id)
		if !ok {
			break
		}
		var pick *knowledge.Branch
		var by Evidence
		for _, br := range step.Branches {
			for _, sig := range br.When {
				ev, ok := e.Seen(sig)
				if ok && (pick == nil || ev.before(&by)) {
					pick, by = br, ev
				}
			}
		}
		if pick == nil {
			pos.Current = step
			return pos
		}
		pos.Path = append(pos.Path, Answered{Step: step, Branch: pick, By: by})
		if pick.Conclude != "" {
			pos.Conclusion = pick.Conclude
			return pos
		}
		id = pick.Next
	}
	return pos
}
