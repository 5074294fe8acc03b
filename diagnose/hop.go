package diagnose

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Bounds on what a hop remembers, so that memory stays flat however many attempts a capture
// holds: a few whole attempts as examples (and to merge a connection seen at both ends), a tally
// of each feature's values, and the order of outcomes in time for the pattern.
const (
	// maxKept whole attempts are kept per hop, failing and working each.
	maxKept = 16
	// maxValues distinct values of one feature are tallied per hop; past it the feature is
	// dropped from the contrast (too varied to separate anything).
	maxValues = 64
	// maxTimeline outcomes are kept in time order per hop (16 bytes each).
	maxTimeline = 100000
	// maxClients client addresses are listed per hop.
	maxClients = 8
	// maxLost lines about segments lost between two captures are kept per hop.
	maxLost = 8
)

// Hop is every attempt seen across one hop, folded into what the diagnosis needs.
type Hop struct {
	Key HopKey
	// Clients lists the first addresses the attempts came from.
	Clients []string
	// Failed and Worked count the attempts by outcome.
	Failed, Worked int
	// Failing and Working keep the first attempts of each outcome whole.
	Failing, Working []Attempt
	// Lost says, for connections captured at both ends, what one side sent and the other never
	// received.
	Lost []string
	// FirstFail and LastFail are when the first and latest failing attempts started.
	FirstFail, LastFail time.Time

	signals  map[string]*hopSignal // signals of the failing attempts
	order    []string
	features map[string]*featureTally
	timeline []tick
	phases   map[Phase]int
	// tlsOut and plainOut say whether a proxy's backend hop carried TLS or plain HTTP: its role
	// follows.
	tlsOut, plainOut bool
	// upstream is the hop whose requests this one served (zero when none).
	upstream HopKey
	// source is the kind of source that reported the hop's first attempt.
	source SourceKind
	index  int32 // in Incident.hops
}

// hopSignal is a signal seen on the failing attempts of a hop: how often, and the first time.
type hopSignal struct {
	n     int
	first Evidence
}

// featureTally counts the attempts of each outcome for each value of one feature.
type featureTally struct {
	values  map[featureValue]*split
	dropped bool
}

type split struct{ failed, worked int }

// tick is one attempt's start (ns) shifted left by one, with the low bit set when its
// connection could not be opened: the pattern in time, in 8 bytes an attempt (a body or
// keep-alive failure has signals of its own).
type tick int64

func newTick(at time.Time, connectFailed bool) tick {
	t := tick(at.UnixNano() << 1)
	if connectFailed {
		t |= 1
	}
	return t
}

func (t tick) connectFailed() bool { return t&1 == 1 }

// kind is the source kind of the evidence drawn from the hop as a whole (its role, contrasts and
// pattern): that of the source that reported it first, a capture's when not known.
func (h *Hop) kind() SourceKind {
	if h.source == "" {
		return FromPacket
	}
	return h.source
}

// Phases returns how many failing attempts failed in each phase.
func (h *Hop) Phases() map[Phase]int { return h.phases }

func newHop(k HopKey) *Hop {
	return &Hop{Key: k, signals: map[string]*hopSignal{}, features: map[string]*featureTally{}, phases: map[Phase]int{}}
}

// add folds in one attempt seen for the first time. An attempt kept whole is redacted and its
// signals copied: the source may reuse what it handed over.
func (h *Hop) add(a *Attempt) (kept int) {
	if a.Client != "" && len(h.Clients) < maxClients && !slices.Contains(h.Clients, a.Client) {
		h.Clients = append(h.Clients, a.Client)
	}
	kept = -1
	keep := func(list *[]Attempt) {
		if len(*list) < maxKept {
			kept = len(*list)
			k := *a
			k.Detail, k.Features.Host = Redact(k.Detail), Redact(k.Features.Host)
			k.Signals = slices.Clone(k.Signals)
			*list = append(*list, k)
		}
	}
	if a.Failed {
		h.Failed++
		keep(&h.Failing)
		h.failSignals(a)
		h.phases[a.Phase]++
		if h.FirstFail.IsZero() || a.At.Before(h.FirstFail) {
			h.FirstFail = a.At
		}
		if a.At.After(h.LastFail) {
			h.LastFail = a.At
		}
	} else {
		h.Worked++
		keep(&h.Working)
		if len(a.Trouble) > 0 {
			t := *a
			t.Signals = a.Trouble
			h.failSignals(&t)
		}
	}
	// Only a proxy's backend hops are read for their pattern in time (see timing).
	if h.Key.Role == HopBackend && len(h.timeline) < maxTimeline {
		h.timeline = append(h.timeline, newTick(a.At, a.Failed && a.Phase == PhaseTCP))
	}
	if h.Key.Role == HopBackend {
		h.tlsOut = h.tlsOut || a.Features.TLSOffered != ""
		h.plainOut = h.plainOut || a.Features.Method != ""
	}
	if h.upstream == (HopKey{}) {
		h.upstream = a.Upstream
	}
	if h.source == "" {
		h.source = a.Kind
	}
	eachFeature(&a.Features, a.Hop.Role, func(name string, v featureValue) { h.tally(name, v, a.Failed) })
	return kept
}

// failSignals records the signals of a failing attempt.
func (h *Hop) failSignals(a *Attempt) {
	for _, sig := range a.Signals {
		s := h.signals[sig]
		if s == nil {
			detail := "on a failing attempt"
			switch {
			case !a.Failed:
				detail = "on an attempt that worked"
			case sig == a.Failure || a.Failure == "":
				detail = Redact(a.Detail)
			case a.Detail != "":
				detail = "on a failing attempt: " + Redact(a.Detail)
			}
			s = &hopSignal{first: Evidence{Signal: sig, Source: a.Where(), Kind: FromPacket, At: a.At, Detail: detail,
				Path: a.Path, Hop: a.Hop.String(), Attempt: KeyString(a.Key)}}
			if a.Packet != 0 {
				s.first.Packets = []int64{a.Packet}
			}
			if a.Kind != "" {
				s.first.Kind = a.Kind
			}
			h.signals[sig] = s
			h.order = append(h.order, sig)
		}
		s.n++
	}
}

// featureValue is the value of one feature, in one or two words (a request's method and path):
// a pair rather than one string so that tallying it allocates nothing.
type featureValue [2]string

func (v featureValue) String() string {
	if v[1] == "" {
		return v[0]
	}
	return v[0] + " " + v[1]
}

func (h *Hop) tally(name string, value featureValue, failed bool) {
	t := h.features[name]
	if t == nil {
		t = &featureTally{values: map[featureValue]*split{}}
		h.features[name] = t
	}
	if t.dropped {
		return
	}
	s := t.values[value]
	if s == nil {
		if len(t.values) == maxValues {
			t.dropped, t.values = true, nil
			return
		}
		s = &split{}
		t.values[value] = s
	}
	if failed {
		s.failed++
	} else {
		s.worked++
	}
}

// hostNamesTarget is the Host feature of a CONNECT whose Host header names its target.
const hostNamesTarget = "Host names the target"

// eachFeature calls fn with the value of each feature an attempt has, in words an operator reads.
func eachFeature(f *Features, role HopRole, fn func(name string, v featureValue)) {
	// A CONNECT's Host header, whether a gateway sent it or a check did.
	if f.Host != "" && (role == HopForwardProxy || role == HopCheck && f.Method == "CONNECT") {
		if f.HostNamesTarget {
			fn(featHost, featureValue{hostNamesTarget})
		} else {
			fn(featHost, featureValue{"Host:", f.Host})
		}
	}
	if f.TLSOffered != "" {
		fn(featTLS, featureValue{f.TLSOffered})
	}
	if f.SNI != "" {
		fn(featSNI, featureValue{f.SNI})
	}
	if f.Method == "" || f.Method == "CONNECT" {
		return
	}
	fn(featRequest, featureValue{f.Method, f.Path})
	switch {
	case f.BodySize < 0:
		fn(featBody, featureValue{"chunked body"})
	case f.BodySize == 0:
		fn(featBody, featureValue{"no body"})
	case f.BodySize < largeBodySize:
		fn(featBody, featureValue{"body under 64 KiB"})
	default:
		fn(featBody, featureValue{"body of 64 KiB or more"})
	}
	if f.Reused && f.Idle >= idleReuse {
		fn(featReuse, featureValue{"reused after a second or more idle"})
	} else {
		fn(featReuse, featureValue{freshConn})
	}
}

// freshConn is the reuse feature of a request on a new or busy connection.
const freshConn = "fresh or busy connection"

// The features compared between failing and working attempts.
const (
	featHost    = "host header"
	featTLS     = "TLS version offered"
	featSNI     = "server name (SNI)"
	featRequest = "request"
	featBody    = "body size"
	featReuse   = "connection reuse"
)

// largeBodySize is where an upload stops fitting in the kernel's socket buffers, so a backend
// that stops reading shows; idleReuse is the quiet time after which a reused keep-alive
// connection may have been closed by the backend (Apache's default keep-alive timeout is 5 s,
// nginx's upstream 60 s; a second already catches a short one).
const (
	largeBodySize = 64 << 10
	idleReuse     = time.Second
)

// merge folds in a second sighting of an attempt already kept (the same connection in another
// capture): a failure seen on either side makes it failing, and the two wires are compared.
func (h *Hop) merge(kept *Attempt, a *Attempt) {
	if a.Failed && !kept.Failed {
		// Seen working at one end and failing at the other: it failed.
		h.Worked--
		h.Failed++
		kept.Failed, kept.Phase = true, a.Phase
		h.phases[a.Phase]++
		h.failSignals(a)
		if len(h.Failing) < maxKept {
			k := *a
			k.Detail, k.Signals = Redact(k.Detail), slices.Clone(k.Signals)
			h.Failing = append(h.Failing, k)
		}
		for i := range h.timeline {
			if h.timeline[i]>>1 == newTick(kept.At, false)>>1 {
				h.timeline[i] = newTick(kept.At, a.Phase == PhaseTCP)
				break
			}
		}
	} else if a.Failed {
		h.failSignals(a)
	}
	if line := lostBetween(kept.Wire, a.Wire); line != "" && len(h.Lost) < maxLost && !slices.Contains(h.Lost, line) {
		h.Lost = append(h.Lost, line)
	}
}

// lostBetween compares what two captures saw of one connection and says what one side sent that
// never reached the other: the capture nearer the sender sees it, the other does not.
func lostBetween(x, y Wire) string {
	if x.Input == "" || y.Input == "" || x.Input == y.Input {
		return ""
	}
	var parts []string
	if x.SYNs > 0 && y.SYNs == 0 {
		parts = append(parts, fmt.Sprintf("the client's SYN (%d sent) is in %s but never reached %s", x.SYNs, x.Input, y.Input))
	} else if y.SYNs > 0 && x.SYNs == 0 {
		parts = append(parts, fmt.Sprintf("the client's SYN (%d sent) is in %s but never reached %s", y.SYNs, y.Input, x.Input))
	}
	if x.SYNACK != y.SYNACK && x.SYNs > 0 && y.SYNs > 0 {
		from, to := x.Input, y.Input
		if y.SYNACK {
			from, to = to, from
		}
		parts = append(parts, fmt.Sprintf("the server's SYN-ACK is in %s but never reached %s", from, to))
	}
	dirs := [2]string{"client → server", "server → client"}
	for d := range 2 {
		a, b := x, y
		if b.Bytes[d] > a.Bytes[d] {
			a, b = b, a
		}
		if a.Bytes[d] > b.Bytes[d] {
			parts = append(parts, fmt.Sprintf("%s: %d bytes seen in %s, only %d of them in %s (%d lost between the two)",
				dirs[d], a.Bytes[d], a.Input, b.Bytes[d], b.Input, a.Bytes[d]-b.Bytes[d]))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	out := parts[0]
	for _, p := range parts[1:] {
		out += "; " + p
	}
	return out
}

// longestConnectRun returns the longest run of connections that could not be opened, in order of
// their start.
func (h *Hop) longestConnectRun() int {
	slices.SortStableFunc(h.timeline, func(a, b tick) int { return cmp.Compare(a>>1, b>>1) })
	run, longest := 0, 0
	for _, t := range h.timeline {
		if t.connectFailed() {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// failuresLast reports whether the connections that could not be opened all came after the last
// one that worked (the timeline sorted by longestConnectRun): the hop stopped working.
func (h *Hop) failuresLast() bool {
	seenFail := false
	for _, t := range h.timeline {
		switch {
		case t.connectFailed():
			seenFail = true
		case seenFail:
			return false
		}
	}
	return seenFail
}
