package capture

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/hopscope/hopscope/diagnose"
)

// TrimOptions tune Trim.
type TrimOptions struct {
	// Controls is how many healthy connections (established and closed normally, no finding on
	// them) are kept beside the failing ones, so the next reader can compare.
	Controls int
	// MaxFailing bounds the failing connections kept; 0 means DefaultMaxFailing.
	MaxFailing int
	// Mask, when set, is called on every kept packet's bytes before they are written; it may
	// change bytes but not the length (redaction of credentials in payloads).
	Mask func(data []byte)
	// KnownSignal filters the findings that make a connection failing, as in Options.
	KnownSignal func(signal string) bool
}

// DefaultMaxFailing keeps a trimmed capture of a long outage to a size one can mail: the first
// 500 failing connections show the failure as well as all of them.
const DefaultMaxFailing = 500

// TrimResult says how a capture was cut.
type TrimResult struct {
	// Packets were read, Kept written.
	Packets, Kept int64
	// Flows counts the connections seen; Failing and Controls those kept.
	Flows, Failing, Controls int
	// FailingSeen counts every failing connection, kept or not.
	FailingSeen int
	// KeptFlows describes each kept connection ("#3 127.0.0.1:5000 > 127.0.0.1:3128 direct REJ Sr").
	KeptFlows []string
	Warnings  []string
}

// trimFlow is what Trim remembers of a connection between its passes.
type trimFlow struct {
	key         flowKey
	first, last int64
	state       State
	desc        string
	failing     bool
	keep        bool
}

// Trim writes to w, as pcapng, the packets of the failing connections of a capture (those a
// finding points at, or that were refused, unanswered or reset) and of a few healthy ones, plus
// any other packet a finding names (a DNS answer). The capture is read three times through open:
// once to find connections and findings, once to tie the findings' packets to connections, once
// to write; nothing but the list of connections is kept in memory.
func Trim(ctx context.Context, open func() (io.ReadCloser, error), w io.Writer, opts TrimOptions) (TrimResult, error) {
	if opts.MaxFailing <= 0 {
		opts.MaxFailing = DefaultMaxFailing
	}
	var (
		res    TrimResult
		flows  []*trimFlow
		marked = map[int64]bool{}
	)
	// Pass 1: the connections and the packets findings name.
	r, err := open()
	if err != nil {
		return res, err
	}
	sum, err := Analyze(ctx, r, Options{KnownSignal: opts.KnownSignal, Trace: &Trace{
		Evidence: func(ev diagnose.Evidence) {
			for _, n := range ev.Packets {
				marked[n] = true
			}
		},
		FlowDone: func(f *Flow) {
			st := f.State()
			flows = append(flows, &trimFlow{key: keyOf2(f), first: f.FirstPacket, last: f.LastPacket, state: st, desc: f.String(),
				failing: st != StateSF && st != StateS1 && st != StateOTH})
		},
	}})
	r.Close()
	if err != nil {
		return res, err
	}
	res.Packets, res.Flows, res.Warnings = sum.Packets, len(flows), sum.Warnings
	slices.SortFunc(flows, func(a, b *trimFlow) int { return int(a.first - b.first) })
	byKey := map[flowKey][]*trimFlow{}
	for _, f := range flows {
		byKey[f.key] = append(byKey[f.key], f)
	}
	find := func(n int64, s *Segment) *trimFlow {
		for _, f := range byKey[keyOf(s)] {
			if f.first <= n && n <= f.last {
				return f
			}
		}
		return nil
	}

	// Pass 2: the connection each named packet belongs to is failing.
	if len(marked) > 0 {
		err = eachPacket(ctx, open, func(p *Packet, s *Segment, tcp bool) {
			if tcp && marked[p.Number] {
				if f := find(p.Number, s); f != nil {
					f.failing = true
				}
			}
		})
		if err != nil {
			return res, err
		}
	}
	for _, f := range flows {
		switch {
		case f.failing:
			res.FailingSeen++
			if res.Failing < opts.MaxFailing {
				f.keep = true
				res.Failing++
			}
		case res.Controls < opts.Controls && f.state == StateSF:
			f.keep = true
			res.Controls++
		}
		if f.keep {
			res.KeptFlows = append(res.KeptFlows, f.desc)
		}
	}
	if res.FailingSeen > res.Failing {
		res.Warnings = append(res.Warnings, fmt.Sprintf("kept the first %d of %d failing connections", res.Failing, res.FailingSeen))
	}

	// Pass 3: write what is kept.
	nw := newNGWriter(w)
	err = eachPacket(ctx, open, func(p *Packet, s *Segment, tcp bool) {
		keep := marked[p.Number]
		if !keep && tcp {
			f := find(p.Number, s)
			keep = f != nil && f.keep
		}
		if !keep {
			return
		}
		if opts.Mask != nil {
			opts.Mask(p.Data)
		}
		nw.packet(p)
		res.Kept++
	})
	if err != nil {
		return res, err
	}
	if err := nw.flush(); err != nil {
		return res, fmt.Errorf("capture: writing the trimmed capture: %w", err)
	}
	return res, nil
}

// eachPacket reads a capture from open and calls fn for every packet with its decoded segment
// (tcp is false for a packet that is not TCP or an ICMP error about TCP).
func eachPacket(ctx context.Context, open func() (io.ReadCloser, error), fn func(p *Packet, s *Segment, tcp bool)) error {
	r, err := open()
	if err != nil {
		return err
	}
	defer r.Close()
	rd, err := NewReader(r)
	if err != nil {
		return err
	}
	var seg Segment
	for {
		p, err := rd.Next()
		if err != nil {
			return nil
		}
		if p.Number%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("capture: %w", err)
			}
		}
		res := decode(p.Link, p.Data, &seg)
		fn(&p, &seg, res == decodedTCP || res == decodedICMP)
	}
}
