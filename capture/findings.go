package capture

import (
	"fmt"
	"strings"

	"github.com/hopscope/hopscope/diagnose"
)

// keepPerSignal is how many occurrences of one signal are reported one by one; the rest are
// counted into one summary, so a capture of a million failed connections stays readable.
const keepPerSignal = 3

// findings turns what the flow table saw into evidence, aggregating repeats.
type findings struct {
	name    string
	known   func(string) bool
	emit    func(diagnose.Evidence)
	tally   map[string]*tally
	order   []string
	pattern pattern
	// hops counts the connections opened in the capture and those that show a proxy hop (a
	// CONNECT, or a reverse proxy's front or backend connection); first is the first opened.
	opened, proxied int
	first           int64
	firstAt         int64
	// attempt receives each connection as an attempt when it ends (nil: none are reported);
	// cur is what is being gathered about the connection whose findings are being made, nil for
	// findings over the whole capture, whose hop is scope then.
	attempt  func(diagnose.Attempt)
	hopNames map[diagnose.HopKey]string
	servers  map[Endpoint]string
	signals  []string // scratch for an attempt's signals, handed over for the call only
	cur      *Flow    // the connection whose findings are being made, nil for the whole capture's
	curTable *links
	scope    string
	// details holds the description of each open connection's failure; described counts them
	// by hop.
	details   map[*hop]string
	described map[string]int
	// tlsOut holds the proxy hosts seen opening TLS connections of their own to a backend.
	tlsOut map[Addr]bool
	// clients holds the client addresses written out so far.
	clients map[Addr]string
}

type tally struct {
	n             int
	id            int   // the signal's place in findings.order
	first, last   int64 // key packets of the first and latest occurrence
	lastAt        int64
	firstDetailed string
}

func newFindings(name string, known func(string) bool, emit func(diagnose.Evidence)) *findings {
	return &findings{name: name, known: known, emit: emit, tally: map[string]*tally{}, hopNames: map[diagnose.HopKey]string{}, servers: map[Endpoint]string{}, clients: map[Addr]string{}, details: map[*hop]string{}, described: map[string]int{}, tlsOut: map[Addr]bool{}}
}

// add reports one occurrence of a signal seen at time at (ns), shown by the packets listed (the
// first one is the key packet, named in the source). The detail is only built for the occurrences
// reported one by one: a capture of a million connections must not format a million lines.
func (fs *findings) add(signal string, at int64, detail func() string, pkts ...int64) {
	if fs.known != nil && !fs.known(signal) {
		return
	}
	t := fs.tally[signal]
	if t == nil {
		t = &tally{first: pkts[0], id: len(fs.order)}
		fs.tally[signal] = t
		fs.order = append(fs.order, signal)
	}
	if fs.cur != nil {
		fs.note(fs.cur, t.id, signal, detail, pkts[0])
	}
	t.n++
	t.last, t.lastAt = pkts[0], at
	if t.n > keepPerSignal {
		return
	}
	fs.emit(fs.evidence(signal, at, detail(), pkts))
}

func (fs *findings) evidence(signal string, at int64, detail string, pkts []int64) diagnose.Evidence {
	hop, key := fs.scope, ""
	if f := fs.cur; f != nil {
		hop = fs.hopNameOf(fs.curTable, f)
		if !f.Midstream && f.syn.n > 0 {
			key = diagnose.KeyString(attemptKey(f))
		}
	}
	return diagnose.Evidence{
		Hop:     hop,
		Attempt: key,
		Signal:  signal,
		Source:  fmt.Sprintf("%s#%d", fs.name, pkts[0]),
		Kind:    diagnose.FromPacket,
		At:      nsTime(at),
		Detail:  diagnose.Redact(detail),
		Path:    fs.name,
		Packets: append([]int64(nil), pkts...),
	}
}

// flush reports the patterns over the whole capture, then, for each signal seen more often than
// keepPerSignal, how often in all.
func (fs *findings) flush() {
	// The patterns and counts below are drawn over the attempts of every hop, which the hops'
	// own diagnoses weigh one by one.
	fs.cur, fs.scope = nil, diagnose.HopAll
	fs.pattern.report(fs)
	fs.scope = ""
	if fs.opened > 0 && fs.proxied == 0 {
		fs.add("capture.hop.direct", fs.firstAt, func() string {
			return fmt.Sprintf("all %d connections go straight from client to server: no CONNECT, no reverse proxy", fs.opened)
		}, fs.first)
	}
	for _, s := range fs.order {
		t := fs.tally[s]
		if t.n <= keepPerSignal {
			continue
		}
		d := fmt.Sprintf("seen %d times in all, first at packet %d, last at packet %d", t.n, t.first, t.last)
		fs.scope = diagnose.HopAll
		fs.emit(fs.evidence(s, t.lastAt, d, []int64{t.last, t.first}))
		fs.scope = ""
	}
}

// proxyPorts are the default ports of squid, Privoxy and tinyproxy: a connection to one that
// fails is taken as a failure to reach the proxy.
var proxyPorts = map[uint16]bool{3128: true, 3129: true, 8118: true, 8888: true}

// flow reports what a finished connection shows.
func (fs *findings) flow(t *links, f *Flow) {
	fs.cur, fs.curTable = f, t
	defer func() {
		fs.report(t, f)
		fs.cur = nil
	}()
	t.endRequest(f)
	hs := f.httpSeen()
	connect := hs.first.Method == "CONNECT"
	toProxy := connect || f.Role == RoleFront || t.proxies[f.Server] || proxyPorts[f.Server.Port]
	if !f.Midstream {
		if fs.opened++; fs.first == 0 || f.FirstPacket < fs.first {
			fs.first, fs.firstAt = f.FirstPacket, f.Start
		}
		if toProxy || f.Role != RoleDirect {
			fs.proxied++
		}
	}
	if f.Role == RoleFront && !connect && hs.n > 0 {
		// Plain HTTP in and TLS out for the same requests is a gateway (or a TLS-originating
		// proxy), not an Apache-style reverse proxy.
		if fs.tlsOut[f.Server.Addr] {
			fs.add("capture.hop.gateway", hs.reqTime, func() string {
				return fmt.Sprintf("%s took %s %s from %s over plain HTTP and opened a TLS connection of its own for it", f.Server, hs.first.Method, hs.first.Target, f.Client)
			}, hs.reqPkt)
		} else {
			fs.add("http.reverse-proxy.seen", hs.reqTime, func() string {
				return fmt.Sprintf("%s passed %s %s from %s on to a backend connection", f.Server, hs.first.Method, hs.first.Target, f.Client)
			}, hs.reqPkt)
		}
	}
	switch {
	case toProxy:
		fs.proxyConn(f, connect)
	default:
		fs.conn(f, t.now)
		fs.handshake(f, t.now)
		fs.unacked(f)
		if f.Role == RoleBackend && !f.viaConnect && !f.Midstream {
			fs.pattern.attempt(f.connectFailed(t.now), f.FirstPacket, f.Start)
		}
	}
}

// connectFailed reports whether a connection could not be opened: the pattern the mod-proxy
// playbook weighs is that of connection failures (a body or keep-alive failure has its own
// signals).
func (f *Flow) connectFailed(now int64) bool {
	switch {
	case f.rejected, f.unreachPkt != 0 && !f.Established():
		return true
	case !f.Established():
		return f.syn.n >= 2 || max(f.End, now)-f.Start >= 1e9
	}
	return false
}

// proxyConn reports on a connection to a proxy: whether it could be reached, and for a tunnel, how
// the TLS handshake through it went.
func (fs *findings) proxyConn(f *Flow, connect bool) {
	st := f.State()
	switch {
	case st == StateREJ:
		fs.add("proxy.unreachable.refused", f.rstTime[toClient], func() string { return fmt.Sprintf("%s refused the connection to the proxy %s", f.Server, f.Server) }, f.rstPkt[toClient], f.syn.pkt[0])
	case f.unreachPkt != 0 && !f.Established():
		fs.add("proxy.unreachable.timeout", f.End, func() string {
			return fmt.Sprintf("the network answered the connection to the proxy %s with ICMP unreachable", f.Server)
		}, f.unreachPkt)
	case f.syn.n > 0 && !f.Established() && f.syn.n >= 2:
		fs.add("proxy.unreachable.timeout", f.syn.time[0], func() string {
			return fmt.Sprintf("%d SYNs to the proxy %s went unanswered (gaps %s)", f.syn.n, f.Server, f.syn.gaps())
		}, f.syn.packets()...)
	case connect && f.Established():
		fs.add("proxy.reachable", f.synAckTime, func() string { return fmt.Sprintf("connected to the proxy %s in %s", f.Server, fmtDur(f.HandshakeRTT)) }, f.synAckPkt)
	}
	if f.httpSeen().tunnel && f.tls != nil {
		ts := f.tls
		switch {
		case ts.shPkt != 0:
			fs.add("tls.serverhello.seen", f.End, func() string {
				return fmt.Sprintf("ServerHello (%s) through the tunnel to %s", VersionName(ts.shVersion), f.http.first.Target)
			}, ts.shPkt, ts.chPkt)
		case ts.alertPkt != 0 && ts.alertDir == toClient:
			fs.add("tls.alert.received", f.End, func() string {
				return fmt.Sprintf("TLS alert %s (%d) from %s through the tunnel", AlertName(ts.alert), ts.alert, f.http.first.Target)
			}, ts.alertPkt, ts.chPkt)
		case f.End-ts.chTime >= 1e9:
			fs.add("tls.handshake.timeout", ts.chTime, func() string {
				return fmt.Sprintf("no answer to the ClientHello through the tunnel to %s in %s", f.http.first.Target, fmtDur(f.End-ts.chTime))
			}, ts.chPkt)
		}
	}
}

// conn reports how a connection to a backend (or a server seen on its own) was opened.
func (fs *findings) conn(f *Flow, now int64) {
	if f.Midstream {
		return
	}
	switch {
	case f.unreachPkt != 0 && !f.Established():
		what := "unreachable"
		if !f.unreachV6 {
			what = icmpName(f.unreachCode)
		}
		fs.add("tcp.connect.unreachable", f.End, func() string { return fmt.Sprintf("connecting to %s: ICMP %s", f.Server, what) }, f.unreachPkt, f.syn.pkt[0])
	case f.rejected:
		fs.add("tcp.connect.refused", f.rstTime[toClient], func() string {
			return fmt.Sprintf("%s refused the connection (RST to the SYN after %s)", f.Server, fmtDur(f.rstTime[toClient]-f.Start))
		}, f.rstPkt[toClient], f.syn.pkt[0])
	case f.syn.n > 0 && !f.Established():
		waited := max(f.End, now) - f.syn.time[0]
		if f.syn.n < 2 && waited < 1e9 {
			return // the capture ended too soon after the SYN to tell
		}
		fs.add("tcp.connect.timeout", f.syn.time[0], func() string {
			return fmt.Sprintf("%d SYN(s) to %s unanswered over %s (gaps %s)", f.syn.n, f.Server, fmtDur(f.End-f.syn.time[0]), f.syn.gaps())
		}, f.syn.packets()...)
	case f.Established():
		how := "SYN-ACK after " + fmtDur(f.HandshakeRTT)
		if f.synAckLost {
			how = "its SYN-ACK is missing from the capture but it answered"
		}
		fs.add("tcp.connect.ok", f.synAckTime, func() string { return fmt.Sprintf("connected to %s, %s", f.Server, how) }, f.synAckPkt)
		if f.syn.n > 1 {
			fs.add("tcp.syn.retransmitted", f.synAckTime, func() string {
				return fmt.Sprintf("%s answered the SYN only after %d tries (gaps %s)", f.Server, f.syn.n, f.syn.gaps())
			}, f.syn.packets()...)
		}
	}
}

// handshake reports how far a TLS handshake went.
func (fs *findings) handshake(f *Flow, now int64) {
	ts := f.tls
	if ts == nil {
		return
	}
	sni := ts.hello.SNI
	if sni == "" {
		sni = f.Server.String()
	}
	switch {
	case ts.shPkt != 0:
		fs.add("tls.serverhello.seen", f.End, func() string { return fmt.Sprintf("ServerHello (%s) from %s", VersionName(ts.shVersion), sni) }, ts.shPkt, ts.chPkt)
		if ts.alertPkt != 0 {
			fs.alert(f, sni)
		} else if ts.appPkt != 0 {
			fs.add("tls.handshake.ok", f.End, func() string { return fmt.Sprintf("TLS handshake with %s completed", sni) }, ts.appPkt)
		}
		return
	case ts.alertPkt != 0:
		fs.alert(f, sni)
		return
	case ts.otherPkt != 0 && ts.otherHTTP:
		// An HTTP server reading a ClientHello as a request answers 400 at once.
		fs.add("tls.answered.plain-http", f.End, func() string {
			return fmt.Sprintf("%s answered the ClientHello with a plain HTTP response: TLS was sent to a port that serves plain HTTP", sni)
		}, ts.otherPkt, ts.chPkt)
		return
	case ts.otherPkt != 0:
		fs.add("tls.protocol.mismatch", f.End, func() string { return fmt.Sprintf("%s answered the ClientHello with bytes that are not TLS", sni) }, ts.otherPkt, ts.chPkt)
		return
	}
	// No answer to the ClientHello.
	h := &f.h[toServer]
	retrans := h.rto != nil && h.rto.seq == ts.chSeq && h.rto.n >= 2
	if retrans {
		fs.add("tls.clienthello.retransmitted", h.rto.time[min(h.rto.n, len(h.rto.time))-1], func() string {
			return fmt.Sprintf("ClientHello to %s sent %d times (gaps %s)", sni, h.rto.n, h.rto.gaps())
		}, h.rto.packets()...)
	}
	waited := max(f.End, now) - ts.chTime
	if ts.chAckPkt != 0 {
		fs.add("tls.clienthello.acked", f.End, func() string { return fmt.Sprintf("%s acknowledged the ClientHello but sent no ServerHello", sni) }, ts.chPkt, ts.chAckPkt)
	} else if retrans || waited >= 2e8 {
		fs.add("tls.clienthello.unacked", f.End, func() string {
			return fmt.Sprintf("%s never acknowledged the ClientHello (%s, SNI %q)", f.Server, VersionName(ts.hello.Version), ts.hello.SNI)
		}, ts.chPkt)
	}
	switch {
	case f.rstPkt[toClient] > ts.chPkt:
		fs.add("tls.handshake.reset", f.rstTime[toClient], func() string {
			return fmt.Sprintf("%s reset the connection %s after the ClientHello", sni, fmtDur(f.rstTime[toClient]-ts.chTime))
		}, f.rstPkt[toClient], ts.chPkt)
	case f.finPkt[toClient] > ts.chPkt:
		fs.add("tls.handshake.closed", f.finTime[toClient], func() string {
			return fmt.Sprintf("%s closed the connection %s after the ClientHello without answering", sni, fmtDur(f.finTime[toClient]-ts.chTime))
		}, f.finPkt[toClient], ts.chPkt)
	case waited >= 1e9 || f.finPkt[toServer] > ts.chPkt || f.rstPkt[toServer] > ts.chPkt:
		fs.add("tls.handshake.timeout", f.End, func() string {
			return fmt.Sprintf("no answer to the ClientHello from %s in %s", sni, fmtDur(f.End-ts.chTime))
		}, ts.chPkt)
	}
}

// unacked reports data on an established connection sent again and again and never acknowledged
// up to the end of the capture: the path stopped delivering in the middle of a transfer. A
// ClientHello left unanswered so has signals of its own.
func (fs *findings) unacked(f *Flow) {
	if !f.Established() && !f.Midstream {
		return
	}
	for d := range 2 {
		h, o := &f.h[d], &f.h[1-d]
		if h.rto == nil || h.rto.n < 3 || f.tls != nil && d == toServer && h.rto.seq == f.tls.chSeq {
			continue
		}
		if o.hasAck && int32(o.ack-h.rto.seq) > 0 || f.rstPkt[1-d] != 0 {
			continue // acknowledged in the end, or the other side reset the connection
		}
		from, to := f.Client, f.Server
		if d == toClient {
			from, to = to, from
		}
		fs.add("tcp.data.unacked", h.rto.time[min(h.rto.n, len(h.rto.time))-1], func() string {
			return fmt.Sprintf("%s sent the same data to %s %d times (gaps %s) and it was never acknowledged", from, to, h.rto.n, h.rto.gaps())
		}, h.rto.packets()...)
		return
	}
}

func (fs *findings) alert(f *Flow, sni string) {
	ts := f.tls
	if ts.alertDir == toClient {
		fs.add("tls.alert.received", f.End, func() string { return fmt.Sprintf("%s sent TLS alert %s (%d)", sni, AlertName(ts.alert), ts.alert) }, ts.alertPkt, ts.chPkt)
	} else {
		fs.add("tls.alert.sent", f.End, func() string {
			return fmt.Sprintf("the client aborted the handshake with %s: TLS alert %s (%d)", sni, AlertName(ts.alert), ts.alert)
		}, ts.alertPkt, ts.chPkt)
	}
}

func icmpName(code uint8) string {
	switch code {
	case 0:
		return "network unreachable"
	case 1:
		return "host unreachable"
	case 3:
		return "port unreachable"
	case 9, 10, 13:
		return "administratively prohibited"
	}
	return fmt.Sprintf("unreachable (code %d)", code)
}

// hostOnly strips a port from "host:port" or "[v6]:port".
func hostOnly(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			return s[1:i]
		}
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && strings.Count(s, ":") == 1 {
		return s[:i]
	}
	return s
}
