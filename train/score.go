package train

import (
	"context"
	"fmt"
	"path"
	"slices"
	"time"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// Diagnosis is what a trainee commits: a cause, the first resolution step they would take, and
// whether they are sure.
type Diagnosis struct {
	Cause string
	Step  string
	Sure  bool
	// Checks counts the live checks the trainee ran.
	Checks int
}

// Result is the score of one committed diagnosis and its debrief.
type Result struct {
	Scenario string
	Cause    string
	Playbook string
	Given    Diagnosis
	// Right is the cause; StepRight the first resolution step (the cause's own first step).
	Right, StepRight bool
	// ConfidentWrong is a wrong cause given as sure: counted apart, it is the costly mistake.
	ConfidentWrong bool
	Elapsed        time.Duration
	// Opened are the inputs asked for; Needed the fewest that make the true cause stand out from
	// the symptom on (empty when the symptom was enough); Missed those of Needed not opened.
	Opened, Needed, Missed []string
	Debrief                Debrief
}

// Debrief explains the incident once the diagnosis is in.
type Debrief struct {
	CauseTitle  string
	Explanation string
	// Title and Story are the scenario's own account of what was broken.
	Title, Story string
	// Path is the walk through the playbook's decision tree the full evidence takes.
	Path []string
	// Deciding are the pieces of evidence that weigh most for the true cause, each with where it
	// was seen (a packet number, a log line).
	Deciding []string
	// Resolution and Who: what to do and who acts.
	Resolution []string
	Who        []string
}

// standsOut: the leading cause is more likely than not and twice as likely as the next one, the
// same test `analyze` uses before it calls a cause the answer.
func standsOut(a *diagnose.Assessment, cause string) bool {
	if len(a.Causes) == 0 || a.Causes[0].Cause.ID != cause {
		return false
	}
	first := a.Causes[0].Confidence
	second := 0.0
	if len(a.Causes) > 1 {
		second = a.Causes[1].Confidence
	}
	return first >= 0.5 && first >= 2*second
}

// confidence returns the cause's confidence in a.
func confidence(a *diagnose.Assessment, cause string) float64 {
	for _, rc := range a.Causes {
		if rc.Cause.ID == cause {
			return rc.Confidence
		}
	}
	return 0
}

// Needed finds the shortest list of inputs that, with the symptom, makes the true cause stand
// out: at each step the input that raises the true cause the most is added. It is the path an
// operator who asked for the most telling input each time would have taken.
func Needed(ctx context.Context, kb *knowledge.Base, sc Scenario) ([]string, error) {
	have := []string{SymptomFile}
	var out []string
	for {
		sess, err := collectFS(ctx, kb, sc, have)
		if err != nil {
			return nil, err
		}
		if standsOut(sess.Assess(), sc.Cause) {
			return out, nil
		}
		best, bestConf := "", -1.0
		for _, in := range sc.Inputs {
			if slices.Contains(have, in) {
				continue
			}
			s, err := collectFS(ctx, kb, sc, append(slices.Clone(have), in))
			if err != nil {
				continue
			}
			if c := confidence(s.Assess(), sc.Cause); c > bestConf+1e-9 {
				best, bestConf = in, c
			}
		}
		if best == "" {
			return out, nil
		}
		have = append(have, best)
		out = append(out, best)
	}
}

// Commit scores the diagnosis and writes the debrief.
func (s *Session) Commit(ctx context.Context, d Diagnosis) (Result, error) {
	sc := s.sc
	r := Result{Scenario: sc.Name, Cause: sc.Cause, Playbook: sc.Playbook, Given: d, Elapsed: s.Elapsed(),
		Opened: slices.Clone(s.opened), Right: d.Cause == sc.Cause}
	truth, _ := s.kb.Cause(sc.Cause)
	r.StepRight = truth != nil && len(truth.Resolution) > 0 && d.Step == truth.Resolution[0]
	r.ConfidentWrong = !r.Right && d.Sure
	needed, err := Needed(ctx, s.kb, sc)
	if err != nil {
		return r, fmt.Errorf("train: %w", err)
	}
	r.Needed = needed
	for _, n := range needed {
		if !slices.Contains(s.opened, n) {
			r.Missed = append(r.Missed, n)
		}
	}
	all, err := collectFS(ctx, s.kb, sc, append([]string{SymptomFile}, sc.Inputs...))
	if err != nil {
		return r, fmt.Errorf("train: %w", err)
	}
	r.Debrief = debrief(s.kb, sc, all)
	return r, nil
}

// debrief explains the incident from the evidence of all its inputs.
func debrief(kb *knowledge.Base, sc Scenario, all *diagnose.Session) Debrief {
	d := Debrief{Title: sc.Title, Story: sc.Story}
	c, ok := kb.Cause(sc.Cause)
	if ok {
		d.CauseTitle, d.Explanation, d.Resolution, d.Who = c.Title, c.Explanation, c.Resolution, c.Who
	}
	if p, ok := kb.Playbook(sc.Playbook); ok {
		pos := all.Engine().Position(p)
		for _, st := range pos.Path {
			d.Path = append(d.Path, fmt.Sprintf("%s → %s (%s)", st.Step.Ask, st.Branch.Label, where(st.By)))
		}
		if pos.Conclusion != "" {
			d.Path = append(d.Path, "⇒ "+pos.Conclusion)
		} else if pos.Current != nil {
			d.Path = append(d.Path, "then: "+pos.Current.Ask+" (the evidence does not answer it)")
		}
	}
	for _, rc := range all.Assess().Causes {
		if rc.Cause.ID != sc.Cause {
			continue
		}
		for i, f := range rc.For {
			if i == 4 {
				break
			}
			ev, _ := all.Engine().Seen(f.Signal)
			d.Deciding = append(d.Deciding, fmt.Sprintf("%s: %s — %s (%s)", where(ev), ev.Detail, f.Title, diagnose.FormatFactor(f.Factor)))
		}
	}
	return d
}

// where names a piece of evidence's place briefly: "lo.pcap#41", "access.log:3".
func where(ev diagnose.Evidence) string {
	if ev.Source == "" {
		return string(ev.Kind)
	}
	return path.Base(ev.Source)
}
