// Package diagnose turns evidence into an assessment: the suspected causes ranked with the
// evidence for and against each, the position in each playbook's decision tree, and the check
// that would best separate the leading causes. It does no I/O; sources (live checks, capture and
// log readers, the operator) hand it Evidence.
package diagnose

import "time"

// SourceKind says what produced a piece of evidence.
type SourceKind string

// The kinds of source.
const (
	FromCheck    SourceKind = "check"    // a live check hopscope ran
	FromPacket   SourceKind = "packet"   // a packet capture
	FromLog      SourceKind = "log"      // a server log
	FromText     SourceKind = "text"     // pasted or saved error text
	FromOperator SourceKind = "operator" // the operator's answer to a step
)

// Evidence is one observation: a signal of the knowledge base with where and when it was seen.
type Evidence struct {
	// Signal is the id of a knowledge signal, such as "tcp.connect.refused".
	Signal string `json:"signal"`
	// Source names where it was seen, such as "capture.pcap#41", "error.log:120" or "check tls".
	Source string `json:"source"`
	// Kind says what kind of source produced it.
	Kind SourceKind `json:"kind"`
	// At is when it happened (capture or log time) or was observed; zero when not known.
	At time.Time `json:"at"`
	// Detail is a short human description: a log line, a status line, a timing. Redacted.
	Detail string `json:"detail"`
	// Path, Line and Packets point at what shows it, so a viewer can jump there.
	Path    string  `json:"path,omitempty"`
	Line    int     `json:"line,omitempty"`
	Packets []int64 `json:"packets,omitempty"`
	// Hop names the hop the evidence was seen on (HopKey.String); "" for evidence about the
	// incident as a whole (a log, a pasted error, an operator's answer), which every hop's
	// diagnosis weighs. HopAll marks evidence drawn over many attempts that the hops account
	// for one by one (a capture's counts and patterns), which no hop's diagnosis weighs again.
	Hop string `json:"hop,omitempty"`
	// Attempt is the key of the attempt the evidence belongs to, if any.
	Attempt string `json:"attempt,omitempty"`
	// Attempts carries attempts a source reported along with the evidence (those that ended
	// before it), so that a list of evidence replayed in time order brings its attempts with
	// it. Evidence with no Signal carries attempts only.
	Attempts []Attempt `json:"-"`
}

// HopAll is the Hop of evidence summarising the attempts of many hops.
const HopAll = "*"

// before orders evidence deterministically: by time, then source, then detail.
func (e *Evidence) before(o *Evidence) bool {
	if !e.At.Equal(o.At) {
		return e.At.Before(o.At)
	}
	if e.Source != o.Source {
		return e.Source < o.Source
	}
	return e.Detail < o.Detail
}
