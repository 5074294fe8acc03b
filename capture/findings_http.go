package capture

import (
	"fmt"
	"strconv"
	"strings"
)

// largeBody is the body size from which a delivered and answered upload counts as evidence that
// uploads work: below it, the kernel's socket buffers absorb the whole body anyway.
const largeBody = 64 << 10

// reuseIdle is the quiet time after which reusing a connection counts as reusing an idle
// keep-alive connection: shorter than any server's keep-alive timeout (Apache's default is 5 s).
const reuseIdle = 1e9

// event reports a finding tied to one HTTP exchange.
func (fs *findings) event(t *links, f *Flow, ev event) {
	prev := fs.cur
	fs.cur, fs.curTable = f, t
	defer func() { fs.cur = prev }()
	hs := f.http
	switch ev {
	case evResponse:
		if hs.req.Method == "CONNECT" {
			fs.connectAnswer(f)
		} else if f.Role != RoleBackend && hs.resp.Status >= 500 {
			fs.add("http.response."+strconv.Itoa(hs.resp.Status), hs.respTime, func() string {
				return fmt.Sprintf("%s answered %s %s with %d", f.Server, hs.req.Method, hs.req.Target, hs.resp.Status)
			}, hs.respPkt, hs.reqPkt)
		}
	case evRequestEnd:
		// What the client saw: an error status, or the connection closed without an answer. A
		// request still waiting when the capture ended says nothing either way.
		serverClosed := max(f.finPkt[toClient], f.rstPkt[toClient]) > hs.reqPkt
		if hs.req.Method != "CONNECT" && f.Role != RoleBackend && (hs.answered || serverClosed) {
			failed := !hs.answered || hs.resp.Status >= 500
			pkt, at := hs.reqPkt, hs.reqTime
			if hs.answered {
				pkt, at = hs.respPkt, hs.respTime
			}
			fs.pattern.request(hs.req.Method, hs.req.Target, failed, pkt, at)
		}
		if hs.req.Method != "CONNECT" && f.Role != RoleFront && !t.proxies[f.Server] {
			fs.exchange(f)
		}
	}
}

// connectAnswer reports a proxy's answer to a CONNECT and what the request's Host header named.
func (fs *findings) connectAnswer(f *Flow) {
	hs := f.http
	req, resp := hs.req, hs.resp
	at, pkts := hs.respTime, []int64{hs.respPkt, hs.reqPkt}
	fs.add(fmt.Sprintf("proxy.connect.status.%d", resp.Status), at, func() string {
		return fmt.Sprintf("the proxy %s answered CONNECT %s with %d", f.Server, req.Target, resp.Status)
	}, pkts...)
	if req.Host != "" {
		if sameAuthority(req.Host, req.Target) {
			fs.add("proxy.host-header.names-target", hs.reqTime, func() string { return fmt.Sprintf("CONNECT %s with Host: %s", req.Target, req.Host) }, hs.reqPkt)
		} else {
			fs.add("proxy.host-header.names-proxy", hs.reqTime, func() string { return fmt.Sprintf("CONNECT %s with Host: %s, not the target", req.Target, req.Host) }, hs.reqPkt)
		}
	}
	for _, sig := range proxyErrors(resp) {
		fs.add(sig.signal, at, func() string { return sig.why }, pkts...)
	}
}

// sameAuthority reports whether a Host header names the CONNECT target: the same host and, when
// the header gives one, the same port. A Host naming the proxy differs in one or the other (on a
// single test host, only in the port).
func sameAuthority(host, target string) bool {
	if hostOnly(host) != hostOnly(target) {
		return false
	}
	hp, tp := portOf(host), portOf(target)
	return hp == "" || tp == "" || hp == tp
}

// portOf returns the port of "host:port" or "[v6]:port", or "".
func portOf(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		if i := strings.Index(s, "]:"); i > 0 {
			return s[i+2:]
		}
		return ""
	}
	if strings.Count(s, ":") == 1 {
		return s[strings.IndexByte(s, ':')+1:]
	}
	return ""
}

type proxySignal struct{ signal, why string }

// proxyErrors reads why a proxy refused: squid's X-Squid-Error, the RFC 9209 Proxy-Status, a
// Proxy-Authenticate challenge, and the bodies of proxies that explain only there.
func proxyErrors(r Response) []proxySignal {
	var out []proxySignal
	add := func(sig, why string) { out = append(out, proxySignal{sig, why}) }
	se := r.SquidError
	switch {
	case strings.HasPrefix(se, "ERR_ACCESS_DENIED"):
		add("proxy.error.access-denied", "X-Squid-Error: "+se)
	case strings.HasPrefix(se, "ERR_CACHE_ACCESS_DENIED"):
		add("proxy.error.auth-required", "X-Squid-Error: "+se)
	case strings.HasPrefix(se, "ERR_DNS_FAIL"):
		add("proxy.error.dns", "X-Squid-Error: "+se)
	case strings.HasPrefix(se, "ERR_CANNOT_FORWARD"):
		add("proxy.error.cannot-forward", "X-Squid-Error: "+se)
	case strings.HasPrefix(se, "ERR_CONNECT_FAIL 111"):
		add("proxy.error.connect-refused", "X-Squid-Error: "+se)
	case strings.HasPrefix(se, "ERR_CONNECT_FAIL 110"), strings.HasPrefix(se, "ERR_READ_TIMEOUT"), strings.HasPrefix(se, "ERR_CONNECT_FAIL 113"):
		add("proxy.error.connect-timeout", "X-Squid-Error: "+se)
	}
	ps := strings.ToLower(r.ProxyStatus)
	switch {
	case strings.Contains(ps, "dns_error"), strings.Contains(ps, "dns_timeout"), strings.Contains(ps, "destination_not_found"):
		add("proxy.error.dns", "Proxy-Status: "+r.ProxyStatus)
	case strings.Contains(ps, "connection_refused"):
		add("proxy.error.connect-refused", "Proxy-Status: "+r.ProxyStatus)
	case strings.Contains(ps, "connection_timeout"), strings.Contains(ps, "destination_ip_unroutable"):
		add("proxy.error.connect-timeout", "Proxy-Status: "+r.ProxyStatus)
	case strings.Contains(ps, "http_request_denied"):
		add("proxy.error.access-denied", "Proxy-Status: "+r.ProxyStatus)
	}
	if r.ProxyAuth && se == "" {
		add("proxy.error.auth-required", "the proxy sent Proxy-Authenticate")
	}
	if se == "" && r.ProxyStatus == "" {
		body := strings.ToLower(r.Body)
		switch {
		case strings.Contains(body, "could not retrieve address") || strings.Contains(body, "could not be resolved") || strings.Contains(body, "no such domain"):
			add("proxy.error.dns", "the proxy's error page says the name did not resolve")
		case strings.Contains(body, "unable to connect"):
			add("proxy.error.cannot-forward", "the proxy's error page says it was unable to connect")
		}
	}
	return out
}

// exchange reports how a request to a backend went: a body cut off or stalled, a reused keep-alive
// connection that the backend had closed.
func (fs *findings) exchange(f *Flow) {
	hs := f.http
	req := hs.req
	srvRST, srvFIN := f.rstPkt[toClient], f.finPkt[toClient]
	closedPkt, closedTime, how := srvRST, f.rstTime[toClient], "reset"
	if closedPkt == 0 || srvFIN != 0 && srvFIN < closedPkt {
		closedPkt, closedTime, how = srvFIN, f.finTime[toClient], "closed"
	}
	closedAfter := closedPkt > hs.reqPkt && !hs.answered
	if hs.n >= 2 {
		switch {
		case hs.serverFINBefore != 0:
			fs.add("keepalive.reuse.failed", hs.reqTime, func() string {
				return fmt.Sprintf("request %d (%s %s) written on a connection %s had already closed (FIN at packet %d), after %s idle", hs.n, req.Method, req.Target, f.Server, hs.serverFINBefore, fmtDur(hs.idle))
			}, hs.reqPkt, hs.serverFINBefore)
			return
		case closedAfter && hs.idle >= reuseIdle/10:
			fs.add("keepalive.reuse.failed", closedTime, func() string {
				return fmt.Sprintf("request %d (%s %s) on a connection reused after %s idle: %s %s it without answering", hs.n, req.Method, req.Target, fmtDur(hs.idle), f.Server, how)
			}, hs.reqPkt, closedPkt)
			return
		case hs.answered && hs.idle >= reuseIdle:
			fs.add("keepalive.reuse.ok", hs.respTime, func() string {
				return fmt.Sprintf("request %d on a connection reused after %s idle was answered %d", hs.n, fmtDur(hs.idle), hs.resp.Status)
			}, hs.reqPkt, hs.respPkt)
		}
	}
	if req.BodyLen == 0 {
		return
	}
	declared := "chunked"
	if req.BodyLen > 0 {
		declared = fmt.Sprintf("%d bytes", req.BodyLen)
	}
	zeroCount, zeroLongest := f.ZeroWindows()
	shut := zeroLongest[toClient]
	z := f.zero
	if z != nil && z.since[toClient] != 0 {
		shut = max(shut, f.End-z.since[toClient])
	}
	switch {
	case hs.bodyDone && hs.answered:
		if hs.bodySent >= largeBody {
			fs.add("body.upload.ok", hs.respTime, func() string {
				return fmt.Sprintf("%s %s: the %s body went through and was answered %d", req.Method, req.Target, declared, hs.resp.Status)
			}, hs.reqPkt, hs.respPkt)
		}
	case !hs.bodyDone && zeroCount[toClient] > 0 && shut >= 1e9:
		// A window shut for long comes first even if the backend closed later: it stopped
		// reading, and whoever gave up closed.
		fs.add("body.upload.stalled", z.at[toClient], func() string {
			return fmt.Sprintf("%s stopped reading the body of %s %s after %d of %s: its window stayed shut for %s", f.Server, req.Method, req.Target, hs.bodySent, declared, fmtDur(shut))
		}, z.pkt[toClient], hs.reqPkt)
	case !hs.bodyDone && closedAfter:
		fs.add("body.upload.reset", closedTime, func() string {
			return fmt.Sprintf("%s %s %s the connection after %d of %s of body", f.Server, how, req.Target, hs.bodySent, declared)
		}, closedPkt, hs.reqPkt)
	}
}
