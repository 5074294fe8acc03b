package probe

import (
	"context"
	"net"
	"net/netip"
	"time"
)

// Phase names of the waterfall, in the order a request goes through them.
const (
	PhaseDNS          = "dns"           // resolving the backend's name
	PhaseConnect      = "connect"       // the TCP handshake with the backend
	PhaseProxyDNS     = "proxy dns"     // resolving the proxy's name
	PhaseProxyConnect = "proxy connect" // the TCP handshake with the proxy
	PhaseCONNECT      = "CONNECT"       // the CONNECT request until the proxy's status line
	PhaseTLS          = "tls"           // the TLS handshake with the backend
	PhaseFirstByte    = "first byte"    // the request sent until the first byte of the answer
)

// Phase is one bar of the timing waterfall.
type Phase struct {
	// Name is one of the Phase… constants.
	Name string `json:"name"`
	// Start is when the phase began, counted from the start of the run.
	Start time.Duration `json:"start_ns"`
	// Took is how long it lasted.
	Took time.Duration `json:"took_ns"`
	// OK is false for the phase that failed (the last one shown).
	OK bool `json:"ok"`
	// Note is a word on the outcome: "refused", "403", "TLS 1.3", "timeout".
	Note string `json:"note,omitempty"`
}

// End is when the phase ended, counted from the start of the run.
func (p Phase) End() time.Duration { return p.Start + p.Took }

// waterfall collects the phases of one run.
type waterfall struct {
	t0     time.Time
	now    func() time.Time
	h      *Hooks
	phases []Phase
}

func newWaterfall(o *Options, h *Hooks) *waterfall {
	return &waterfall{t0: o.now(), now: o.now, h: h}
}

// mark returns the current time, to start a phase.
func (w *waterfall) mark() time.Time { return w.now() }

// add ends a phase that started at start.
func (w *waterfall) add(name string, start time.Time, ok bool, note string) {
	w.addTook(name, start, w.now().Sub(start), ok, note)
}

// addTook records a phase whose own duration is known (shorter than the time spent waiting).
func (w *waterfall) addTook(name string, start time.Time, took time.Duration, ok bool, note string) {
	p := Phase{Name: name, Start: start.Sub(w.t0), Took: took, OK: ok, Note: note}
	w.phases = append(w.phases, p)
	w.h.phaseDone(p)
}

// dns resolves host, to reach port on it, as a phase of the waterfall. A name the Guard refuses
// is not looked up: the result says so, and no phase is added.
func (w *waterfall) dns(ctx context.Context, o *Options, host string, port int, phase string) *DNSResult {
	if err := o.allowLookup(host, port); err != nil {
		return &DNSResult{Host: host, Outcome: DNSNotAllowed, Err: err.Error()}
	}
	start := w.mark()
	r := LookupHost(ctx, o.resolver(), host, orDefault(o.DNSTimeout, DefaultDNSTimeout), o.now)
	note := string(r.Outcome)
	if r.Outcome == DNSOK && len(r.Addrs) > 0 {
		note = r.Addrs[0].String()
	}
	w.add(phase, start, len(r.Addrs) > 0, note)
	return r
}

// connect connects to every address as a phase of the waterfall.
func (w *waterfall) connect(ctx context.Context, o *Options, host string, addrs []netip.Addr, port int, phase string, h *Hooks) (*TCPResult, net.Conn) {
	start := w.mark()
	r, c := ConnectAll(ctx, o, host, addrs, port, h)
	took := w.now().Sub(start)
	if c != nil {
		// Other addresses may still have been trying; the bar is the kept connection's handshake.
		took = r.Attempts[r.Used].Took
	}
	w.addTook(phase, start, took, c != nil, string(r.Outcome()))
	return r, c
}
