package capture

import (
	"slices"
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

// flowAttempt is what the findings gathered about one connection while it was open. It lives in
// what links knows of the connection (hop), which the findings' snapshots of the connection share
// and the tables never touch, and is kept small (signals by their place in findings.order, the failure's description
// aside in findings.details), so that a connection costs no allocation and little memory for it.
type flowAttempt struct {
	failed bool
	nsig   uint8
	phase  uint8  // index in phases
	fail   uint16 // the failure's signal, by its place in findings.order
	sigs   [maxFlowSignals]uint16
	pkt    int64 // the failure's key packet
}

// maxFlowSignals is how many distinct signals one connection's attempt carries; a connection
// shows four or five at most (connect, handshake, request, answer), the rest would repeat them.
const maxFlowSignals = 9

// phases are the failure phases by their index in flowAttempt.phase.
var phases = [...]diagnose.Phase{"", diagnose.PhaseDNS, diagnose.PhaseTCP, diagnose.PhaseTLS, diagnose.PhaseConnect,
	diagnose.PhaseRequest, diagnose.PhaseBody, diagnose.PhaseResponse}

func phaseIndex(p diagnose.Phase) uint8 {
	for i, q := range phases {
		if q == p {
			return uint8(i)
		}
	}
	return 0
}

// note adds a signal to the connection being gathered, fs.cur.
func (fs *findings) note(f *Flow, id int, signal string, detail func() string, pkt int64) {
	if f.hop == nil {
		return
	}
	a := &f.hop.att
	for _, s := range a.sigs[:a.nsig] {
		if int(s) == id {
			return
		}
	}
	if int(a.nsig) < len(a.sigs) {
		a.sigs[a.nsig] = uint16(id)
		a.nsig++
	}
	if ph, ok := failPhase(signal); ok && !a.failed {
		a.failed, a.phase, a.pkt, a.fail = true, phaseIndex(ph), pkt, uint16(id)
		// Only the first failures of a hop are kept whole by the diagnosis, so only theirs
		// are described: a capture of a million failed connections formats a few lines.
		hop := fs.hopNameOf(fs.curTable, f)
		if n := fs.described[hop]; n < maxDescribed {
			fs.described[hop] = n + 1
			fs.details[f.hop] = detail()
		}
	}
}

// troubleSYN is the trouble a connection that worked shows when its SYN had to be sent again.
var troubleSYN = []string{"tcp.syn.retransmitted"}

// maxDescribed is how many failing attempts of one hop get a description.
const maxDescribed = 32

// maxHopNames bounds the hop names remembered, so that naming a connection's hop formats nothing
// for the hops already seen.
const maxHopNames = 4096

// hopNameOf names the hop of the connection whose findings are being made, for its evidence.
func (fs *findings) hopNameOf(t *links, f *Flow) string { return fs.hopName(fs.hopOf(t, f)) }

func (fs *findings) hopName(k diagnose.HopKey) string {
	if n, ok := fs.hopNames[k]; ok {
		return n
	}
	n := k.String()
	if len(fs.hopNames) < maxHopNames {
		fs.hopNames[k] = n
	}
	return n
}

// attemptKey identifies a connection across captures: its endpoints and the client's initial
// sequence number, hashed (FNV-1a), so that two captures of one connection agree and two
// connections reusing a port do not.
func attemptKey(f *Flow) uint64 {
	h := uint64(14695981039346656037)
	mix := func(b byte) { h = (h ^ uint64(b)) * 1099511628211 }
	for _, e := range [2]Endpoint{f.Client, f.Server} {
		for _, b := range e.Addr {
			mix(b)
		}
		mix(byte(e.Port >> 8))
		mix(byte(e.Port))
	}
	for i := range 4 {
		mix(byte(f.syn.seq >> (8 * i)))
	}
	if h == 0 {
		h = 1
	}
	return h
}

// maxServers bounds the server addresses remembered as text.
const maxServers = 4096

// server writes a server's address, once per server.
func (fs *findings) server(e Endpoint) string {
	if s, ok := fs.servers[e]; ok {
		return s
	}
	s := e.String()
	if len(fs.servers) < maxServers {
		fs.servers[e] = s
	}
	return s
}

// client writes a client's address, once per client.
func (fs *findings) client(a Addr) string {
	if c, ok := fs.clients[a]; ok {
		return c
	}
	c := a.IP().String()
	if len(fs.clients) < maxServers {
		fs.clients[a] = c
	}
	return c
}

// hopOf names a connection's hop from what was seen on it and around it.
func (fs *findings) hopOf(t *links, f *Flow) diagnose.HopKey {
	hs := f.httpSeen()
	k := diagnose.HopKey{Server: fs.server(f.Server)}
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

// frontHop names the hop of the connection a backend connection was opened for. That connection
// is a front, so hopOf would name it a forward proxy (its first request a CONNECT) or a front.
func (fs *findings) frontHop(v *frontView) diagnose.HopKey {
	k := diagnose.HopKey{Server: fs.server(v.server), Role: diagnose.HopFront}
	if v.connect {
		k.Role, k.Target = diagnose.HopForwardProxy, v.target
	}
	return k
}

// report hands the attempt of a finished connection to the trace.
func (fs *findings) report(t *links, f *Flow) {
	a := &flowAttempt{}
	if f.hop != nil {
		a = &f.hop.att
	}
	detail := fs.details[f.hop]
	delete(fs.details, f.hop)
	if f.Role == RoleBackend && !f.viaConnect && f.tls != nil && len(fs.tlsOut) < maxProxyHosts {
		fs.tlsOut[f.Client.Addr] = true
	}
	if fs.attempt == nil {
		return
	}
	client := fs.client(f.Client.Addr)
	fs.signals = fs.signals[:0]
	for _, id := range a.sigs[:a.nsig] {
		fs.signals = append(fs.signals, fs.order[id])
	}
	var key uint64
	if !f.Midstream && f.syn.n > 0 {
		key = attemptKey(f)
	}
	at := diagnose.Attempt{
		Key: key, Hop: fs.hopOf(t, f), Client: client, Kind: diagnose.FromPacket,
		Path: fs.name, Packet: f.FirstPacket,
		At: nsTime(f.Start), Failed: a.failed, Phase: phases[a.phase], Signals: fs.signals,
		Wire: diagnose.Wire{Input: fs.name, SYNs: f.syn.n, SYNACK: f.synAckPkt != 0, Bytes: f.Bytes, Retrans: f.Retransmissions()},
	}
	if a.failed {
		at.Detail, at.Packet, at.Failure = detail, a.pkt, fs.order[a.fail]
	} else if slices.Contains(fs.signals, "tcp.syn.retransmitted") {
		// The backend answered only a SYN sent again: its accept queue or the path dropped one.
		at.Trouble = troubleSYN
	}
	if f.Role == RoleBackend && f.front != nil {
		at.Upstream = fs.frontHop(f.front)
	}
	if ts := f.tls; ts != nil {
		at.Features.SNI = ts.hello.SNI
		if ts.hello.Version != 0 {
			at.Features.TLSOffered = VersionName(ts.hello.Version)
		}
	}
	if hs := f.httpSeen(); hs.n > 0 {
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
