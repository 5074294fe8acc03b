package diagnose

import "time"

// Input describes one input that was read, for the report.
type Input struct {
	Path     string   `json:"path"`
	Kind     string   `json:"kind"`
	Packets  int64    `json:"packets,omitempty"`
	Lines    int64    `json:"lines,omitempty"`
	Warnings []string `json:"warnings"`
}

// Report is the machine-readable result of `analyze --json` and `check --json`. Field names are
// a contract: they may grow, the existing ones stay.
type Report struct {
	Causes   []ReportCause    `json:"causes"`
	Evidence []ReportEvidence `json:"evidence"`
	// EvidenceOmitted counts ledger entries left out past MaxReportEvidence.
	EvidenceOmitted int          `json:"evidence_omitted,omitempty"`
	Next            []ReportNext `json:"next"`
	Inputs          []Input      `json:"inputs"`
	Playbooks       []ReportTree `json:"playbooks"`
	Checks          []any        `json:"checks,omitempty"`
	// Verdict is "failing" when attempts failed on some hop, "healthy" when sources reported
	// attempts and every one worked, and absent when no source reported attempts (logs or
	// pasted text alone).
	Verdict string `json:"verdict,omitempty"`
	// Hops lists the hops seen: those with failing attempts first, the most failed first, each
	// with its own verdict (Causes is that of the first), then the healthy ones.
	Hops []ReportHop `json:"hops,omitempty"`
}

// ReportHop is one hop: its endpoints, its attempts by outcome, and for a failing hop its ranked
// causes and the evidence they rest on.
type ReportHop struct {
	Hop     string   `json:"hop"`
	Role    string   `json:"role"`
	Server  string   `json:"server"`
	Target  string   `json:"target,omitempty"`
	Clients []string `json:"clients"`
	Failed  int      `json:"failed"`
	Worked  int      `json:"worked"`
	// Phases counts the failing attempts by the phase they failed in.
	Phases   map[Phase]int    `json:"phases,omitempty"`
	Verdict  string           `json:"verdict"`
	Causes   []ReportCause    `json:"causes"`
	Evidence []ReportEvidence `json:"evidence"`
	// Lost says, for a connection captured at both ends, what was sent and never arrived.
	Lost     []string        `json:"lost,omitempty"`
	Attempts []ReportAttempt `json:"attempts"`
}

// ReportAttempt is one attempt kept as an example.
type ReportAttempt struct {
	Source   string   `json:"source"`
	At       string   `json:"at,omitempty"`
	Client   string   `json:"client,omitempty"`
	Outcome  string   `json:"outcome"`
	Phase    Phase    `json:"phase,omitempty"`
	Detail   string   `json:"detail,omitempty"`
	Features Features `json:"features"`
}

// maxReportCauses and maxReportAttempts bound what each hop lists.
const (
	maxReportCauses   = 5
	maxReportAttempts = 3
)

// ReportCause is one ranked cause.
type ReportCause struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Playbook   string   `json:"playbook,omitempty"`
	Confidence float64  `json:"confidence"`
	For        []string `json:"for"`
	Against    []string `json:"against"`
}

// ReportEvidence is one ledger entry.
type ReportEvidence struct {
	Signal  string  `json:"signal"`
	Source  string  `json:"source"`
	At      string  `json:"at,omitempty"`
	Detail  string  `json:"detail"`
	Kind    string  `json:"kind"`
	Line    int     `json:"line,omitempty"`
	Packets []int64 `json:"packets,omitempty"`
}

// ReportNext is one suggested check.
type ReportNext struct {
	Check string `json:"check"`
	Title string `json:"title"`
	How   string `json:"how"`
	Why   string `json:"why"`
}

// ReportTree is the position in one playbook's decision tree.
type ReportTree struct {
	Playbook   string       `json:"playbook"`
	Answered   []ReportStep `json:"answered"`
	Current    string       `json:"current,omitempty"`
	Ask        string       `json:"ask,omitempty"`
	Conclusion string       `json:"conclusion,omitempty"`
}

// ReportStep is one answered step.
type ReportStep struct {
	Step   string `json:"step"`
	Answer string `json:"answer"`
	By     string `json:"by"`
}

// MaxReportEvidence bounds the evidence listed in a report; sources already aggregate, this
// keeps a pathological input from producing a report larger than the input.
const MaxReportEvidence = 2000

// Report builds the machine-readable report of the session as it stands.
func (s *Session) Report(inputs []Input) Report {
	a := s.Assess()
	r := Report{Inputs: inputs, Causes: []ReportCause{}, Evidence: []ReportEvidence{}, Next: []ReportNext{}}
	if r.Inputs == nil {
		r.Inputs = []Input{}
	}
	for _, rc := range a.Causes {
		r.Causes = append(r.Causes, reportCause(rc))
	}
	switch {
	case len(a.Hops) > 0:
		r.Verdict = "failing"
	case a.NoFailure:
		r.Verdict = "healthy"
	}
	for _, v := range a.Hops {
		rh := reportHop(v.Hop, v.Role)
		rh.Verdict = "failing"
		for i, rc := range v.Causes {
			if i == maxReportCauses {
				break
			}
			rh.Causes = append(rh.Causes, reportCause(rc))
		}
		for _, ev := range v.Evidence {
			rh.Evidence = append(rh.Evidence, reportEvidence(ev))
		}
		r.Hops = append(r.Hops, rh)
	}
	for _, h := range a.Healthy {
		rh := reportHop(h, h.Role())
		rh.Verdict = "healthy"
		r.Hops = append(r.Hops, rh)
	}
	for i, ev := range s.ledger {
		if i == MaxReportEvidence {
			r.EvidenceOmitted = len(s.ledger) - i
			break
		}
		r.Evidence = append(r.Evidence, reportEvidence(ev))
	}
	for _, n := range a.Next {
		r.Next = append(r.Next, ReportNext{Check: n.Check.ID, Title: n.Check.Title, How: n.Check.How, Why: n.Why})
	}
	for _, t := range a.Trees {
		rt := ReportTree{Playbook: t.Playbook.ID, Answered: []ReportStep{}, Conclusion: t.Conclusion}
		for _, st := range t.Path {
			rt.Answered = append(rt.Answered, ReportStep{Step: st.Step.ID, Answer: st.Branch.Label, By: st.By.Source})
		}
		if t.Current != nil {
			rt.Current, rt.Ask = t.Current.ID, t.Current.Ask
		}
		r.Playbooks = append(r.Playbooks, rt)
	}
	return r
}

func reportCause(rc RankedCause) ReportCause {
	c := ReportCause{ID: rc.Cause.ID, Title: rc.Cause.Title, Playbook: rc.Cause.Playbook,
		Confidence: round4(rc.Confidence), For: []string{}, Against: []string{}}
	for _, f := range rc.For {
		c.For = append(c.For, f.String())
	}
	for _, f := range rc.Against {
		c.Against = append(c.Against, f.String())
	}
	return c
}

func reportEvidence(ev Evidence) ReportEvidence {
	re := ReportEvidence{Signal: ev.Signal, Source: ev.Source, Detail: ev.Detail, Kind: string(ev.Kind), Line: ev.Line, Packets: ev.Packets}
	if !ev.At.IsZero() {
		re.At = ev.At.UTC().Format(time.RFC3339Nano)
	}
	return re
}

func reportHop(h *Hop, role HopRole) ReportHop {
	rh := ReportHop{Hop: h.Key.String(), Role: string(role), Server: h.Key.Server, Target: h.Key.Target,
		Clients: append([]string{}, h.Clients...), Failed: h.Failed, Worked: h.Worked,
		Causes: []ReportCause{}, Evidence: []ReportEvidence{}, Lost: h.Lost, Attempts: []ReportAttempt{}}
	if len(h.phases) > 0 {
		rh.Phases = h.phases
	}
	for _, list := range [][]Attempt{h.Failing, h.Working} {
		for i, at := range list {
			if i == maxReportAttempts {
				break
			}
			ra := ReportAttempt{Source: at.Where(), Client: at.Client, Outcome: "worked", Phase: at.Phase, Detail: at.Detail, Features: at.Features}
			if at.Failed {
				ra.Outcome = "failed"
			}
			if !at.At.IsZero() {
				ra.At = at.At.UTC().Format(time.RFC3339Nano)
			}
			rh.Attempts = append(rh.Attempts, ra)
		}
	}
	return rh
}

func round4(f float64) float64 { return float64(int64(f*10000+0.5)) / 10000 }
