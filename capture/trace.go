package capture

import "github.com/hopscope/hopscope/diagnose"

// Trace is a set of hooks that follow an analysis as it reads, in the manner of net/http/httptrace.
// Any hook may be nil. Hooks are called from the goroutine running Analyze, in order; a hook that
// hands data to another goroutine must copy what it keeps (a Flow is not touched again by the
// analysis after FlowDone returns, so keeping the pointer is fine).
type Trace struct {
	// Progress is called every ProgressEvery packets and once at the end.
	Progress func(Progress)
	// Evidence is called for each finding as soon as it is made. Findings about a connection are
	// made when it ends, so their times may be earlier than the packets read since.
	Evidence func(diagnose.Evidence)
	// Attempt is called once for each connection when it has ended, with what it attempted across
	// its hop and how that went. The attempt's Signals are valid only during the call.
	Attempt func(diagnose.Attempt)
	// FlowDone is called when a connection has ended (or the capture has), with all that was
	// seen on it.
	FlowDone func(*Flow)
	// Packet is called for every packet read, in order, before it is analysed. p.Data is valid
	// only during the call. With more than one worker (Options.Workers) it is called from the
	// goroutine reading the capture, not the one running Analyze.
	Packet func(p *Packet)
}

// ProgressEvery is how many packets pass between Progress calls: often enough for a progress bar
// to move smoothly on a fast disk, rarely enough to cost nothing.
const ProgressEvery = 1 << 16

// Progress is how far an analysis has read.
type Progress struct {
	Packets int64
	// Bytes is how much of the (uncompressed) stream was consumed.
	Bytes int64
	// Time is the capture time of the latest packet, in ns since the epoch.
	Time int64
	// Done is set on the last call.
	Done bool
}
