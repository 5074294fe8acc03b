package logs

import (
	"fmt"
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// Thresholds of the failure pattern. The playbook names three shapes (every attempt failing,
// clusters, sporadic); these numbers decide between them and are reported with the evidence so
// the operator can judge a borderline case.
const (
	// allFailingRatio: a share of failed requests at or above it counts as "every attempt fails"
	// (a few requests may still succeed from a cache or before the backend went down).
	allFailingRatio = 0.9
	// sporadicRatio: at or below it, and with no run longer than sporadicRun, failures are sporadic.
	sporadicRatio = 0.2
	sporadicRun   = 2
	// clusterIndex: mean failure run length at least this many times what independent failures
	// at the same ratio would give (1/(1-p)) means the failures come in runs.
	clusterIndex = 1.5
	// burstyAbove: gaps between failures with a burstiness coefficient above it come in bursts.
	burstyAbove = 0.3
	// minFailures is the fewest failures a pattern is read from.
	minFailures = 3
)

// requestStats follows the requests of one access log: outcome runs, gaps between failures, and
// counts by request shape for the correlation.
type requestStats struct {
	total, failed      int64
	run, longest, runs int64
	gaps               welford
	lastFail           time.Time
	firstFail          keptLine
	lastFailLine       int64
	shapes             shapeCounts
	minutes            map[int64]*minuteCount
	lastMinute         int64
	lastCount          *minuteCount
	// latest is the latest request time seen; a request starting idleGap or more after it
	// comes after an idle pause (access logs are written in completion order, so the lines are
	// not quite in time order).
	latest, firstAt                   time.Time
	idleFailed, idleTotal, busyFailed int64
}

// idleGap is the pause after which a request counts as coming after idle time. Backends close
// idle keep-alive connections after a few seconds (Apache KeepAliveTimeout 5 s, nginx 60-75 s,
// many application servers 1-5 s); access logs stamp whole seconds, so one second is the finest
// pause they can show.
const idleGap = time.Second

// minuteCount is one minute of an access log.
type minuteCount struct{ total, failed int }

func newRequestStats() *requestStats {
	return &requestStats{shapes: newShapeCounts(), minutes: map[int64]*minuteCount{}}
}

func (s *requestStats) add(r *Record) {
	failed := r.IsFailedRequest()
	s.total++
	if !r.Time.IsZero() {
		m := r.Time.Unix() / 60
		mc := s.lastCount
		if mc == nil || m != s.lastMinute {
			var ok bool
			if mc, ok = s.minutes[m]; !ok {
				mc = &minuteCount{}
				s.minutes[m] = mc
			}
			s.lastMinute, s.lastCount = m, mc
		}
		mc.total++
		if failed {
			mc.failed++
		}
	}
	s.shapes.add(r, failed)
	idle := false
	if !r.Time.IsZero() && (s.firstAt.IsZero() || r.Time.Before(s.firstAt)) {
		s.firstAt = r.Time
	}
	if !r.Time.IsZero() {
		idle = !s.latest.IsZero() && sub(r.Time, s.latest) >= idleGap
		if r.Time.After(s.latest) {
			s.latest = r.Time
		}
	}
	if idle {
		s.idleTotal++
		if failed {
			s.idleFailed++
		}
	} else if failed {
		s.busyFailed++
	}
	if !failed {
		s.run = 0
		return
	}
	s.failed++
	if s.failed == 1 {
		s.firstFail = keptLine{line: r.Line, at: r.Time, event: EventRequest, text: clip(r.Text, detailLen)}
	}
	s.lastFailLine = r.Line
	if s.run == 0 {
		s.runs++
	}
	s.run++
	s.longest = max(s.longest, s.run)
	if !r.Time.IsZero() {
		if !s.lastFail.IsZero() {
			s.gaps.add(sub(r.Time, s.lastFail).Seconds())
		}
		s.lastFail = r.Time
	}
}

// Pattern is the failure pattern of an access log, with its numbers.
type Pattern struct {
	Total, Failed int64
	// Ratio is Failed/Total.
	Ratio float64
	// Longest is the longest run of consecutive failed requests; Runs how many runs there are.
	Longest, Runs int64
	// Clustering is the mean run length over what independent failures would give (1 = random).
	Clustering float64
	// Burstiness is the Goh–Barabási coefficient of the gaps between failures (see welford).
	Burstiness float64
	// Shape is "all-failing", "clustered", "sporadic", "request-correlated" or "" (none clear).
	Shape string
	// Correlation describes the request shape the failures follow, when Shape says so.
	Correlation string
	// AfterIdle says the failures strike the first requests after an idle pause, as when the
	// proxy reuses a keep-alive connection the backend has just closed; IdleFailed of IdleTotal
	// requests after a pause failed, BusyFailed of BusyTotal others.
	AfterIdle                                    bool
	IdleFailed, IdleTotal, BusyFailed, BusyTotal int64
}

func (s *requestStats) pattern(retried bool) Pattern {
	p := Pattern{Total: s.total, Failed: s.failed, Longest: s.longest, Runs: s.runs, Burstiness: s.gaps.burstiness(),
		IdleFailed: s.idleFailed, IdleTotal: s.idleTotal, BusyFailed: s.busyFailed, BusyTotal: s.total - s.idleTotal}
	if s.total == 0 || s.failed == 0 {
		return p
	}
	p.AfterIdle = s.afterIdle()
	p.Ratio = float64(s.failed) / float64(s.total)
	if p.Ratio < 1 && s.runs > 0 {
		p.Clustering = (float64(s.failed) / float64(s.runs)) * (1 - p.Ratio)
	}
	switch {
	case s.failed < minFailures && p.Ratio > sporadicRatio:
	case p.Ratio >= allFailingRatio && s.failed >= minFailures:
		p.Shape, p.AfterIdle = "all-failing", false
	default:
		if c, ok := s.shapes.correlate(s.total, s.failed, retried); ok {
			// Requests of one kind that fail slowly (a timeout) are logged long after the one
			// before them when the log stamps completion (nginx): their pattern explains the
			// pause, so the pause is not read as idle time.
			p.Shape, p.Correlation, p.AfterIdle = "request-correlated", c, false
			break
		}
		switch {
		case s.failed >= minFailures && (p.Clustering >= clusterIndex && s.longest >= minFailures || p.Burstiness > burstyAbove):
			p.Shape = "clustered"
		case p.Ratio <= sporadicRatio && s.longest <= sporadicRun:
			p.Shape = "sporadic"
		}
	}
	return p
}

// afterIdle reports whether the failures follow idle pauses: most failures come after one, a good
// share of the requests after one fail, and requests without a pause before them rarely do.
func (s *requestStats) afterIdle() bool {
	busy := s.total - s.idleTotal
	if s.idleFailed < 2 || s.idleTotal == 0 || busy == 0 {
		return false
	}
	share := float64(s.idleFailed) / float64(s.failed)
	idleRate := float64(s.idleFailed) / float64(s.idleTotal)
	busyRate := float64(s.busyFailed) / float64(busy)
	return share >= 0.75 && idleRate >= 0.3 && busyRate <= idleRate/4
}

// String gives the numbers in one line.
func (p Pattern) String() string {
	return fmt.Sprintf("%d of %d requests failed (%.1f%%), %d runs, longest %d, clustering %.2f× random, burstiness %.2f",
		p.Failed, p.Total, 100*p.Ratio, p.Runs, p.Longest, p.Clustering, p.Burstiness)
}

func (s *requestStats) evidence(name string, retried bool) []diagnose.Evidence {
	p := s.pattern(retried)
	var out []diagnose.Evidence
	add := func(signal, detail string) {
		out = append(out, diagnose.Evidence{
			Signal: signal, Source: fmt.Sprintf("%s:%d", name, s.firstFail.line), Kind: diagnose.FromLog,
			At: s.firstFail.at, Detail: name + ": " + detail, Path: name, Line: int(s.firstFail.line),
		})
	}
	if p.Shape != "" {
		detail := p.String()
		if p.Correlation != "" {
			detail = p.Correlation + "; " + detail
		}
		add("log.pattern."+p.Shape, detail)
	}
	if p.AfterIdle {
		add("log.pattern.after-idle", fmt.Sprintf("failures come after idle pauses: %d of the %d requests after a pause of %v or more failed, %d of the %d others",
			p.IdleFailed, p.IdleTotal, idleGap, p.BusyFailed, p.BusyTotal))
	}
	return out
}

// errorOnlyPattern infers what it can from error logs when no access log was given: the
// successes are unknown, so only two shapes are claimed, each said to be inferred. A backend
// whose every logged failure is a refusal (or the proxy refusing to try it again) is taken as
// down; failures of other kinds whose gaps are bursty are taken as clustered.
func (a *Analyzer) errorOnlyPattern() []diagnose.Evidence {
	var out []diagnose.Evidence
	for _, key := range a.order {
		b := a.backends[key]
		if b.count < minFailures {
			continue
		}
		refused := b.byEvent[EventConnectRefused] + b.byEvent[EventWorkerDisabled]
		var shape, why string
		switch {
		case refused == b.count && b.byEvent[EventConnectRefused] > 0:
			shape = "all-failing"
			why = fmt.Sprintf("every one of the %d failures logged for %s is a refused connection", b.count, b.name)
		case b.gaps.burstiness() > burstyAbove && b.count >= 2*minFailures:
			shape = "clustered"
			why = fmt.Sprintf("the %d failures logged for %s come in bursts (burstiness %.2f)", b.count, b.name, b.gaps.burstiness())
		default:
			continue
		}
		out = append(out, diagnose.Evidence{
			Signal: "log.pattern." + shape, Source: "error logs", Kind: diagnose.FromLog, At: b.first,
			Detail: why + span(b.first, b.last) + "; inferred from the error log alone: without an access log the requests that succeeded are unknown",
		})
	}
	return out
}

// squidTally counts a squid log's CONNECTs, to say when every tunnel was made.
type squidTally struct {
	connects, failed int64
	firstOK          keptLine
}

func (t *squidTally) add(r *Record) {
	if string(r.Method) != "CONNECT" {
		return
	}
	t.connects++
	if r.Status >= 300 || r.Status < 200 {
		t.failed++
		return
	}
	if t.firstOK.line == 0 {
		t.firstOK = keptLine{line: r.Line, at: r.Time, event: EventRequest, text: clip(r.Text, detailLen)}
	}
}

func (t *squidTally) evidence(name string) []diagnose.Evidence {
	if t.connects == 0 || t.failed > 0 {
		return nil
	}
	return []diagnose.Evidence{{
		Signal: "proxy.connect.status.200", Source: fmt.Sprintf("%s:%d", name, t.firstOK.line), Kind: diagnose.FromLog,
		At: t.firstOK.at, Detail: fmt.Sprintf("all %d CONNECTs in %s were tunnelled: %s", t.connects, name, t.firstOK.text),
		Path: name, Line: int(t.firstOK.line),
	}}
}
