package logs

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hopscope/hopscope/diagnose"
)

// keepPerSignal is how many lines of one signal in one log become evidence of their own; the
// rest are counted into one summary. Three shows the first failure and that it repeats.
const keepPerSignal = 3

// detailLen bounds the log text quoted in an evidence's detail.
const detailLen = 240

// signalAgg is one signal's lines in one log.
type signalAgg struct {
	kept        []keptLine
	count       int64
	first, last time.Time
	lastLine    int64
	// backends counts the lines per backend named on them, the first maxAggBackends backends;
	// cur is the one counted last (consecutive lines mostly name the same backend).
	backends []backendCount
	cur      int
}

// backendCount is one backend's share of a signal's lines, with its first and last time.
type backendCount struct {
	name string
	// stats is the backend's in the analyzer: one per backend, so it tells backends apart
	// without comparing their names.
	stats       *backendStats
	n           int64
	first, last time.Time
}

// maxAggBackends bounds the backends counted per signal; a summary names the busiest anyway.
const maxAggBackends = 16

// keptLine is a line kept for evidence, copied out of the reader's buffer.
type keptLine struct {
	line  int64
	at    time.Time
	event Event
	text  string
	rec   linkKey
	// companion marks a second line about the failure on the line before it.
	companion bool
}

// signals counts one line under each of its signals; bs is the backend of a failure (nil for
// other lines).
func (fs *fileState) signals(sigs []string, r *Record, bs *backendStats) {
	if len(sigs) == 0 {
		return
	}
	var aggs []*signalAgg
	for i := range fs.recent {
		if rs := &fs.recent[i]; len(rs.sigs) == len(sigs) && &rs.sigs[0] == &sigs[0] {
			aggs = rs.aggs
			break
		}
	}
	if aggs == nil {
		rs := &fs.recent[fs.next]
		fs.next = (fs.next + 1) % len(fs.recent)
		rs.sigs, rs.aggs = sigs, rs.aggs[:0]
		for _, sig := range sigs {
			rs.aggs = append(rs.aggs, fs.agg(sig))
		}
		aggs = rs.aggs
	}
	for _, agg := range aggs {
		agg.add(r, bs)
	}
}

// agg returns the aggregate of a signal, creating it on first use.
func (fs *fileState) agg(sig string) *signalAgg {
	agg, ok := fs.aggs[sig]
	if !ok {
		agg = &signalAgg{}
		fs.aggs[sig] = agg
		fs.sigSeq = append(fs.sigSeq, sig)
	}
	return agg
}

func (agg *signalAgg) add(r *Record, bs *backendStats) {
	agg.count++
	if agg.first.IsZero() {
		agg.first = r.Time
	}
	if !r.Time.IsZero() {
		agg.last = r.Time
	}
	agg.lastLine = r.Line
	if bs != nil && len(r.Backend) > 0 {
		agg.countBackend(r, bs)
	}
	if len(agg.kept) < keepPerSignal {
		agg.kept = append(agg.kept, keptLine{line: r.Line, at: r.Time, event: r.Event, text: clip(r.Text, detailLen), rec: newLinkKey(r), companion: r.Companion})
	}
}

func (agg *signalAgg) countBackend(r *Record, bs *backendStats) {
	i := agg.cur
	if i >= len(agg.backends) || agg.backends[i].stats != bs {
		i = -1
		for j := range agg.backends {
			if agg.backends[j].stats == bs {
				i = j
				break
			}
		}
		if i < 0 {
			if len(agg.backends) >= maxAggBackends {
				return
			}
			agg.backends = append(agg.backends, backendCount{name: bs.key, stats: bs, first: r.Time})
			i = len(agg.backends) - 1
		}
		agg.cur = i
	}
	b := &agg.backends[i]
	b.n++
	if !r.Time.IsZero() {
		b.last = r.Time
	}
}

// byBackend writes "; by backend: 10.0.0.5:8080 40 (10:00:01–10:04:59), 10.0.0.6:8080 7 (…)"
// when the lines name more than one backend, or the one backend they name.
func (agg *signalAgg) byBackend() string {
	if len(agg.backends) == 0 {
		return ""
	}
	bs := append([]backendCount(nil), agg.backends...)
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].n > bs[j].n })
	var b strings.Builder
	b.WriteString("; by backend:")
	for i, x := range bs {
		if i == 5 {
			fmt.Fprintf(&b, " and %d more", len(bs)-5)
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, " %s %d", x.name, x.n)
		if !x.first.IsZero() {
			fmt.Fprintf(&b, " (%s–%s)", x.first.Format("15:04:05"), x.last.Format("15:04:05"))
		}
	}
	return b.String()
}

// lineEvidence turns the kept lines of every signal into evidence, plus a summary per signal
// seen more often than keepPerSignal.
func (fs *fileState) lineEvidence(l *linker) []diagnose.Evidence {
	var out []diagnose.Evidence
	for _, sig := range fs.sigSeq {
		agg := fs.aggs[sig]
		for _, k := range agg.kept {
			detail := meaning(sig, k.event) + ": " + k.text
			if link := l.describe(fs.name, k); link != "" {
				detail += " — " + link
			}
			out = append(out, diagnose.Evidence{
				Signal: sig, Source: fmt.Sprintf("%s:%d", fs.name, k.line), Kind: diagnose.FromLog,
				At: k.at, Detail: detail, Path: fs.name, Line: int(k.line),
			})
		}
		if agg.count > int64(len(agg.kept)) {
			out = append(out, diagnose.Evidence{
				Signal: sig, Source: fmt.Sprintf("%s:%d", fs.name, agg.lastLine), Kind: diagnose.FromLog,
				At:     agg.last,
				Detail: fmt.Sprintf("%d lines in %s show this%s (last at line %d)%s", agg.count, fs.name, span(agg.first, agg.last), agg.lastLine, agg.byBackend()),
				Path:   fs.name, Line: int(agg.lastLine),
			})
		}
	}
	return out
}

// span writes " from 10:00:01 to 10:04:59" (nothing when the times are unknown).
func span(first, last time.Time) string {
	if first.IsZero() {
		return ""
	}
	layout := "15:04:05"
	if last.Sub(first) > 24*time.Hour {
		layout = "2006-01-02 15:04:05"
	}
	return fmt.Sprintf(" from %s to %s", first.Format(layout), last.Format(layout))
}

// clip copies at most n bytes of b into a string, cut on a rune boundary.
func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return string(b[:n]) + "…"
}

// sub is t.Sub(u), the same value, without Sub's check for a result past a Duration's range,
// which costs as much again (Sub is once per failure line): the check is needed only for times
// some 290 years apart, which are left to Sub.
func sub(t, u time.Time) time.Duration {
	const far = 9e9 // seconds: within a Duration's range, which ends at 9.22e9 s
	if ds := t.Unix() - u.Unix(); ds > -far && ds < far {
		return time.Duration(ds)*time.Second + time.Duration(t.Nanosecond()-u.Nanosecond())
	}
	return t.Sub(u)
}

// welford keeps the count, mean and variance of a stream of numbers in constant memory.
type welford struct {
	n        int64
	mean, m2 float64
}

func (w *welford) add(x float64) {
	w.n++
	d := x - w.mean
	w.mean += d / float64(w.n)
	w.m2 += d * (x - w.mean)
}

func (w *welford) std() float64 {
	if w.n < 2 {
		return 0
	}
	return math.Sqrt(w.m2 / float64(w.n-1))
}

// burstiness is the Goh–Barabási coefficient (σ−μ)/(σ+μ) of the gaps between failures: about −1
// for a steady beat, 0 for random (Poisson) arrivals, towards +1 for bursts separated by quiet.
func (w *welford) burstiness() float64 {
	s, m := w.std(), w.mean
	if w.n < 2 || s+m == 0 {
		return 0
	}
	return (s - m) / (s + m)
}
