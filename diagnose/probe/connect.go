package probe

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// ProxyOutcome says how one CONNECT request ended.
type ProxyOutcome string

// The ways a CONNECT ends.
const (
	ProxyAnswered ProxyOutcome = "answered"  // the proxy sent a status line and headers
	ProxyNoAnswer ProxyOutcome = "no-answer" // the proxy said nothing before the deadline
	ProxyClosed   ProxyOutcome = "closed"    // the proxy closed the connection without an answer
	ProxyReset    ProxyOutcome = "reset"     // the proxy reset the connection without an answer
	ProxyGarbled  ProxyOutcome = "garbled"   // the proxy answered something that is not HTTP
	ProxyCanceled ProxyOutcome = "canceled"  // the caller gave up
	// ProxyCut: the proxy began an answer but closed or went silent before its head ended.
	ProxyCut ProxyOutcome = "cut"
	// ProxyTooLarge: the proxy's status line and headers ran past the probe's bound (maxHead).
	ProxyTooLarge ProxyOutcome = "too-large"
	ProxyFailed   ProxyOutcome = "error" // anything else (see Err)
)

// Which name a CONNECT's Host header carries.
const (
	HostIsTarget = "target" // the backend's host:port, as curl sends it
	HostIsProxy  = "proxy"  // the proxy's own host:port, as a gateway sends it unless told otherwise
	HostIsGiven  = "given"  // the name the operator gave with --connect-host
)

// Limits on reading a proxy's answer: enough for any real error page's tell-tale words, bounded
// so a hostile or broken proxy cannot make the probe read forever.
const (
	maxHeaderLines = 100
	maxBodyRead    = 16 << 10
	bodyShown      = 512
	// bodyWait bounds the wait for an error page's body once the headers are in: proxies send
	// it with the headers, so a second is plenty.
	bodyWait = time.Second
)

// ProxyAttempt is one CONNECT request on its own connection and the proxy's answer.
type ProxyAttempt struct {
	// HostHeader is the Host header sent; HostIs says whose name it is (target, proxy, given).
	HostHeader string `json:"host_header"`
	HostIs     string `json:"host_is"`
	// Request is the exact request sent, credentials redacted.
	Request string `json:"request"`
	// Outcome says how it ended.
	Outcome ProxyOutcome `json:"outcome"`
	// StatusLine and Status are the proxy's status line and code.
	StatusLine string `json:"status_line,omitempty"`
	Status     int    `json:"status,omitempty"`
	// Headers are the answer's header lines in the order received, redacted.
	Headers []string `json:"headers,omitempty"`
	// BodyStart is the first part of the answer's body.
	BodyStart string `json:"body_start,omitempty"`
	// Took is the time from the request written to the status line read.
	Took time.Duration `json:"took_ns"`
	// Reason is what the proxy says went wrong, read from its answer (see ProxyReason…); Said
	// quotes where it says so.
	Reason ProxyReason `json:"reason,omitempty"`
	Said   string      `json:"said,omitempty"`
	// Err is the error, when there was no answer.
	Err string `json:"error,omitempty"`
}

// Accepted reports whether the proxy opened the tunnel.
func (a *ProxyAttempt) Accepted() bool { return a.Outcome == ProxyAnswered && a.Status/100 == 2 }

// connectRequest writes the CONNECT request for target with the given Host header.
func connectRequest(target, host string, o *Options) string {
	var b strings.Builder
	b.WriteString("CONNECT " + target + " HTTP/1.1\r\n")
	b.WriteString("Host: " + host + "\r\n")
	if o.ProxyUser != "" {
		cred := base64.StdEncoding.EncodeToString([]byte(o.ProxyUser + ":" + o.ProxyPassword))
		b.WriteString("Proxy-Authorization: Basic " + cred + "\r\n")
	}
	b.WriteString("User-Agent: hopscope\r\n")
	b.WriteString("Proxy-Connection: Keep-Alive\r\n\r\n")
	return b.String()
}

// proxyConnect sends one CONNECT on conn and reads the answer within timeout. On a 2xx answer it
// returns the tunnel: a connection that first yields whatever the proxy sent past its headers.
func proxyConnect(ctx context.Context, conn net.Conn, target, host, hostIs string, o *Options, h *Hooks) (ProxyAttempt, net.Conn) {
	req := connectRequest(target, host, o)
	at := ProxyAttempt{HostHeader: host, HostIs: hostIs, Request: diagnose.Redact(req)}
	timeout := orDefault(o.ProxyTimeout, DefaultProxyTimeout)
	start := o.now()
	_ = conn.SetDeadline(start.Add(timeout))
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := io.WriteString(conn, req); err != nil {
		at.Outcome, at.Err = proxyFailure(ctx, err), err.Error()
		return at, nil
	}
	h.proxyConnectSent(at.Request)
	hc := newHeadCap(conn)
	br := bufio.NewReaderSize(hc, 4096)
	line, got, err := readHeadLine(br, 0)
	at.Took = o.now().Sub(start)
	if err != nil {
		at.Outcome, at.Err = headFailure(ctx, err), err.Error()
		return at, nil
	}
	at.StatusLine = diagnose.Redact(line)
	code, ok := parseStatusLine(line)
	if !ok {
		at.Outcome = ProxyGarbled
		return at, nil
	}
	at.Status = code
	length := int64(-1)
	// Every line up to the blank one is read (the cap bounds them), the first maxHeaderLines
	// kept: what follows the head is the tunnel's or the error page's, never a header.
	for {
		var hl string
		hl, got, err = readHeadLine(br, got)
		if err != nil {
			at.Outcome, at.Err = headFailure(ctx, err), err.Error()
			return at, nil
		}
		if hl == "" {
			break
		}
		if len(at.Headers) < maxHeaderLines {
			at.Headers = append(at.Headers, diagnose.Redact(hl))
		}
		if k, v, ok := strings.Cut(hl, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "Content-Length") {
			length, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	at.Outcome = ProxyAnswered
	hc.lift()
	_ = conn.SetDeadline(time.Time{})
	if at.Accepted() {
		return at, &bufferedConn{Conn: conn, r: br}
	}
	body := readBodyStart(conn, br, length, o.now().Add(bodyWait))
	at.BodyStart = diagnose.Redact(clip(body, bodyShown))
	at.Reason, at.Said = readProxyReason(at.Headers, line+"\n"+body)
	return at, nil
}

// readBodyStart reads the start of an error page: up to its length or maxBodyRead, until deadline.
func readBodyStart(conn net.Conn, br *bufio.Reader, length int64, deadline time.Time) string {
	n := int64(maxBodyRead)
	if length >= 0 && length < n {
		n = length
	}
	if n == 0 {
		return ""
	}
	_ = conn.SetReadDeadline(deadline)
	buf := make([]byte, n)
	k, _ := io.ReadFull(br, buf)
	_ = conn.SetReadDeadline(time.Time{})
	return strings.ToValidUTF8(string(buf[:k]), "?")
}

// parseStatusLine reads the code of "HTTP/1.1 403 Forbidden".
func parseStatusLine(line string) (int, bool) {
	proto, rest, ok := strings.Cut(line, " ")
	if !ok || !strings.HasPrefix(proto, "HTTP/") {
		return 0, false
	}
	codeStr, _, _ := strings.Cut(rest, " ")
	code, err := strconv.Atoi(codeStr)
	if err != nil || code < 100 || code > 999 {
		return 0, false
	}
	return code, true
}

// headFailure classifies the error that ended the reading of a proxy's head.
func headFailure(ctx context.Context, err error) ProxyOutcome {
	var cut *CutError
	switch {
	case ctx.Err() != nil:
		return ProxyCanceled
	case errors.Is(err, ErrHeadTooLarge):
		return ProxyTooLarge
	case errors.As(err, &cut):
		return ProxyCut
	}
	return proxyFailure(ctx, err)
}

// proxyFailure classifies a connection that ended before an answer.
func proxyFailure(ctx context.Context, err error) ProxyOutcome {
	switch {
	case ctx.Err() != nil:
		return ProxyCanceled
	case errors.Is(err, os.ErrDeadlineExceeded):
		return ProxyNoAnswer
	case errors.Is(err, syscall.ECONNRESET):
		return ProxyReset
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.EPIPE):
		return ProxyClosed
	}
	return ProxyFailed
}

// bufferedConn is a connection whose first bytes come from a reader that already buffered them.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) {
	if c.r.Buffered() > 0 {
		return c.r.Read(p)
	}
	return c.Conn.Read(p)
}

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
