package diagnose

import (
	"fmt"
	"slices"
	"strings"
)

// Verdict is the diagnosis of one hop: its causes ranked from its failing attempts (with the
// evidence about the incident as a whole), what sets the failing attempts apart from those that
// worked, and the checks that would tell its leading causes apart.
type Verdict struct {
	Hop *Hop
	// Role is the hop's role as its attempts showed it (a proxy's backend hop is a gateway's
	// when it carried TLS for plain HTTP requests, a reverse proxy's when it carried plain HTTP).
	Role   HopRole
	Causes []RankedCause
	Next   []NextCheck
	Trees  []TreePosition
	// Evidence is what the verdict rests on beyond the incident-wide evidence: the first
	// sighting of each signal on the failing attempts, the hop's role, then the contrasts.
	Evidence []Evidence
	engine   *Engine
}

// Engine returns the engine that ranked the hop's causes.
func (v *Verdict) Engine() *Engine { return v.engine }

// judge ranks the causes of a failing hop. wide holds the evidence about the incident as a whole;
// downstream are the failing hops that served this hop's requests (a proxy's connections to its
// backends): their failures are parts of this hop's failures, so their evidence counts here too.
func judge(wide *Engine, h *Hop, downstream []*Hop, nextMax int) *Verdict {
	v := &Verdict{Hop: h, Role: h.Role(), engine: wide.clone()}
	v.Evidence = hopEvidence(h, downstream)
	for _, d := range downstream {
		v.Evidence = append(v.Evidence, hopEvidence(d, nil)...)
	}
	for _, ev := range v.Evidence {
		v.engine.Add(ev)
	}
	v.Causes = v.engine.Rank()
	v.Next = v.engine.Next(nextMax)
	for _, p := range wide.kb.Playbooks {
		v.Trees = append(v.Trees, v.engine.Position(p))
	}
	return v
}

// hopEvidence is what one hop itself shows: the first sighting of each signal on its failing
// attempts, its role, and the contrasts between its failing and working attempts.
func hopEvidence(h *Hop, downstream []*Hop) []Evidence {
	var out []Evidence
	for _, sig := range h.order {
		out = append(out, h.signals[sig].first)
	}
	if ev, ok := roleEvidence(h, downstream); ok {
		out = append(out, ev)
	}
	return append(out, contrast(h)...)
}

// Role is the hop's role judged from its attempts: a proxy's backend hop that carried TLS is a
// gateway's (TLS-originating: its requests came in as plain HTTP), otherwise a reverse proxy's.
func (h *Hop) Role() HopRole {
	if h.Key.Role == HopBackend {
		if h.tlsOut {
			return HopGateway
		}
		return HopReverseProxy
	}
	return h.Key.Role
}

// roleEvidence states the role of a hop whose role the playbooks weigh: a proxy's backend hop by
// what it carried, a front hop by the hops that served its requests.
func roleEvidence(h *Hop, downstream []*Hop) (Evidence, bool) {
	ev := Evidence{Source: "hop " + h.Key.String(), Kind: h.kind(), At: h.FirstFail, Hop: h.Key.String()}
	gateway, proxied, reverse := false, false, false
	switch h.Key.Role {
	case HopBackend:
		gateway, reverse = h.tlsOut, !h.tlsOut
	case HopFront:
		for _, d := range downstream {
			switch d.Role() {
			case HopForwardProxy:
				proxied = true
			case HopGateway:
				gateway = true
			case HopReverseProxy:
				reverse = true
			}
		}
	}
	direct := h.Key.Role == HopDirect
	switch {
	case direct:
		ev.Signal = "capture.hop.direct"
		ev.Detail = fmt.Sprintf("the connections to %s go straight from their client, with no proxy hop seen around them", h.Key.Server)
	case proxied:
		ev.Signal = "hop.gateway.proxied"
		ev.Detail = fmt.Sprintf("%s passed the requests on through a forward proxy: a gateway behind a proxy", h.Key.Server)
	case gateway:
		ev.Signal = "capture.hop.gateway"
		ev.Detail = fmt.Sprintf("the requests through %s went on over TLS connections of its own: a gateway or TLS-originating proxy", h.Key.Server)
	case reverse:
		ev.Signal = "http.reverse-proxy.seen"
		ev.Detail = fmt.Sprintf("the requests through %s went on over plain HTTP connections to a backend: a reverse proxy", h.Key.Server)
	default:
		return Evidence{}, false
	}
	return ev, true
}

// contrast turns what sets a hop's failing attempts apart from those that worked into evidence:
// a feature whose values among the failing attempts never occur among the working ones (the
// Host header of a CONNECT, the TLS version offered, the request, the body size, reuse after
// idle), and for a reverse proxy's backend, how its failed connections lie in time.
func contrast(h *Hop) []Evidence {
	if h.Failed == 0 {
		return nil
	}
	var out []Evidence
	add := func(signal, detail string) {
		out = append(out, Evidence{Signal: signal, Source: "hop " + h.Key.String(), Kind: h.kind(), At: h.LastFail,
			Detail: Redact(detail), Hop: h.Key.String()})
	}
	for _, name := range []string{featHost, featTLS, featSNI, featRequest, featBody, featReuse} {
		t := h.features[name]
		if t == nil || t.dropped {
			continue
		}
		failing, working, covered, mixed := t.split()
		if name == featHost && len(failing) > 1 && slices.Contains(failing, hostNamesTarget) {
			add("proxy.host-header.no-difference", fmt.Sprintf("CONNECTs failed whether the Host header named the target or not (%s)", strings.Join(failing, "; ")))
			continue
		}
		if h.Worked == 0 || covered < h.Failed || len(working) == 0 || mixed || !shared(name, len(failing), h.Failed) {
			continue
		}
		detail := fmt.Sprintf("%s: all %d failing attempts had %s; the %d that worked had %s", name, h.Failed,
			strings.Join(failing, ", "), h.Worked, strings.Join(working, ", "))
		switch name {
		case featHost:
			if !slices.Contains(failing, hostNamesTarget) && slices.Contains(working, hostNamesTarget) {
				add("proxy.host-header.only-proxy-name-refused", detail)
			}
		case featTLS:
			add("hop.contrast.tls-version", detail)
		case featSNI:
			add("hop.contrast.sni", detail)
		case featRequest:
			add("log.pattern.request-correlated", detail)
		case featBody:
			add("hop.contrast.body-size", detail)
		case featReuse:
			if !slices.Contains(failing, freshConn) {
				add("log.pattern.after-idle", detail)
			}
		}
	}
	if h.Role() == HopReverseProxy {
		out = append(out, timing(h)...)
	}
	return out
}

// shared reports whether the failing attempts' values are few enough to be a pattern rather than
// each attempt's own: a request path unique to every request separates nothing. A TLS version,
// server name or Host header is a setting, so one failure already shows it; a request or body
// pattern needs two failures sharing it.
func shared(feature string, values, failed int) bool {
	switch feature {
	case featHost, featTLS, featSNI:
		return values <= max(1, failed/2)
	}
	return failed >= 2 && values <= failed/2
}

// split lists the values seen on failing and on working attempts, how many failing attempts had
// the feature at all, and whether some value occurs on both.
func (t *featureTally) split() (failing, working []string, covered int, mixed bool) {
	for v, s := range t.values {
		if s.failed > 0 {
			failing = append(failing, v.String())
			covered += s.failed
		}
		if s.worked > 0 {
			working = append(working, v.String())
		}
		if s.failed > 0 && s.worked > 0 {
			mixed = true
		}
	}
	slices.Sort(failing)
	slices.Sort(working)
	return failing, working, covered, mixed
}

// timing reads how a reverse proxy's failed backend connections lie in time, the mod-proxy
// playbook's question. Failures are clustered when they come three or more in a row, or two in a
// row while more than a quarter fail; sporadic when at most a quarter fail and never more than
// two in a row (a path that drops one connection in eight puts two together now and then).
func timing(h *Hop) []Evidence {
	failed := h.phases[PhaseTCP]
	ok := h.Failed + h.Worked - failed
	if len(h.timeline) < h.Failed+h.Worked {
		return nil // too many to order: the counts alone would mislead about runs
	}
	longest := h.longestConnectRun()
	rare := 4*failed <= failed+ok
	ev := Evidence{Source: "hop " + h.Key.String(), Kind: h.kind(), At: h.LastFail, Hop: h.Key.String()}
	switch {
	case failed >= 2 && ok == 0:
		ev.Signal, ev.Detail = "log.pattern.all-failing", fmt.Sprintf("all %d connections to %s failed", failed, h.Key.Server)
	case failed >= 2 && longest == failed && h.failuresLast():
		// It worked, then every connection failed: down since then, not a cluster.
		ev.Signal, ev.Detail = "log.pattern.all-failing", fmt.Sprintf("every connection to %s failed from the first failure on (%d), the %d before it worked", h.Key.Server, failed, ok)
	case failed >= 2 && (longest >= 3 || longest >= 2 && !rare):
		ev.Signal, ev.Detail = "log.pattern.clustered", fmt.Sprintf("%d of %d connections to %s failed, up to %d in a row, while others succeeded", failed, failed+ok, h.Key.Server, longest)
	case failed >= 1 && rare && ok >= 3:
		ev.Signal, ev.Detail = "log.pattern.sporadic", fmt.Sprintf("%d isolated failures among %d connections to %s", failed, failed+ok, h.Key.Server)
	default:
		return nil
	}
	return []Evidence{ev}
}
