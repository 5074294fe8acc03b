package probe

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// Source names the evidence of a check, as the diagnose ledger shows it: "check tls".
func Source(check string) string { return "check " + check }

// Evidence turns everything a run found into evidence, check by check in the order they ran.
// Signals the knowledge base does not know are left out.
func Evidence(kb *knowledge.Base, r *Result) []diagnose.Evidence {
	var out []diagnose.Evidence
	if r.Hop != "" {
		// The operator's statement, not an observation: it carries the operator's kind.
		e := emitter{kb: kb, src: "operator", at: r.Started}
		signal := "hop." + r.Hop
		if r.Hop == HopGateway {
			signal += map[bool]string{true: ".proxied", false: ".direct"}[r.Proxy != ""]
		}
		e.emit(signal, "checked as the "+r.Hop+"'s hop (--hop "+r.Hop+")")
		for i := range e.out {
			e.out[i].Kind = diagnose.FromOperator
		}
		out = append(out, e.out...)
	}
	at := r.Started
	hop := CheckHop(r.Target, r.Proxy)
	for _, c := range []struct {
		id     string
		res    any
		phases []string
	}{{CheckDNS, r.DNS, []string{PhaseDNS}}, {CheckTCP, r.TCP, []string{PhaseConnect}},
		{CheckConnect, r.Connect, []string{PhaseProxyDNS, PhaseProxyConnect, PhaseCONNECT}},
		{CheckTLS, r.TLS, []string{PhaseTLS}}, {CheckHTTP, r.HTTP, []string{PhaseFirstByte}},
		{CheckBody, r.Body, nil}, {CheckKeepalive, r.Keepalive, nil}} {
		// Each check's evidence is stamped with when its last phase ended (the run's start, or
		// the previous check's time, for checks outside the waterfall).
		for _, p := range r.Waterfall {
			if slices.Contains(c.phases, p.Name) {
				at = r.Started.Add(p.End())
			}
		}
		evs := CheckEvidence(kb, c.id, c.res, at)
		out = append(out, WithAttempts(evs, CheckAttempts(hop, c.id, c.res, evs, at))...)
	}
	return out
}

// Healthy reports whether a check's signal is what a working hop gives (a check that passed),
// as opposed to one that points at a fault.
func Healthy(signal string) bool {
	switch signal {
	case "dns.backend.ok", "tcp.connect.ok", "proxy.reachable", "proxy.connect.status.200",
		"tls.handshake.ok", "body.upload.ok", "keepalive.reuse.ok", "proxy.host-header.no-difference",
		"http.response.ok":
		return true
	}
	return false
}

// CheckEvidence turns one check's result (as passed to Hooks.CheckDone) into evidence observed
// at the given time. A nil result gives none.
func CheckEvidence(kb *knowledge.Base, check string, result any, at time.Time) []diagnose.Evidence {
	e := emitter{kb: kb, src: Source(check), at: at}
	switch r := result.(type) {
	case *DNSResult:
		if r != nil {
			e.dns(r)
		}
	case *TCPResult:
		if r != nil {
			e.tcp(r)
		}
	case *ConnectResult:
		if r != nil {
			e.connect(r)
		}
	case *TLSResult:
		if r != nil {
			e.tls(r)
		}
	case *HTTPResult:
		if r != nil {
			e.http(r)
		}
	case *BodyResult:
		if r != nil {
			e.body(r)
		}
	case *KeepaliveResult:
		if r != nil {
			e.keepalive(r)
		}
	}
	return e.out
}

// emitter collects evidence, dropping signals the knowledge base lacks.
type emitter struct {
	kb  *knowledge.Base
	src string
	at  time.Time
	out []diagnose.Evidence
}

func (e *emitter) emit(signal, detail string) {
	if _, ok := e.kb.Signal(signal); !ok {
		return
	}
	e.out = append(e.out, diagnose.Evidence{Signal: signal, Source: e.src, Kind: diagnose.FromCheck, At: e.at, Detail: diagnose.Redact(detail)})
}

func (e *emitter) dns(r *DNSResult) {
	switch r.Outcome {
	case DNSOK:
		e.emit("dns.backend.ok", fmt.Sprintf("%s resolves to %s in %s", r.Host, addrList(r), ms(r.Took)))
	case DNSNXDomain:
		e.emit("dns.backend.nxdomain", fmt.Sprintf("%s does not resolve: %s", r.Host, r.Err))
	case DNSTimeout, DNSServFail:
		e.emit("dns.backend.timeout", fmt.Sprintf("%s: resolver %s after %s: %s", r.Host, r.Outcome, ms(r.Took), r.Err))
	}
}

func (e *emitter) tcp(r *TCPResult) {
	signal := map[TCPOutcome]string{TCPConnected: "tcp.connect.ok", TCPRefused: "tcp.connect.refused",
		TCPTimeout: "tcp.connect.timeout", TCPUnreachable: "tcp.connect.unreachable"}[r.Outcome()]
	if signal != "" {
		e.emit(signal, tcpDetail(r))
	}
}

func (e *emitter) connect(r *ConnectResult) {
	switch {
	case r.NotAllowed != "":
		return // nothing was sent, so nothing was learnt about the hop
	case r.DNS != nil && len(r.DNS.Addrs) == 0:
		e.emit("proxy.dns.failed", fmt.Sprintf("proxy name %s: %s %s", r.DNS.Host, r.DNS.Outcome, r.DNS.Err))
		return
	case r.TCP == nil:
		return
	}
	switch r.TCP.Outcome() {
	case TCPConnected:
		e.emit("proxy.reachable", "proxy "+tcpDetail(r.TCP))
	case TCPRefused:
		e.emit("proxy.unreachable.refused", "proxy "+tcpDetail(r.TCP))
		return
	case TCPTimeout:
		e.emit("proxy.unreachable.timeout", "proxy "+tcpDetail(r.TCP))
		return
	case TCPUnreachable:
		e.emit("proxy.unreachable.network", "proxy "+tcpDetail(r.TCP))
		return
	default:
		return
	}
	a := r.Gateway()
	if a == nil {
		return
	}
	said := fmt.Sprintf("CONNECT %s (Host: %s) → ", r.Target, a.HostHeader)
	switch a.Outcome {
	case ProxyAnswered:
		code := a.Status
		if code/100 == 2 {
			code = 200
		}
		e.emit("proxy.connect.status."+strconv.Itoa(code), said+a.StatusLine+" in "+ms(a.Took))
		if a.Reason != "" {
			e.emit("proxy.error."+string(a.Reason), "the proxy says "+a.Said)
		}
	case ProxyNoAnswer:
		e.emit("proxy.connect.no-answer", said+"no answer in "+ms(a.Took))
	case ProxyClosed, ProxyReset:
		e.emit("proxy.connect.closed", said+string(a.Outcome)+" without an answer: "+a.Err)
	}
	switch r.Compared {
	case OnlyProxyNameRefused:
		e.emit("proxy.host-header.only-proxy-name-refused", fmt.Sprintf("Host: %s → %d, Host: %s → %d",
			r.Attempts[0].HostHeader, r.Attempts[0].Status, r.Attempts[1].HostHeader, r.Attempts[1].Status))
	case NoDifference:
		e.emit("proxy.host-header.no-difference", fmt.Sprintf("Host: %s and Host: %s both → %d",
			r.Attempts[0].HostHeader, r.Attempts[1].HostHeader, r.Attempts[0].Status))
	}
	if a.HostIs == HostIsGiven {
		switch a.HostHeader {
		case r.Proxy:
			e.emit("proxy.host-header.names-proxy", "the CONNECT was sent with Host: "+a.HostHeader+", the proxy's name, as the gateway does")
		case r.Target:
			e.emit("proxy.host-header.names-target", "the CONNECT was sent with Host: "+a.HostHeader+", the target's name, as the gateway does")
		}
	}
}

func (e *emitter) tls(r *TLSResult) {
	d := fmt.Sprintf("SNI %q, offered %s: ", r.SNI, r.Offered)
	switch r.Outcome {
	case TLSOK:
		e.emit("tls.handshake.ok", d+r.Version+" "+r.Cipher+" in "+ms(r.Took))
	case TLSBadCert:
		// The server did answer: its ServerHello and certificate arrived, which rules out the
		// handshake-timeout causes as firmly as a completed handshake would.
		e.emit("tls.serverhello.seen", d+"ServerHello and certificate received in "+ms(r.Took))
		e.emit("tls.certificate.invalid", d+"certificate does not verify: "+r.VerifyErr)
	case TLSAlert:
		e.emit("tls.alert.received", d+"alert "+r.Alert+" after "+ms(r.Took))
	case TLSReset:
		e.emit("tls.handshake.reset", d+"reset after "+ms(r.Took))
	case TLSClosed:
		e.emit("tls.handshake.closed", d+"closed without an alert after "+ms(r.Took))
		// Only a ClientHello never acknowledged adds to the close: one the server read and then
		// closed on is the close itself, a refusal without an alert.
		if r.ClientHelloAcked != nil && !*r.ClientHelloAcked {
			e.clientHello(r)
		}
	case TLSNotTLS:
		e.emit("tls.protocol.mismatch", d+"the server answered "+r.FirstBytes)
	case TLSRejected:
		e.emit("tls.handshake.rejected", d+r.Err)
	case TLSOversized:
		e.emit("tls.handshake.rejected", fmt.Sprintf("%sthe server sent more than a TLS client accepts (%d bytes received): %s", d, r.Received, r.Err))
	case TLSIncomplete:
		// The handshake timed out as the gateway's would, but not in silence: say how far it got.
		e.emit("tls.handshake.timeout", fmt.Sprintf("%sthe server answered too slowly: handshake incomplete after %d bytes in %s", d, r.Received, ms(r.Took)))
	case TLSTimeout:
		e.emit("tls.handshake.timeout", fmt.Sprintf("%sno answer in %s (%d bytes received)", d, ms(r.Took), r.Received))
		e.clientHello(r)
	}
}

// clientHello says what the kernel knew of the ClientHello when the handshake ended unanswered:
// acknowledged (the server's stack has it) or never, and retransmitted.
func (e *emitter) clientHello(r *TLSResult) {
	if r.ClientHelloAcked == nil || r.TCP == nil {
		return
	}
	tcp := fmt.Sprintf("kernel: %d segments unacknowledged, %d retransmitted, %d of %d bytes acknowledged",
		r.TCP.Unacked, r.TCP.Retransmits, r.TCP.BytesAcked, r.TCP.BytesSent)
	if *r.ClientHelloAcked {
		e.emit("tls.clienthello.acked", "the ClientHello was acknowledged, never answered; "+tcp)
		return
	}
	e.emit("tls.clienthello.unacked", "the ClientHello was never acknowledged; "+tcp)
	if r.TCP.Retransmits > 0 {
		e.emit("tls.clienthello.retransmitted", tcp)
	}
}

func (e *emitter) http(r *HTTPResult) {
	if r.Outcome != HTTPAnswered {
		return
	}
	if r.Status >= 500 {
		e.emit("http.response."+strconv.Itoa(r.Status), r.StatusLine)
	} else {
		e.emit("http.response.ok", r.StatusLine+", first byte after "+ms(r.FirstByte))
	}
	if r.FaultSource == "target" {
		e.emit("gateway.fault-source.target", "X-Apigee-fault-source: target")
	}
	code, str := r.FaultCode, ""
	if r.Fault != nil {
		str = r.Fault.String
		if r.Fault.Code != "" {
			code = r.Fault.Code
		}
	}
	switch {
	case code == "protocol.http.ProxyTunnelCreationFailed":
		e.emit("gateway.fault.tunnel-failed", "fault "+code+": "+str)
		if r.Fault != nil {
			if st := r.Fault.TunnelStatus(); st > 0 {
				e.emit("proxy.connect.status."+strconv.Itoa(st), "the gateway quotes the proxy's status: "+str)
			}
		}
	case strings.HasPrefix(code, "messaging.adaptors.http.") && strings.HasSuffix(code, "BadGateway"):
		e.emit("gateway.fault.bad-gateway", "fault "+code+": "+str)
	}
}

func (e *emitter) body(r *BodyResult) {
	d := fmt.Sprintf("%s of a %s body sent in %s", FormatSize(r.Sent), FormatSize(r.Size), ms(r.Took))
	switch r.Outcome {
	case BodyOK:
		e.emit("body.upload.ok", d+fmt.Sprintf(", answered %d", r.Status))
	case BodyReset, BodyClosed:
		e.emit("body.upload.reset", d+", then "+string(r.Outcome)+": "+r.Err)
	case BodyStalled:
		why := ", then no progress: " + r.Err
		if r.TCP != nil && r.TCP.SendWindow == 0 {
			why = fmt.Sprintf(", then the backend's window stayed shut (%d bytes waiting to be sent)", r.TCP.NotSent)
		}
		e.emit("body.upload.stalled", d+why)
	}
}

func (e *emitter) keepalive(r *KeepaliveResult) {
	switch r.Outcome {
	case ReuseOK:
		e.emit("keepalive.reuse.ok", fmt.Sprintf("a request after %s idle on the same connection was answered %d", r.Idle, r.Second.Status))
	case ReuseFailed:
		e.emit("keepalive.reuse.failed", fmt.Sprintf("a request after %s idle on the same connection failed (server Keep-Alive %q, closed while idle: %t): %s",
			r.Idle, r.ServerKeepAlive, r.ClosedWhileIdle, r.Err))
	}
}

func tcpDetail(r *TCPResult) string {
	var parts []string
	for _, a := range r.Attempts {
		s := a.Remote + " " + string(a.Outcome) + " in " + ms(a.Took)
		if a.Local != "" {
			s += " from " + a.Local
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func addrList(r *DNSResult) string {
	var s []string
	for _, a := range r.Addrs {
		s = append(s, a.String())
	}
	return strings.Join(s, ", ")
}

// ms writes a duration in milliseconds with a precision that suits it.
func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	switch {
	case f < 10:
		return strconv.FormatFloat(f, 'f', 2, 64) + " ms"
	case f < 1000:
		return strconv.FormatFloat(f, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(f/1000, 'f', 2, 64) + " s"
}
