package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// Options tune Analyze.
type Options struct {
	// Name is the input's name, used in evidence sources ("name#N").
	Name string
	// KnownSignal, when set, filters the signals emitted to those the knowledge base knows.
	KnownSignal func(signal string) bool
	// Trace receives progress, findings and finished connections as the capture is read.
	Trace *Trace
	// Index, when set, gets one entry per packet for a viewer to page through.
	Index *Index
	// Workers is how many goroutines follow the connections, each a share of them by their
	// endpoints (0: one per CPU). The result is the same whatever the number.
	Workers int
}

// Summary describes a capture that was read.
type Summary struct {
	Format  Format
	Packets int64
	// TCP counts the packets that carried TCP (or an ICMP error about a TCP segment).
	TCP int64
	// Bytes is the length of the (uncompressed) stream.
	Bytes int64
	// Flows counts the TCP connections, by outcome in States.
	Flows  int
	States map[State]int
	// First and Last are the earliest and latest packet times (ns since the epoch).
	First, Last int64
	// Evidence counts the findings emitted (after aggregation).
	Evidence int
	Warnings []string
}

// checkEvery is how many packets pass between looks at the context.
const checkEvery = 4096

// Analyze reads a capture from r to its end and reports what it shows: findings go to
// opts.Trace.Evidence as they are made (with repeated findings aggregated), finished connections
// to opts.Trace.FlowDone. A stream that is not a capture fails; one that is damaged part way is
// read up to the damage, with a warning in the summary.
func Analyze(ctx context.Context, r io.Reader, opts Options) (Summary, error) {
	return analyze(ctx, r, opts, nil)
}

// analyze is Analyze with a hook that gets the reader once its header is read.
func analyze(ctx context.Context, r io.Reader, opts Options, gotReader func(*Reader)) (Summary, error) {
	rd, err := NewReader(r)
	if err != nil {
		return Summary{}, err
	}
	if gotReader != nil {
		gotReader(rd)
	}
	var tr Trace
	if opts.Trace != nil {
		tr = *opts.Trace
	}
	sum := Summary{Format: rd.Format(), States: map[State]int{}, First: -1}
	fs := newFindings(opts.Name, opts.KnownSignal, func(ev diagnose.Evidence) {
		sum.Evidence++
		if tr.Evidence != nil {
			tr.Evidence(ev)
		}
	})
	if tr.Attempt != nil {
		fs.attempt = tr.Attempt
	}
	var lk *links
	lk = newLinks(func(f *Flow) {
		sum.Flows++
		sum.States[f.State()]++
		fs.flow(lk, f)
		if tr.FlowDone != nil {
			tr.FlowDone(f)
		}
	}, func(f *Flow, ev event) { fs.event(lk, f, ev) })
	in := &intake{rd: rd, ctx: ctx, tr: tr, sum: &sum, index: opts.Index, dns: newDNSTable(), unknown: map[LinkType]int64{}}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, maxWorkers)
	var given int64
	if workers == 1 {
		given = runInline(in, lk)
	} else {
		given = runSharded(in, lk, workers)
	}
	if in.err != nil {
		return sum, fmt.Errorf("capture: %w", in.err)
	}
	in.dns.report(fs, sum.Last)
	fs.flush()
	sum.Packets, sum.Bytes = rd.Packets(), rd.Offset()
	if sum.First < 0 {
		sum.First = 0
	}
	sum.Warnings = rd.Warnings()
	if in.cut > 0 {
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("%d TCP packets were cut before the end of their headers and were skipped", in.cut))
	}
	if given > 0 {
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("%d connections that never opened (a SYN flood or a scan?) were judged early on what they had shown, to keep at most %d of them in memory", given, maxUnopened))
	}
	links := make([]LinkType, 0, len(in.unknown))
	for l := range in.unknown {
		links = append(links, l)
	}
	slices.Sort(links)
	for _, l := range links {
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("%d packets of link type %d were not decoded (hopscope decodes Ethernet, Linux cooked SLL/SLL2, loopback and raw IP)", in.unknown[l], l))
	}
	if tr.Progress != nil {
		tr.Progress(Progress{Packets: sum.Packets, Bytes: sum.Bytes, Time: sum.Last, Done: true})
	}
	return sum, nil
}

func decodable(l LinkType) bool {
	switch l {
	case LinkNull, LinkEthernet, LinkRaw, LinkLoop, LinkSLL, LinkIPv4, LinkIPv6, LinkSLL2, 12, 14:
		return true
	}
	return false
}

// IsNotCapture reports whether err says the input was not a capture at all (as opposed to a
// capture that could not be read).
func IsNotCapture(err error) bool { return errors.Is(err, ErrNotCapture) }

// nsTime converts capture nanoseconds to a time.Time in UTC.
func nsTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }
