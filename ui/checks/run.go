package checks

import (
	"context"
	"fmt"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/diagnose/probe"
	"github.com/hopscope/hopscope/knowledge"
)

// state is where one check stands in a run.
type state int

const (
	pending state = iota
	running
	passed
	failed
	skipped
)

// checkRow is one check as the pane lists it.
type checkRow struct {
	id      string
	state   state
	note    string
	started time.Time // when it began running, to show how long it has been waiting
}

// run is one run of the checks in the background. The probe's hooks write to it under mu and
// post a message on events; the pane reads it under mu. Messages carry the run itself, so a pane
// created after the run started (the investigation screen opening) can take it over.
type run struct {
	id     int
	target string
	// values are the form's values the run started with, for a pane that takes it over.
	values []string
	cancel context.CancelFunc
	events chan tea.Msg

	mu     sync.Mutex
	rows   []checkRow
	phases []probe.Phase
	done   bool
	// refused lists what the guard kept the checks from reaching, with the reason.
	refused []string
}

// progressMsg says a run moved: a check started or ended, a phase ended.
type progressMsg struct {
	run *run
	// evidence is what an ended check found, for the investigation.
	evidence []diagnose.Evidence
}

// doneMsg says a run ended.
type doneMsg struct{ run *run }

// startRun starts the checks in the background and returns the run; they stop when parent is
// done. Events are buffered so the probe never waits on the screen; when the buffer is full a
// progress event is dropped (the next one redraws the same state) but evidence and the end never
// are, unless parent is done: nothing reads them then.
func startRun(parent context.Context, kb *knowledge.Base, id int, o *probe.Options, order, values []string) *run {
	ctx, cancel := context.WithCancel(parent)
	r := &run{id: id, target: diagnose.Redact(o.Target.Redacted()), values: values, cancel: cancel, events: make(chan tea.Msg, 64)}
	for _, c := range order {
		r.rows = append(r.rows, checkRow{id: c})
	}
	post := func(m tea.Msg, must bool) {
		if must {
			select {
			case r.events <- m:
			case <-parent.Done():
			}
			return
		}
		select {
		case r.events <- m:
		default:
		}
	}
	proxy := ""
	if o.Proxy != nil {
		proxy = o.Proxy.String()
	}
	hop := probe.CheckHop(o.Target.String(), proxy)
	hooks := &probe.Hooks{
		CheckStart: func(c string) {
			r.set(c, running, "")
			post(progressMsg{run: r}, false)
		},
		CheckDone: func(c string, res any) {
			now := time.Now()
			ev := probe.CheckEvidence(kb, c, res, now)
			ev = probe.WithAttempts(ev, probe.CheckAttempts(hop, c, res, ev, now))
			st, note := outcome(kb, ev)
			if why := probe.Unexplained(res); len(ev) == 0 && why != "" {
				// No signal for what happened (an answer cut short, a head too large): not a pass.
				st, note = failed, why
			}
			if ref := probe.Refusals(res); len(ref) > 0 {
				r.mu.Lock()
				r.refused = append(r.refused, ref...)
				r.mu.Unlock()
				if len(ev) == 0 {
					// Nothing was sent, so nothing was found: the check did not pass.
					st, note = failed, "not allowed here"
				}
			}
			r.set(c, st, note)
			post(progressMsg{run: r, evidence: ev}, true)
		},
		PhaseDone: func(p probe.Phase) {
			r.mu.Lock()
			r.phases = append(r.phases, p)
			r.mu.Unlock()
			post(progressMsg{run: r}, false)
		},
	}
	go func() {
		defer cancel()
		_, _ = probe.Run(ctx, o, hooks)
		r.mu.Lock()
		for i := range r.rows {
			if r.rows[i].state == pending || r.rows[i].state == running {
				r.rows[i].state = skipped
			}
		}
		r.done = true
		r.mu.Unlock()
		select {
		case r.events <- doneMsg{run: r}:
		case <-parent.Done():
		}
		close(r.events)
	}()
	return r
}

// wait returns the command that delivers the run's next event.
func (r *run) wait() tea.Cmd {
	return func() tea.Msg {
		m, ok := <-r.events
		if !ok {
			return nil
		}
		return m
	}
}

func (r *run) set(check string, st state, note string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.rows {
		if r.rows[i].id == check {
			r.rows[i].state, r.rows[i].note = st, note
			if st == running {
				r.rows[i].started = time.Now()
			}
		}
	}
}

// refusals copies what the guard refused so far.
func (r *run) refusals() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.refused...)
}

// snapshot copies what the pane draws.
func (r *run) snapshot() ([]checkRow, []probe.Phase, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]checkRow(nil), r.rows...), append([]probe.Phase(nil), r.phases...), r.done
}

// outcome says whether a check's evidence is a pass and says in words what it found (a signal's
// title, its id when the knowledge has none), what failed first; the ledger keeps the ids.
func outcome(kb *knowledge.Base, ev []diagnose.Evidence) (state, string) {
	if len(ev) == 0 {
		return passed, "nothing wrong found"
	}
	st := passed
	var bad, good []string
	for _, e := range ev {
		if probe.Healthy(e.Signal) {
			good = append(good, e.Signal)
			continue
		}
		st = failed
		bad = append(bad, e.Signal)
	}
	notes := append(bad, good...)
	s := notes[0]
	if sig, ok := kb.Signal(s); ok && sig.Title != "" {
		s = sig.Title
	}
	if len(notes) > 1 {
		s += fmt.Sprintf(" (and %d more)", len(notes)-1)
	}
	return st, s
}

// order lists the checks a run with these options goes through.
func order(o *probe.Options) []string {
	var out []string
	if o.Proxy != nil {
		out = append(out, probe.CheckConnect)
	} else {
		out = append(out, probe.CheckDNS, probe.CheckTCP)
	}
	if o.Target.Scheme == "https" {
		out = append(out, probe.CheckTLS)
	}
	out = append(out, probe.CheckHTTP)
	if o.BodySize > 0 {
		out = append(out, probe.CheckBody)
	}
	if o.KeepaliveIdle > 0 && o.Until != probe.CheckBody {
		out = append(out, probe.CheckKeepalive)
	}
	if o.Until != "" {
		for i, c := range out {
			if c == o.Until {
				return out[:i+1]
			}
		}
	}
	return out
}
