package lab

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
)

// clientTimeout bounds one client attempt; the slowest failure here (squid's short
// connect_timeout, a ClientHello retransmitted with backoff) ends well inside it.
const clientTimeout = 8 * time.Second

// bodyShown is how much of a response body client.txt keeps (squid's error pages are ~3 kB).
const bodyShown = 600

// connectAttempt is one CONNECT through a forward proxy, as a gateway sends it.
type connectAttempt struct {
	Netns     string // namespace the client runs in ("" = host)
	Proxy     string // proxy host:port
	Authority string // CONNECT request-target, host:port
	Host      string // Host header; "" sends Authority
	User      string // proxy credentials; "" sends none
	Password  string
	Timeout   time.Duration // 0 = clientTimeout
}

// do sends the CONNECT and returns the transcript and the response status (0 if none came).
func (a connectAttempt) do(ctx context.Context) (string, int) {
	d := a.Timeout
	if d == 0 {
		d = clientTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var b strings.Builder
	start := time.Now()
	c, err := DialContext(ctx, a.Netns, "tcp", a.Proxy)
	if err != nil {
		fmt.Fprintf(&b, "* connect to proxy %s failed after %s: %v\n", a.Proxy, since(start), err)
		return b.String(), 0
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	fmt.Fprintf(&b, "* connected to proxy %s\n", a.Proxy)
	host := a.Host
	if host == "" {
		host = a.Authority
	}
	req := fmt.Sprintf("CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: hopscope-lab\r\n", a.Authority, host)
	if a.User != "" {
		cred := base64.StdEncoding.EncodeToString([]byte(a.User + ":" + a.Password))
		req += "Proxy-Authorization: Basic " + cred + "\r\n"
	}
	req += "\r\n"
	for _, line := range strings.Split(strings.TrimRight(req, "\r\n"), "\r\n") {
		b.WriteString("> " + line + "\n")
	}
	if _, err := io.WriteString(c, req); err != nil {
		fmt.Fprintf(&b, "* write failed: %v\n", err)
		return b.String(), 0
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: http.MethodConnect})
	if err != nil {
		fmt.Fprintf(&b, "* no response after %s: %v\n", since(start), err)
		return b.String(), 0
	}
	defer resp.Body.Close()
	fmt.Fprintf(&b, "< %s %s\n", resp.Proto, resp.Status)
	keys := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range resp.Header[k] {
			fmt.Fprintf(&b, "< %s: %s\n", k, v)
		}
	}
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, bodyShown))
		if len(body) > 0 {
			fmt.Fprintf(&b, "<\n%s\n", strings.TrimSpace(string(body)))
			if len(body) == bodyShown {
				b.WriteString("[…]\n")
			}
		}
	}
	fmt.Fprintf(&b, "* answered after %s\n", since(start))
	return b.String(), resp.StatusCode
}

// tlsAttempt is one TCP connect and TLS handshake to a backend, as a gateway makes it.
type tlsAttempt struct {
	Netns      string
	Addr       string // host:port
	ServerName string
	MaxVersion uint16        // 0 = Go's default
	Timeout    time.Duration // 0 = clientTimeout
}

// do returns the transcript and whether the handshake completed.
func (a tlsAttempt) do(ctx context.Context) (string, bool) {
	d := a.Timeout
	if d == 0 {
		d = clientTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var b strings.Builder
	start := time.Now()
	c, err := DialContext(ctx, a.Netns, "tcp", a.Addr)
	if err != nil {
		fmt.Fprintf(&b, "* TCP connect to %s failed after %s: %v\n", a.Addr, since(start), err)
		return b.String(), false
	}
	defer c.Close()
	fmt.Fprintf(&b, "* TCP connected to %s after %s\n", a.Addr, since(start))
	cfg := &tls.Config{
		ServerName:         a.ServerName,
		InsecureSkipVerify: true, //nolint:gosec // the lab's certificates are throwaway
		MaxVersion:         a.MaxVersion,
		// Classic key shares keep the ClientHello in one segment (~300 bytes, as most gateways
		// send it); Go's default post-quantum share makes it 1.5 kB, two segments.
		CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256},
	}
	tc := tls.Client(c, cfg)
	hs := time.Now()
	if err := tc.HandshakeContext(ctx); err != nil {
		fmt.Fprintf(&b, "* TLS handshake failed after %s: %v\n", since(hs), err)
		return b.String(), false
	}
	st := tc.ConnectionState()
	fmt.Fprintf(&b, "* TLS handshake done after %s: %s %s\n", since(hs), tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
	return b.String(), true
}

func since(t time.Time) string { return time.Since(t).Round(time.Millisecond).String() }

// transcript collects a bounded run of attempts: the first ones in full, then a count of the
// outcomes, so client.txt stays short however many attempts were made.
type transcript struct {
	b      strings.Builder
	n      int
	counts map[string]int
	order  []string
}

const transcriptFull = 2 // attempts written out in full

func (t *transcript) add(title, text, outcome string) {
	t.n++
	if t.n <= transcriptFull {
		fmt.Fprintf(&t.b, "## attempt %d: %s\n%s\n", t.n, title, text)
	}
	if t.counts == nil {
		t.counts = map[string]int{}
	}
	if t.counts[outcome] == 0 {
		t.order = append(t.order, outcome)
	}
	t.counts[outcome]++
}

func (t *transcript) String() string {
	var s strings.Builder
	s.WriteString(t.b.String())
	fmt.Fprintf(&s, "## %d attempts\n", t.n)
	for _, o := range t.order {
		fmt.Fprintf(&s, "%d × %s\n", t.counts[o], o)
	}
	return s.String()
}

// hostPort joins a host and port, bracketing IPv6 literals.
func hostPort(host string, port int) string { return net.JoinHostPort(host, fmt.Sprint(port)) }
