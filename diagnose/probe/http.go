package probe

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// HTTPOutcome says how an HTTP request ended.
type HTTPOutcome string

// The ways a request ends.
const (
	HTTPAnswered HTTPOutcome = "answered"  // a status line and headers came back
	HTTPNoAnswer HTTPOutcome = "no-answer" // nothing came back before the deadline
	HTTPClosed   HTTPOutcome = "closed"    // the server closed the connection without an answer
	HTTPReset    HTTPOutcome = "reset"     // the server reset the connection without an answer
	HTTPCanceled HTTPOutcome = "canceled"  // the caller gave up
	HTTPCut      HTTPOutcome = "cut"       // an answer began but stopped before its headers ended
	HTTPTooLarge HTTPOutcome = "too-large" // the status line and headers ran past the probe's bound
	HTTPFailed   HTTPOutcome = "error"     // anything else (see Err)
)

// Fault is an API gateway's fault body: {"fault":{"faultstring":…,"detail":{"errorcode":…}}}.
type Fault struct {
	// String is the fault string, such as "Proxy refused to create tunnel with response status 403".
	String string `json:"faultstring"`
	// Code is the error code, such as "protocol.http.ProxyTunnelCreationFailed".
	Code string `json:"errorcode"`
}

// HTTPResult is the outcome of one HTTP request.
type HTTPResult struct {
	// Request is the request line and headers sent, redacted.
	Request string `json:"request"`
	// Outcome says how it ended.
	Outcome HTTPOutcome `json:"outcome"`
	// StatusLine and Status are the response's status line and code.
	StatusLine string `json:"status_line,omitempty"`
	Status     int    `json:"status,omitempty"`
	// Headers are the response headers, "Name: value", redacted.
	Headers []string `json:"headers,omitempty"`
	// FaultCode and FaultSource are the gateway's X-Apigee-fault-code and X-Apigee-fault-source.
	FaultCode   string `json:"fault_code,omitempty"`
	FaultSource string `json:"fault_source,omitempty"`
	// Fault is the gateway fault found in the body, when the body is one.
	Fault *Fault `json:"fault,omitempty"`
	// Closes says the server will close the connection after this answer (Connection: close,
	// or an HTTP/1.0 answer without keep-alive).
	Closes bool `json:"closes,omitempty"`
	// BodyStart is the first part of the body.
	BodyStart string `json:"body_start,omitempty"`
	// FirstByte is the time from starting to write the request to the first byte of the answer.
	FirstByte time.Duration `json:"first_byte_ns"`
	// Err is the error, when there was no answer.
	Err string `json:"error,omitempty"`
}

// firstByteConn notes when the first byte arrives.
type firstByteConn struct {
	net.Conn
	at  time.Time
	now func() time.Time
	h   *Hooks
}

func (c *firstByteConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.at.IsZero() {
		c.at = c.now()
		c.h.gotFirstByte()
	}
	return n, err
}

// newRequest builds the request the probe sends: what a gateway sends, minus any payload.
func newRequest(o *Options, method string, body io.Reader, size int64) *http.Request {
	u := *o.Target
	if o.Path != "" {
		u.Path, u.RawQuery = o.Path, ""
	}
	if method == "" {
		method = http.MethodGet
	}
	req, _ := http.NewRequest(method, u.String(), body)
	req.ContentLength = size
	req.Header.Set("User-Agent", "hopscope")
	req.Header.Set("Accept", "*/*")
	return req
}

// RoundTrip sends req on conn (plain or TLS, direct or tunnelled) and reads the answer's head
// and the start of its body within timeout. br, when not nil, is the reader to use for conn
// (so a kept-alive connection can carry the next request).
func RoundTrip(ctx context.Context, conn net.Conn, br *bufio.Reader, req *http.Request, o *Options, h *Hooks) (*HTTPResult, *bufio.Reader) {
	res := &HTTPResult{Request: diagnose.Redact(requestHead(req))}
	fb := &firstByteConn{Conn: conn, now: o.now, h: h}
	hc := newHeadCap(fb)
	if br == nil {
		br = bufio.NewReader(hc)
	} else {
		br.Reset(hc)
	}
	timeout := orDefault(o.HTTPTimeout, DefaultHTTPTimeout)
	_ = conn.SetDeadline(o.now().Add(timeout))
	defer conn.SetDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	// Counted from the first byte of the request written, as curl's time_starttransfer is.
	sent := o.now()
	if err := req.Write(conn); err != nil {
		res.Outcome, res.Err = httpFailure(ctx, err), err.Error()
		return res, nil
	}
	resp, err := http.ReadResponse(br, req)
	if !fb.at.IsZero() {
		res.FirstByte = fb.at.Sub(sent)
	}
	if err != nil {
		err = headError(err, hc.got, hc.left <= 0)
		res.Outcome, res.Err = httpFailure(ctx, err), err.Error()
		return res, nil
	}
	hc.lift()
	defer resp.Body.Close()
	res.Outcome, res.Status, res.Closes = HTTPAnswered, resp.StatusCode, resp.Close
	res.StatusLine = resp.Proto + " " + resp.Status
	for _, k := range sortedKeys(resp.Header) {
		for _, v := range resp.Header[k] {
			res.Headers = append(res.Headers, diagnose.Redact(k+": "+v))
		}
	}
	res.FaultCode = resp.Header.Get("X-Apigee-fault-code")
	res.FaultSource = resp.Header.Get("X-Apigee-fault-source")
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyRead))
	res.BodyStart = diagnose.Redact(clip(strings.ToValidUTF8(string(body), "?"), bodyShown))
	res.Fault = parseFault(body)
	// Drain what is left of a small body so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBodyRead))
	return res, br
}

// requestHead writes the request line and headers as sent.
func requestHead(req *http.Request) string {
	var b strings.Builder
	b.WriteString(req.Method + " " + req.URL.RequestURI() + " HTTP/1.1\r\nHost: " + req.Host + "\r\n")
	for _, k := range sortedKeys(req.Header) {
		for _, v := range req.Header[k] {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	if req.ContentLength > 0 {
		b.WriteString("Content-Length: " + strconv.FormatInt(req.ContentLength, 10) + "\r\n")
	}
	return b.String()
}

// parseFault reads a gateway fault body; nil when the body is not one.
func parseFault(body []byte) *Fault {
	var f struct {
		Fault struct {
			String string `json:"faultstring"`
			Detail struct {
				Code string `json:"errorcode"`
			} `json:"detail"`
		} `json:"fault"`
	}
	if json.Unmarshal(body, &f) != nil || (f.Fault.String == "" && f.Fault.Detail.Code == "") {
		return nil
	}
	return &Fault{String: f.Fault.String, Code: f.Fault.Detail.Code}
}

// tunnelStatusRE finds the proxy's status quoted in a gateway's fault string.
var tunnelStatusRE = regexp.MustCompile(`response status (\d{3})\b`)

// TunnelStatus returns the proxy status quoted in the fault string, or 0.
func (f *Fault) TunnelStatus() int {
	m := tunnelStatusRE.FindStringSubmatch(f.String)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func httpFailure(ctx context.Context, err error) HTTPOutcome {
	switch headFailure(ctx, err) {
	case ProxyCut:
		return HTTPCut
	case ProxyTooLarge:
		return HTTPTooLarge
	case ProxyCanceled:
		return HTTPCanceled
	case ProxyNoAnswer:
		return HTTPNoAnswer
	case ProxyReset:
		return HTTPReset
	case ProxyClosed:
		return HTTPClosed
	}
	return HTTPFailed
}

func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
