package main

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hopscope/hopscope/diagnose/probe"
)

// connectRecorder is a forward proxy on loopback that writes down the request line and Host of
// every CONNECT it is sent, and refuses each with 403.
type connectRecorder struct {
	addr string
	mu   sync.Mutex
	got  []string
}

func newConnectRecorder(t *testing.T) *connectRecorder {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &connectRecorder{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				br := bufio.NewReader(c)
				var head []string
				for {
					l, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if l = strings.TrimRight(l, "\r\n"); l == "" {
						break
					}
					head = append(head, l)
				}
				p.mu.Lock()
				p.got = append(p.got, strings.Join(head, "|"))
				p.mu.Unlock()
				_, _ = io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
			}()
		}
	}()
	return p
}

func (p *connectRecorder) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.got...)
}

// checkThrough fills the checks form with a target, a proxy and (when given) the CONNECT's
// Host header, and runs every check.
func checkThrough(t *testing.T, s *screen, target, proxy, connectHost string) {
	t.Helper()
	toChecks(t, s)
	s.send(t, target, "\r", "j", "\r", proxy, "\r")
	if connectHost != "" {
		s.send(t, "j", "j", "\r", connectHost, "\r")
	}
	s.send(t, "r")
}

// TestServeTunnelTargetNames: over serve, a CONNECT target name the list does not name is
// refused, though it resolves here into an allowed network (the proxy would resolve it again
// on its own); a name the list names is sent to the proxy as typed.
func TestServeTunnelTargetNames(t *testing.T) {
	proxy := newConnectRecorder(t)
	member, pub := newKey(t)
	// localhost resolves here to loopback, all of which is allowed.
	h := startServe(t, serveOptions{allowTargets: "127.0.0.0/8,::1"}, pub)
	s := openScreen(t, h.addr, member, 160, 40)
	checkThrough(t, s, "http://localhost:9/", "http://"+proxy.addr, "")
	s.waitFor(t, 10*time.Second, "refused: localhost:9", "not allowed here")
	h.waitLog(t, 5*time.Second, `msg=check`, `target="CONNECT localhost:9"`, "allowed=false")
	if got := proxy.requests(); len(got) != 0 {
		t.Errorf("the proxy was sent %q", got)
	}
	s.client.Close()

	named := startServe(t, serveOptions{allowTargets: proxy.addr + ",localhost:9"}, pub)
	s = openScreen(t, named.addr, member, 160, 40)
	checkThrough(t, s, "http://localhost:9/", "http://"+proxy.addr, "")
	named.waitLog(t, 5*time.Second, `msg=check`, `target="CONNECT localhost:9"`, "allowed=true")
	s.waitFor(t, 10*time.Second, "Checks of http://localhost:9/")
	deadline := time.Now().Add(5 * time.Second)
	for len(proxy.requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := proxy.requests()
	if len(got) == 0 {
		t.Fatal("the allowed CONNECT never reached the proxy")
	}
	for _, r := range got {
		if !strings.HasPrefix(r, "CONNECT localhost:9 HTTP/1.1|") {
			t.Errorf("the proxy was sent %q, want the name as typed", r)
		}
	}
}

// TestServeConnectHostRefused: the CONNECT Host typed in the form is asked of the allow-list; a
// Host outside it is refused in the pane and the log, and the proxy is sent nothing.
func TestServeConnectHostRefused(t *testing.T) {
	proxy := newConnectRecorder(t)
	member, pub := newKey(t)
	h := startServe(t, serveOptions{allowTargets: "127.0.0.0/8"}, pub)
	s := openScreen(t, h.addr, member, 160, 40)
	checkThrough(t, s, "http://127.0.0.1:9/", "http://"+proxy.addr, "db.internal:5432")
	s.waitFor(t, 10*time.Second, "refused: the CONNECT's Host", "db.internal:5432", "not allowed here")
	h.waitLog(t, 5*time.Second, `msg=check`, `target="CONNECT db.internal:5432"`, "allowed=false")
	if got := proxy.requests(); len(got) != 0 {
		t.Errorf("the proxy was sent %q", got)
	}
}

// TestServeChecksEndWithSession: a check waiting on a backend that never answers ends with its
// session: its connection is closed at once, and nothing is logged for the session after its
// last line.
func TestServeChecksEndWithSession(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	member, pub := newKey(t)
	h := startServe(t, serveOptions{allowTargets: ln.Addr().String()}, pub)
	s := openScreen(t, h.addr, member, 160, 40)
	toChecks(t, s)
	s.send(t, "http://"+ln.Addr().String()+"/", "\r", "r")
	var c net.Conn
	select {
	case c = <-accepted:
		defer c.Close()
	case <-time.After(10 * time.Second):
		t.Fatalf("the check never connected; screen:\n%s", s.text())
	}
	s.waitFor(t, 5*time.Second, "Live checks · running")
	s.client.Close()
	end := h.waitLog(t, 5*time.Second, `msg="session end"`, "reason=client-closed")
	// The request the check sent is read first; then the connection must end.
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.Copy(io.Discard, c); isTimeout(err) {
		t.Error("the check still held its connection 3s after its session ended")
	}
	time.Sleep(300 * time.Millisecond)
	log := h.log.String()
	if after := log[strings.Index(log, end)+len(end):]; strings.TrimSpace(after) != "" {
		t.Errorf("the log went on after the session's last line:\n%s", after)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestSessionGuardAfterEnd: once a session's last line is written, its guard refuses and logs
// nothing; before, it logs each decision and keeps it for that line.
func TestSessionGuardAfterEnd(t *testing.T) {
	var buf syncBuffer
	list, err := probe.ParseAllowList("127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	ss := &servedSession{id: 7, key: "SHA256:k"}
	g := &sessionGuard{list: list, s: &sshServer{log: slog.New(slog.NewTextHandler(&buf, nil))}, ss: ss}
	ap := netip.MustParseAddrPort("127.0.0.1:80")
	if err := g.AllowDial("127.0.0.1", ap); err != nil {
		t.Fatal(err)
	}
	if err := g.AllowLookup("backend.internal", 80); err != nil {
		t.Fatalf("a name that may resolve into the list: %v", err)
	}
	if !strings.Contains(buf.String(), "target=127.0.0.1:80 allowed=true") || len(ss.checked) != 1 {
		t.Fatalf("log %q, checked %q", buf.String(), ss.checked)
	}
	ss.mu.Lock()
	ss.closed = true
	ss.mu.Unlock()
	before := buf.String()
	for _, err := range []error{g.AllowDial("127.0.0.1", ap), g.AllowTunnel("127.0.0.1", 80), g.AllowLookup("backend.internal", 80)} {
		if !errors.Is(err, probe.ErrNotAllowed) {
			t.Errorf("after the end: %v", err)
		}
	}
	if buf.String() != before {
		t.Errorf("logged after the end: %q", strings.TrimPrefix(buf.String(), before))
	}
}
