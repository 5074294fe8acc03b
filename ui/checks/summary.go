package checks

import "github.com/hopscope/hopscope/diagnose/probe"

// Summary is what the pane's last run found, for a report: the target, each check's outcome and
// the timing waterfall up to the failing phase.
type Summary struct {
	Target    string        `json:"target"`
	Checks    []SummaryRow  `json:"checks"`
	Waterfall []probe.Phase `json:"waterfall"`
	// Refused lists what the guard kept the checks from reaching, with the reason.
	Refused []string `json:"refused,omitempty"`
	Done    bool     `json:"done"`
}

// SummaryRow is one check's outcome: passed, failed, skipped, running or pending.
type SummaryRow struct {
	Check  string `json:"check"`
	State  string `json:"state"`
	Detail string `json:"detail,omitempty"`
}

// Summary returns the last run's results; ok is false when no check ran.
func (m *Model) Summary() (s Summary, ok bool) {
	if m.run == nil {
		return Summary{}, false
	}
	return summarize(m.run), true
}

// Summaries returns the results of every run the pane started or took over, oldest first: a
// report lists each check whose evidence it holds.
func (m *Model) Summaries() []Summary {
	out := make([]Summary, 0, len(m.history))
	for _, r := range m.history {
		out = append(out, summarize(r))
	}
	return out
}

// summarize is one run's results.
func summarize(r *run) Summary {
	rows, phases, done := r.snapshot()
	r.mu.Lock()
	refused := append([]string(nil), r.refused...)
	r.mu.Unlock()
	s := Summary{Target: r.target, Waterfall: phases, Refused: refused, Done: done, Checks: []SummaryRow{}}
	for _, r := range rows {
		s.Checks = append(s.Checks, SummaryRow{Check: r.id, State: [...]string{"pending", "running", "passed", "failed", "skipped"}[r.state], Detail: r.note})
	}
	return s
}
