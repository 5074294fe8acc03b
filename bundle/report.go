// Package bundle writes the must-gather report an operator hands to the next level of support:
// report.md and report.json (the symptom, the verdict per hop, the timeline, the decision-tree
// path, the checks, and the playbook's must-gather list marked against what was gathered), with
// the inputs trimmed to what shows the failure and every secret redacted, as a folder or a
// .tar.gz, written so that an interrupted run leaves nothing half-written behind.
package bundle

import (
	"slices"
	"strings"
	"time"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// Report is what report.json holds. Every string in it is redacted before it is written.
type Report struct {
	// Generated is when the report was written (RFC 3339); Command what produced it.
	Generated string  `json:"generated"`
	Command   string  `json:"command"`
	Symptom   Symptom `json:"symptom"`
	// Hops holds the verdict for each hop of the path the evidence shows, the failing one first.
	Hops []Hop `json:"hops"`
	// Causes are the ranked causes (the leading ones), as in `analyze --json`.
	Causes []diagnose.ReportCause `json:"causes"`
	// Timeline is the evidence in time order; TimelineOmitted counts what was left out past
	// MaxTimeline.
	Timeline        []Event `json:"timeline"`
	TimelineOmitted int     `json:"timeline_omitted,omitempty"`
	// Path is the walk through each playbook's decision tree that the evidence answered.
	Path []TreePath `json:"decision_path"`
	// Checks are the live checks' results with their timing waterfalls (check --report).
	Checks []any                 `json:"checks"`
	Next   []diagnose.ReportNext `json:"next"`
	// MustGather is the leading playbook's must-gather list, each item marked.
	Playbook   string     `json:"playbook"`
	MustGather []Gathered `json:"must_gather"`
	// Files lists the files of the bundle beside the two reports, each with how it was cut.
	Files []File `json:"files"`
	// Notes say what could not be included and why.
	Notes  []string         `json:"notes,omitempty"`
	Inputs []diagnose.Input `json:"inputs"`
}

// Symptom is what the client saw, from the pasted or saved error text among the inputs.
type Symptom struct {
	// Summary is the leading playbook's symptom line: what the failure family looks like, an
	// example and not what was seen (report.md does not show it).
	Summary string `json:"summary"`
	// Seen are the recognised pieces of the client's error (status, fault code, error line).
	Seen []string `json:"seen"`
	// Text is the client's error as given (first lines), when an input held it.
	Text []string `json:"text,omitempty"`
}

// Hop is the verdict for one hop of the path.
type Hop struct {
	// Hop names it ("gateway → forward proxy → backend", or the endpoints the evidence shows);
	// Role is where it sits (front, backend, direct) when the evidence says; Playbook is the
	// playbook behind its verdict.
	Hop  string `json:"hop"`
	Role string `json:"role,omitempty"`
	// State is "failing" or "healthy"; Failed and Worked count its attempts, when sources
	// counted them.
	State      string   `json:"state"`
	Failed     int      `json:"failed,omitempty"`
	Worked     int      `json:"worked,omitempty"`
	Playbook   string   `json:"playbook"`
	Verdict    string   `json:"verdict"`
	Title      string   `json:"title"`
	Confidence float64  `json:"confidence"`
	For        []string `json:"for"`
	Against    []string `json:"against"`
	// Who acts on it and the first resolution steps.
	Who        []string `json:"who"`
	Resolution []string `json:"resolution"`
}

// Event is one piece of evidence on the timeline.
type Event struct {
	At     string `json:"at,omitempty"`
	Source string `json:"source"`
	Kind   string `json:"kind"`
	Signal string `json:"signal"`
	Detail string `json:"detail"`
}

// TreePath is one playbook's answered steps.
type TreePath struct {
	Playbook   string `json:"playbook"`
	Steps      []Step `json:"steps"`
	Next       string `json:"next_question,omitempty"`
	Conclusion string `json:"conclusion,omitempty"`
}

// Step is one answered step: the question, the answer, and who or what answered it.
type Step struct {
	Step   string `json:"step"`
	Ask    string `json:"ask"`
	Answer string `json:"answer"`
	// By is the evidence's source ("lo.pcap#12", "check tls", "operator").
	By     string `json:"by"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// The states of a must-gather item.
const (
	Present       = "present"
	Missing       = "missing"
	NotApplicable = "not applicable"
)

// Gathered is one must-gather item and whether the bundle holds it.
type Gathered struct {
	Item   string `json:"item"`
	Status string `json:"status"`
	// Files are the bundle's files (or, when not copied, the inputs) that hold it.
	Files []string `json:"files,omitempty"`
	Note  string   `json:"note,omitempty"`
}

// File is one file of the bundle and how it was made from its input.
type File struct {
	// Path is inside the bundle ("inputs/lo.pcap.trimmed.pcapng"); From the input it came from.
	Path string `json:"path"`
	From string `json:"from"`
	Kind string `json:"kind"`
	// Cut says how the input was cut ("12 of 840 packets: 3 failing connections, 2 healthy").
	Cut   string `json:"cut"`
	Bytes int64  `json:"bytes"`
}

// MaxTimeline bounds the timeline; the evidence is already aggregated, this keeps a pathological
// input from making a report longer than anyone reads.
const MaxTimeline = 500

// maxCauses is how many ranked causes the report lists.
const maxCauses = 5

// build fills the parts of the report that come from the session (not the files).
func build(sess *diagnose.Session, inputs []diagnose.Input, checks []any, command string, now time.Time) Report {
	kb := sess.Knowledge()
	a := sess.Assess()
	base := sess.Report(inputs)
	r := Report{Generated: now.UTC().Format(time.RFC3339), Command: command, Checks: checks, Next: base.Next,
		Inputs: base.Inputs, Causes: base.Causes[:min(len(base.Causes), maxCauses)], Files: []File{}}
	if r.Checks == nil {
		r.Checks = []any{}
	}
	lead := a.Causes[0]
	pb := lead.Cause.Playbook
	if pb == "" && len(a.Trees) > 0 {
		pb = a.Trees[0].Playbook.ID
	}
	r.Playbook = pb
	playbook, _ := kb.Playbook(pb)

	r.Symptom = symptom(sess, playbook)
	r.Hops = hopsOf(kb, base)
	if len(r.Hops) == 0 || r.Hops[0].State != "failing" {
		// No source counted attempts per hop (pasted text, logs alone): the session's one
		// verdict, as one hop named from the evidence.
		r.Hops = append(hops(sess, a), r.Hops...)
	}
	for i, ev := range sorted(sess.Ledger()) {
		if i == MaxTimeline {
			r.TimelineOmitted = len(sess.Ledger()) - i
			break
		}
		e := Event{Source: ev.Source, Kind: string(ev.Kind), Signal: ev.Signal, Detail: ev.Detail}
		if !ev.At.IsZero() {
			e.At = ev.At.UTC().Format(time.RFC3339Nano)
		}
		r.Timeline = append(r.Timeline, e)
	}
	for _, t := range a.Trees {
		if len(t.Path) == 0 {
			continue
		}
		tp := TreePath{Playbook: t.Playbook.ID, Conclusion: t.Conclusion}
		for _, st := range t.Path {
			tp.Steps = append(tp.Steps, Step{Step: st.Step.ID, Ask: st.Step.Ask, Answer: st.Branch.Label,
				By: st.By.Source, Kind: string(st.By.Kind), Detail: st.By.Detail})
		}
		if t.Current != nil {
			tp.Next = t.Current.Ask
		}
		r.Path = append(r.Path, tp)
	}
	if r.Path == nil {
		r.Path = []TreePath{}
	}
	if r.Timeline == nil {
		r.Timeline = []Event{}
	}
	return r
}

// sorted returns the evidence by time, evidence without a time first in arrival order.
func sorted(ledger []diagnose.Evidence) []diagnose.Evidence {
	out := slices.Clone(ledger)
	slices.SortStableFunc(out, func(a, b diagnose.Evidence) int { return a.At.Compare(b.At) })
	return out
}

// symptom gathers what the client saw: the recognised pieces of error text and the text itself
// is added from the files later (it is read while copying them).
func symptom(sess *diagnose.Session, p *knowledge.Playbook) Symptom {
	s := Symptom{Seen: []string{}}
	if p != nil && len(p.Symptoms) > 0 {
		s.Summary = p.Symptoms[0]
	}
	for _, ev := range sess.Ledger() {
		if ev.Kind == diagnose.FromText && !slices.Contains(s.Seen, ev.Detail) && len(s.Seen) < 12 {
			s.Seen = append(s.Seen, ev.Detail)
		}
	}
	return s
}

// hopNames name the path from the signals that say where the evidence was taken.
var hopNames = []struct{ signal, name string }{
	{"hop.gateway.proxied", "gateway → forward proxy → backend"},
	{"hop.forwardproxy", "forward proxy → backend"},
	{"hop.reverseproxy", "reverse proxy → backend"},
	{"http.reverseproxy.seen", "reverse proxy → backend"},
	{"hop.gateway.direct", "gateway → backend"},
	{"capture.hop.direct", "client → backend"},
}

// playbookHop names the hop a playbook is about when no signal names it.
var playbookHop = map[string]string{
	"proxy-tunnel":  "gateway → forward proxy → backend",
	"tls-handshake": "gateway → backend (TLS)",
	"mod-proxy":     "reverse proxy → backend",
}

// hops gives the verdict per hop. The engine ranks one path's causes; the hop is named from the
// evidence, and the list holds one entry per playbook whose leading cause stands out, so that a
// forward-proxy verdict and a TLS verdict behind it are both reported.
func hops(sess *diagnose.Session, a *diagnose.Assessment) []Hop {
	var out []Hop
	seen := map[string]bool{}
	for i, rc := range a.Causes {
		pb := rc.Cause.Playbook
		if seen[pb] || (i > 0 && rc.Confidence < 0.2) {
			continue
		}
		seen[pb] = true
		h := Hop{Hop: playbookHop[pb], State: "failing", Playbook: pb, Verdict: rc.Cause.ID, Title: rc.Cause.Title,
			Confidence: float64(int64(rc.Confidence*10000+0.5)) / 10000, For: []string{}, Against: []string{},
			Who: rc.Cause.Who, Resolution: rc.Cause.Resolution}
		if i == 0 {
			for _, hn := range hopNames {
				if _, ok := sess.Engine().Seen(hn.signal); ok {
					h.Hop = hn.name
					break
				}
			}
		}
		if h.Hop == "" {
			h.Hop = "the failing hop"
		}
		for _, f := range rc.For {
			h.For = append(h.For, f.String()+" (first: "+f.Source+")")
		}
		for _, f := range rc.Against {
			h.Against = append(h.Against, f.String())
		}
		out = append(out, h)
	}
	return out
}

// hopsOf turns the per-hop verdicts of the session's report into the bundle's: each failing hop
// with its leading cause, then the healthy ones.
func hopsOf(kb *knowledge.Base, base diagnose.Report) []Hop {
	var out []Hop
	for _, rh := range base.Hops {
		h := Hop{Hop: rh.Hop, Role: rh.Role, State: rh.Verdict, Failed: rh.Failed, Worked: rh.Worked, For: []string{}, Against: []string{}}
		if rh.Verdict == "failing" && len(rh.Causes) > 0 {
			c := rh.Causes[0]
			h.Verdict, h.Title, h.Confidence, h.Playbook = c.ID, c.Title, c.Confidence, c.Playbook
			h.For, h.Against = c.For, c.Against
			if kc, ok := kb.Cause(c.ID); ok {
				h.Who, h.Resolution = kc.Who, kc.Resolution
			}
		} else {
			h.Verdict, h.Title = "healthy", "every attempt on this hop worked"
		}
		out = append(out, h)
	}
	return out
}

// holds reports whether an input holds a must-gather item. Any file hopscope cannot read as a
// capture or a known log is read as text, so an item asking for text (the client's error) takes
// a text input only when the client's error was recognised in it; a configuration file or a
// server log read as text holds an item by its name alone.
func holds(g knowledge.GatherItem, sess *diagnose.Session, in diagnose.Input) bool {
	kind := strings.TrimSuffix(in.Kind, "+gzip")
	if !g.Matches(kind, in.Path) {
		return false
	}
	if kind != "text" || saidByClient(sess, in.Path) {
		return true
	}
	return g.Matches("", in.Path)
}

// gather marks the playbook's must-gather items against the inputs and the bundle's files.
func gather(kb *knowledge.Base, sess *diagnose.Session, pb string, inputs []diagnose.Input, files []File) []Gathered {
	out := []Gathered{}
	p, ok := kb.Playbook(pb)
	if !ok {
		return out
	}
	for _, g := range p.MustGather {
		it := Gathered{Item: g.Item}
		applies := len(g.When) == 0
		for _, s := range g.When {
			if _, ok := sess.Engine().Seen(s); ok {
				applies = true
			}
		}
		switch {
		case !applies:
			it.Status, it.Note = NotApplicable, "none of the evidence it matters for was seen"
		case len(g.Inputs) == 0:
			it.Status, it.Note = Missing, "only a person can add this"
		default:
			for _, in := range inputs {
				if in.Kind == "unreadable" || !holds(g, sess, in) {
					continue
				}
				name := in.Path
				switch {
				case in.Kind == "check":
					name = "report.json (checks: " + in.Path + ")"
				case in.Path == "stdin":
					name = "stdin (read, not kept: see Files)"
				}
				for _, f := range files {
					if f.From == in.Path {
						name = f.Path
					}
				}
				it.Files = append(it.Files, name)
			}
			it.Status = Missing
			if len(it.Files) > 0 {
				it.Status = Present
			}
		}
		out = append(out, it)
	}
	return out
}
