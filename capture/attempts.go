package capture

import (
	"fmt"
	"strings"
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// Every connection is reported as one attempt on its hop when it ends: the signals its findings
// showed, whether it failed and in which phase, and the features that may tell it from the
// connections that worked. A proxy's backend connection is also part of the request that caused
// it: its attempt names that connection's hop as its upstream.

// failPhase says which signals mean an attempt failed, and where.
func failPhase(signal string) (diagnose.Phase, bool) {
	switch signal {
	case "tcp.connect.refused", "tcp.connect.timeout", "tcp.connect.unreachable",
		"proxy.unreachable.refused", "proxy.unreachable.timeout":
		return diagnose.PhaseTCP, true
	case "tls.alert.received", "tls.alert.sent", "tls.handshake.timeout", "tls.handshake.reset",
		"tls.handshake.closed", "tls.protocol.mismatch", "tls.answered.plain-http", "tls.clienthello.unacked",
		"tls.clienthello.acked", "tls.clienthello.retransmitted":
		return diagnose.PhaseTLS, true
	case "body.upload.reset", "body.upload.stalled":
		return diagnose.PhaseBody, true
	case "keepalive.reuse.failed", "tcp.data.unacked":
		return diagnose.PhaseRequest, true
	}
	switch {
	case strings.HasPrefix(signal, "proxy.connect.status.") && signal != "proxy.connect.status.200":
		return diagnose.PhaseConnect, true
	case strings.HasPrefix(signal, "http.response.5"):
		return diagnose.PhaseResponse, true
	}
	return "", false
}

// maxProxyHosts bounds the proxy hosts remembered as opening TLS to their backends.
const maxProxyHosts = 1024

// flowAttempt is what the findings gathered about one connection while it was open.
type flowAttempt struct {
	hop     diagnose.HopKey
	hopName string
	key     string
	signals []string
	phase   diagnose.Phase
	failed  bool
	detail  string
	pkt     int64
	// upstream is, for a proxy's backend connection, the hop of the request it was opened for.
	upstream diagnose.HopKey
}

func (a *flowAttempt) note(signal string, detail func() string, pkt int64) {
	for _, s := range a.signals {
		if s == signal {
			return
		}
	}
	a.signals = append(a.signals, signal)
	if ph, ok := failPhase(signal); ok && !a.failed {
		a.failed, a.phase, a.detail, a.pkt = true, ph, detail(), pkt
	}
}

// attemptOf returns the attempt being gathered for a connection, starting one if needed.
func (fs *findings) attemptOf(t *links, f *Flow) *flowAttempt {
	a := fs.pending[f.ID]
	if a == nil {
		a = &flowAttempt{}
		fs.pending[f.ID] = a
	}
	if a.hopName == "" {
		// New, or started only to receive what its backend connections showed.
		a.hop = hopOf(t, f)
		a.hopName = a.hop.String()
		if !f.Midstream && f.syn.n > 0 {
			a.key = fmt.Sprintf("tcp %s>%s isn %d", f.Client, f.Server, f.syn.seq)
		}
		if fr := f.front; f.Role == RoleBackend && fr != nil {
			if fr.done && fs.pending[fr.ID] == nil {
				// The front has ended and been reported: name its hop without starting an
				// attempt that nothing would ever report or forget.
				a.upstream = hopOf(t, fr)
			} else {
				a.upstream = fs.attemptOf(t, fr).hop
			}
		}
	}
	return a
}

// hopOf names a connection's hop from what was seen on it and around it.
func hopOf(t *links, f *Flow) diagnose.HopKey {
	hs := f.httpSeen()
	k := diagnose.HopKey{Server: f.Server.String()}
	switch {
	case hs.first.Method == "CONNECT":
		k.Role, k.Target = diagnose.HopForwardProxy, hs.first.Target
	case f.Role == RoleFront:
		k.Role = diagnose.HopFront
	case t.proxies[f.Server]:
		k.Role = diagnose.HopFront
	case proxyPorts[f.Server.Port]:
		k.Role = diagnose.HopForwardProxy
	case f.Role == RoleBackend && f.viaConnect:
		k.Role = diagnose.HopProxyTarget
	case f.Role == RoleBackend:
		k.Role = diagnose.HopBackend
	default:
		k.Role = diagnose.HopDirect
	}
	return k
}

// report hands the attempt of a finished connection to the trace, and passes a backend
// connection's outcome on to the connection it was opened for.
func (fs *findings) report(t *links, f *Flow) {
	a := fs.attemptOf(t, f)
	delete(fs.pending, f.ID)
	if f.Role == RoleBackend && !f.viaConnect && f.tls != nil && len(fs.tlsOut) < maxProxyHosts {
		fs.tlsOut[f.Client.Addr] = true
	}
	if fs.attempt == nil {
		return
	}
	hs := f.httpSeen()
	at := diagnose.Attempt{
		Key: a.key, Hop: a.hop, Client: f.Client.Addr.IP().String(), Kind: diagnose.FromPacket,
		Source: fmt.Sprintf("%s#%d", fs.name, f.FirstPacket), Path: fs.name, Packets: []int64{f.FirstPacket},
		At: nsTime(f.Start), Failed: a.failed, Phase: a.phase, Signals: a.signals,
		Upstream: a.upstream,
		Wire:     diagnose.Wire{Input: fs.name, SYNs: f.syn.n, SYNACK: f.synAckPkt != 0, Bytes: f.Bytes, Retrans: f.retransSeen},
	}
	if a.failed {
		at.Detail = a.detail
		at.Source = fmt.Sprintf("%s#%d", fs.name, a.pkt)
		at.Packets = []int64{a.pkt, f.FirstPacket}
	} else {
		at.Detail = fmt.Sprintf("%s → %s worked (%s)", f.Client, f.Server, f.State())
	}
	if ts := f.tls; ts != nil {
		at.Features.SNI = ts.hello.SNI
		if ts.hello.Version != 0 {
			at.Features.TLSOffered = VersionName(ts.hello.Version)
		}
	}
	if hs.n > 0 {
		req := hs.req
		if hs.first.Method == "CONNECT" {
			req = hs.first
			at.Features.Host = req.Host
			at.Features.HostNamesTarget = req.Host == "" || sameAuthority(req.Host, req.Target)
		}
		at.Features.Method = req.Method
		at.Features.Path = req.Target
		if i := strings.IndexByte(at.Features.Path, '?'); i >= 0 {
			at.Features.Path = at.Features.Path[:i]
		}
		at.Features.BodySize = req.BodyLen
		at.Features.Reused = hs.n >= 2
		at.Features.Idle = nsDuration(hs.idle)
	}
	fs.attempt(at)
}

// nsDuration converts capture nanoseconds to a time.Duration.
func nsDuration(ns int64) time.Duration { return time.Duration(ns) }
