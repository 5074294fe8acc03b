package logs

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// Analyzer gathers what one or more logs of the same incident show: the failing lines (a few
// kept per signal, the rest counted), the errors per backend per minute, the requests of access
// logs with their outcome, and the lines that can tie an error to its request. Evidence turns it
// into diagnose.Evidence. An Analyzer is not safe for concurrent use.
type Analyzer struct {
	files    []*fileState
	backends map[string]*backendStats
	order    []string // backend keys in first-seen order
	links    linker
	// recent holds the backends of the last few failures, next the one to replace: failures in a
	// row mostly name the same backend or take turns among a few (a balancer's members), and
	// comparing a few keys is cheaper than a map lookup.
	recent [4]*backendStats
	next   int
	// att reports the lines' attempts, when asked to (SetAttempts).
	att attempts
}

// fileState is what the analyzer keeps of one log.
type fileState struct {
	name   string
	format Format
	stats  Stats
	aggs   map[string]*signalAgg
	sigSeq []string // signal ids in first-seen order
	// recent remembers the aggregates of the last few signal lists seen: lineSignals returns
	// shared slices, so a repeat is recognised by identity without a map lookup per signal.
	recent [4]recentSigs
	next   int
	req    *requestStats
	squid  squidTally
	// failures counts failure lines (companions excluded) by event.
	failures [EventRequest]int64
}

// NewAnalyzer returns an empty analyzer.
func NewAnalyzer() *Analyzer {
	return &Analyzer{backends: map[string]*backendStats{}}
}

// ReadFile scans one log of a known format into the analyzer. name is how evidence cites it.
func (a *Analyzer) ReadFile(ctx context.Context, name string, r io.Reader, f Format, opts Options) (Stats, error) {
	fs := a.file(name, f)
	st, err := Scan(ctx, r, f, opts, fs.observer(a))
	fs.stats = st
	if err != nil {
		return st, fmt.Errorf("%s: %w", name, err)
	}
	return st, nil
}

// file returns the state of a named log, creating it on first use.
func (a *Analyzer) file(name string, f Format) *fileState {
	for _, fs := range a.files {
		if fs.name == name {
			return fs
		}
	}
	fs := &fileState{name: name, format: f, aggs: map[string]*signalAgg{}}
	if isAccess(f) {
		fs.req = newRequestStats()
	}
	a.files = append(a.files, fs)
	return fs
}

func isAccess(f Format) bool { return f == Access || f == RouterAccess || f == CustomAccess }

// observer returns the per-line function of a file: everything here runs once per line, so it
// allocates only when it keeps something new (a first occurrence, a new backend, a new minute).
func (fs *fileState) observer(a *Analyzer) func(*Record) {
	return func(r *Record) { a.observe(fs, r) }
}

// Observe adds one record read from the named log (used when following a growing file).
func (a *Analyzer) Observe(name string, f Format, r *Record) {
	a.observe(a.file(name, f), r)
}

func (a *Analyzer) observe(fs *fileState, r *Record) {
	failure := r.Event.IsFailure() && !r.Companion
	var bs *backendStats
	if failure {
		bs = a.backend(r.Backend)
	}
	sigs := lineSignals(fs.format, r)
	fs.signals(sigs, r, bs)
	if a.att.sink != nil {
		a.observeAttempt(fs, r, sigs, bs)
	}
	switch {
	case r.Event == EventRequest:
		if fs.format == SquidAccess {
			fs.squid.add(r)
			return
		}
		fs.req.add(r)
		if r.IsFailedRequest() {
			a.links.addRequest(fs.name, r)
		}
	case failure:
		fs.failures[r.Event]++
		bs.add(r)
		a.links.addError(fs.name, r)
	case r.Event == EventNone && len(r.MsgID) > 0:
		a.links.addMsg(fs.name, r)
	}
}

// backend returns the stats of a backend, keyed by its address as logged.
func (a *Analyzer) backend(b []byte) *backendStats {
	for _, bs := range a.recent {
		if bs != nil && bs.key == string(b) {
			return bs
		}
	}
	bs, ok := a.backends[string(b)]
	if !ok {
		key := string(b)
		name := key
		if name == "" {
			name = "(backend not named)"
		}
		bs = &backendStats{key: key, name: name}
		a.backends[key] = bs
		a.order = append(a.order, key)
	}
	a.recent[a.next] = bs
	a.next = (a.next + 1) % len(a.recent)
	return bs
}

// recentSigs is one remembered signal list and its aggregates.
type recentSigs struct {
	sigs []string
	aggs []*signalAgg
}

// backendStats counts one backend's failures and the gaps between them (ReadOverview keeps the
// failures per minute a viewer draws).
type backendStats struct {
	key         string // as logged (may be empty)
	name        string
	count       int64
	first, last time.Time
	gaps        welford // seconds between failures
	byEvent     [EventRequest]int64
}

func (b *backendStats) add(r *Record) {
	b.count++
	b.byEvent[r.Event]++
	if r.Time.IsZero() {
		return
	}
	if !b.last.IsZero() {
		b.gaps.add(sub(r.Time, b.last).Seconds())
	}
	if b.first.IsZero() {
		b.first = r.Time
	}
	b.last = r.Time
}

// Evidence returns what the logs read so far show, aggregated: for each signal in each log its
// first few lines and one summary with the count, then the failure pattern and the request
// correlation of each access log (or, without an access log, what the error logs alone allow).
func (a *Analyzer) Evidence() []diagnose.Evidence {
	var out []diagnose.Evidence
	for _, fs := range a.files {
		out = append(out, fs.lineEvidence(&a.links)...)
	}
	retried := a.retriedEvidence()
	out = append(out, retried...)
	haveAccess := false
	for _, fs := range a.files {
		if fs.req != nil && fs.req.total > 0 {
			haveAccess = true
			evs := fs.req.evidence(fs.name, len(retried) > 0)
			if a.routeExplains() {
				for i := range evs {
					if evs[i].Signal == "log.pattern.request-correlated" {
						evs[i].Hop = diagnose.HopAll
					}
				}
			}
			out = append(out, evs...)
		}
		if fs.format == SquidAccess {
			out = append(out, fs.squid.evidence(fs.name)...)
		}
	}
	if !haveAccess {
		out = append(out, a.errorOnlyPattern()...)
	}
	return out
}
