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
	// Missed is empty when the inputs asked for made the true cause stand out, or when Enough is
	// false.
	// Enough is false when the recorded inputs, all of them, leave the true cause short of
	// standing out: a live check (Debrief.Check) is what tells it apart; Needed then lists the
	// inputs that raise it most, short of that.
	Enough bool
	// Settled is true when the inputs asked for made the true cause stand out.
	Settled bool
	// Ranked is what the next-check ranking would have had the trainee do, step by step.
	Ranked  []string
	Debrief Debrief
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
	// Check is the check the evidence of all inputs still suggests, when it does.
	Check string
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
// operator who asked for the most telling input each time would have taken. When no input raises
// the cause further and it still does not stand out, the list ends there and enough is false:
// only a live check tells it apart.
func Needed(ctx context.Context, kb *knowledge.Base, sc Scenario) (needed []string, enough bool, err error) {
	have := []string{SymptomFile}
	var out []string
	// The files of one recording are one input: only the first of each is tried.
	var inputs []string
	for _, g := range sameTraffic(sc) {
		inputs = append(inputs, g[0])
	}
	for {
		sess, err := collectFS(ctx, kb, sc, have)
		if err != nil {
			return nil, false, err
		}
		a := sess.Assess()
		if standsOut(a, sc.Cause) {
			return out, true, nil
		}
		best, bestConf := "", confidence(a, sc.Cause)
		for _, in := range inputs {
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
			return out, false, nil
		}
		have = append(have, best)
		out = append(out, best)
	}
}

// maxRankedSteps bounds the walk along the next-check ranking.
const maxRankedSteps = 12

// RankedPath follows the next-check ranking (expected information gain) from the symptom, as an
// operator who always took the best suggestion the inputs can answer would: each step reads the
// first unread capture or log that the best such suggestion asks for. Suggestions only a live
// check or a person can answer, ranked above it, are named once as "live check: …". It stops
// when the true cause stands out or no suggestion is left that an input answers.
func RankedPath(ctx context.Context, kb *knowledge.Base, sc Scenario) (steps []string, err error) {
	have := []string{SymptomFile}
	named := map[string]bool{}
	for range maxRankedSteps {
		sess, err := collectFS(ctx, kb, sc, have)
		if err != nil {
			return nil, err
		}
		a := sess.Assess()
		if standsOut(a, sc.Cause) {
			return steps, nil
		}
		pick := ""
		for _, n := range a.Next {
			ch := n.Check
			for _, in := range sc.Inputs {
				if !slices.Contains(have, in) && (ch.Kind == "capture" && label(in) == "packet capture" || ch.Kind == "logs" && label(in) == "server log") {
					pick = in
					break
				}
			}
			if pick != "" {
				steps = append(steps, fmt.Sprintf("read %s (%s)", pick, ch.Title))
				break
			}
			if ch.Kind != "capture" && ch.Kind != "logs" && !named[ch.ID] {
				named[ch.ID] = true
				steps = append(steps, "live check: "+ch.Title)
			}
		}
		if pick == "" {
			return steps, nil
		}
		have = append(have, pick)
	}
	return steps, nil
}

// Commit scores the diagnosis and writes the debrief.
func (s *Session) Commit(ctx context.Context, d Diagnosis) (Result, error) {
	sc := s.sc
	r := Result{Scenario: sc.Name, Cause: sc.Cause, Playbook: sc.Playbook, Given: d, Elapsed: s.Elapsed(),
		Opened: slices.Clone(s.opened), Right: d.Cause == sc.Cause}
	truth, _ := s.kb.Cause(sc.Cause)
	r.StepRight = truth != nil && len(truth.Resolution) > 0 && d.Step == truth.Resolution[0]
	r.ConfidentWrong = !r.Right && d.Sure
	needed, enough, err := Needed(ctx, s.kb, sc)
	if err != nil {
		return r, fmt.Errorf("train: %w", err)
	}
	r.Needed, r.Enough = needed, enough
	if r.Ranked, err = RankedPath(ctx, s.kb, sc); err != nil {
		return r, fmt.Errorf("train: %w", err)
	}
	// Nothing was missed when the inputs asked for settle it, whichever they were, nor when no
	// recorded input does (a live check is what was needed); otherwise the inputs of the shortest
	// path not asked for (under any of their names) were.
	mine, err := collectFS(ctx, s.kb, sc, append([]string{SymptomFile}, s.opened...))
	if err != nil {
		return r, fmt.Errorf("train: %w", err)
	}
	r.Settled = standsOut(mine.Assess(), sc.Cause)
	for _, n := range needed {
		if enough && !r.Settled && !slices.ContainsFunc(s.opened, func(o string) bool { return twins(s.same, n, o) }) {
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
		for _, st := range treePath(p, sc.Cause) {
			how := "not in the evidence"
			for _, sig := range st.branch.When {
				if ev, ok := all.Engine().Seen(sig); ok {
					how = "seen in " + where(ev) + ": " + ev.Detail
					break
				}
			}
			if how == "not in the evidence" && st.step.Operator {
				how = "the operator answers this"
			}
			d.Path = append(d.Path, fmt.Sprintf("%s → %s (%s)", st.step.Ask, st.branch.Label, how))
		}
		d.Path = append(d.Path, "⇒ "+sc.Cause)
	}
	if next := all.Assess().Next; len(next) > 0 {
		d.Check = next[0].Check.Title + " (" + next[0].Check.How + ")"
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

// pathStep is one step of a walk through a decision tree and the branch taken.
type pathStep struct {
	step   *knowledge.Step
	branch *knowledge.Branch
}

// treePath finds the walk from the tree's start to the branch that concludes cause (nil when no
// branch does), depth first in the order the playbook lists the branches.
func treePath(p *knowledge.Playbook, cause string) []pathStep {
	visited := map[string]bool{}
	var walk func(id string) []pathStep
	walk = func(id string) []pathStep {
		st, ok := p.Step(id)
		if !ok || visited[id] {
			return nil
		}
		visited[id] = true
		for _, br := range st.Branches {
			if br.Conclude == cause {
				return []pathStep{{st, br}}
			}
			if br.Next != "" {
				if rest := walk(br.Next); rest != nil {
					return append([]pathStep{{st, br}}, rest...)
				}
			}
		}
		return nil
	}
	return walk(p.Tree.Start)
}
