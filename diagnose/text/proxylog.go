package text

import (
	"strings"
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// proxyLog follows the CONNECTs in a Privoxy or tinyproxy log and reports each one as an attempt
// on the forward-proxy hop to its target: refused when the proxy logged that it blocked it
// (Privoxy's "Crunch: Blocked:", tinyproxy's "Refused CONNECT method on port"), worked otherwise.
// The proxy's own address is not in its log: the hop's server is the proxy's name.
//
//	2026-12-03 13:47:07.017 7f8924bf96c0 Header: scan: CONNECT 127.0.0.1:40009 HTTP/1.1
//	2026-12-03 13:47:07.017 7f8924bf96c0 Header: scan: Host: 127.0.0.1:33261
//	2026-12-03 13:47:07.017 7f8924bf96c0 Crunch: Blocked: 127.0.0.1:40009
//	CONNECT   Nov 21 10:27:03.616 [11753]: Request (file descriptor 5): CONNECT 127.0.0.1:40237 HTTP/1.1
//	INFO      Nov 21 10:27:03.616 [11753]: Refused CONNECT method on port 40237
type proxyLog struct {
	sink   func(diagnose.Attempt)
	name   string
	open   bool // a CONNECT is being read
	a      diagnose.Attempt
	year   int // for tinyproxy's stamps, which have none
	server string
}

// Signals of a CONNECT a proxy's log says it refused.
var (
	sigPrivoxyBlocked   = []string{"proxy.connect.status.403", "proxy.error.access-denied"}
	sigTinyproxyRefused = []string{"proxy.connect.status.403"}
)

func (p *proxyLog) read(s string, n int64) {
	if p.sink == nil {
		return
	}
	switch {
	case strings.Contains(s, " Header: scan: CONNECT "):
		p.start(s, "privoxy", s[strings.Index(s, " Header: scan: CONNECT ")+len(" Header: scan: CONNECT "):], n)
	case strings.Contains(s, "]: Request (file descriptor ") && strings.Contains(s, "): CONNECT "):
		p.start(s, "tinyproxy", s[strings.Index(s, "): CONNECT ")+len("): CONNECT "):], n)
	case !p.open:
	case strings.Contains(s, " Header: scan: Host: "):
		h := strings.TrimSpace(s[strings.Index(s, " Header: scan: Host: ")+len(" Header: scan: Host: "):])
		p.a.Features.Host = h
		p.a.Features.HostNamesTarget = sameAuthority(h, p.a.Hop.Target)
	case strings.Contains(s, " Crunch: Blocked: "):
		p.fail(s, n, sigPrivoxyBlocked)
	case strings.Contains(s, "]: Refused CONNECT method on port "):
		p.fail(s, n, sigTinyproxyRefused)
	}
}

// start begins a CONNECT to the target at the start of rest, reporting the one before it.
func (p *proxyLog) start(s, server, rest string, n int64) {
	p.flush()
	target, _, _ := strings.Cut(rest, " ")
	p.a = diagnose.Attempt{Hop: diagnose.HopKey{Role: diagnose.HopForwardProxy, Server: server, Target: target},
		Kind: diagnose.FromText, Path: p.name, Packet: n, Wire: diagnose.Wire{Input: p.name},
		Features: diagnose.Features{Method: "CONNECT"}}
	p.a.At = p.stamp(s, server)
	p.open = true
}

func (p *proxyLog) fail(s string, n int64, sigs []string) {
	p.a.Failed, p.a.Phase, p.a.Signals, p.a.Failure = true, diagnose.PhaseConnect, sigs, sigs[0]
	p.a.Detail, p.a.Packet = clip(diagnose.Redact(s), 240), n
	p.flush()
}

// flush reports the CONNECT being read.
func (p *proxyLog) flush() {
	if p.open {
		p.sink(p.a)
	}
	p.open = false
}

// stamp reads the time at the start of a Privoxy line ("2026-12-03 13:47:07.017") or after the
// level of a tinyproxy one ("Nov 21 10:27:03.616", the year unknown: the current one).
func (p *proxyLog) stamp(s, server string) time.Time {
	if server == "privoxy" && len(s) >= 23 {
		if t, err := time.Parse("2006-01-02 15:04:05.000", s[:23]); err == nil {
			return t
		}
		return time.Time{}
	}
	f := strings.Fields(s)
	if len(f) < 4 {
		return time.Time{}
	}
	t, err := time.Parse("Jan 2 15:04:05.000", f[1]+" "+f[2]+" "+f[3])
	if err != nil {
		return time.Time{}
	}
	if p.year == 0 {
		p.year = time.Now().UTC().Year()
	}
	return t.AddDate(p.year, 0, 0)
}
