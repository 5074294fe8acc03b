package main

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// TestServeSessionCaps: sessions beyond the total, per-key and per-connection caps are refused
// with a message naming the cap, the log says which cap, and a closed session frees its slot.
func TestServeSessionCaps(t *testing.T) {
	alice, alicePub := newKey(t)
	bob, bobPub := newKey(t)
	h := startServe(t, serveOptions{maxSessions: 4, maxPerKey: 3, maxPerConn: 2}, alicePub, bobPub)

	a1, err := dial(h.addr, alice)
	if err != nil {
		t.Fatal(err)
	}
	defer a1.Close()
	s1, err := a1.NewSession()
	if err != nil {
		t.Fatalf("first session: %v", err)
	}
	if _, err := a1.NewSession(); err != nil {
		t.Fatalf("second session: %v", err)
	}
	// A third session on one connection.
	if _, err := a1.NewSession(); err == nil || !strings.Contains(err.Error(), "this connection has 2 sessions open") {
		t.Fatalf("a third session on one connection: %v", err)
	}
	h.waitLog(t, time.Second, `msg="session refused"`, `reason="2 sessions open on this connection`)

	// On a second connection Alice gets her third session, not a fourth.
	a2, err := dial(h.addr, alice)
	if err != nil {
		t.Fatal(err)
	}
	defer a2.Close()
	if _, err := a2.NewSession(); err != nil {
		t.Fatalf("a third session with one key on another connection: %v", err)
	}
	if _, err := a2.NewSession(); err == nil || !strings.Contains(err.Error(), "this key has 3 sessions open") {
		t.Fatalf("a fourth session with one key: %v", err)
	}
	h.waitLog(t, time.Second, `msg="session refused"`, `--max-sessions-per-key 3`)

	// Bob takes the last slot; his second session finds the server full.
	b, err := dial(h.addr, bob)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.NewSession(); err != nil {
		t.Fatalf("bob's first session: %v", err)
	}
	if _, err := b.NewSession(); err == nil || !strings.Contains(err.Error(), "the server has 4 sessions open") {
		t.Fatalf("a session past the total: %v", err)
	}
	h.waitLog(t, time.Second, `msg="session refused"`, `--max-sessions 4`)

	// Closing one gives its slot back.
	s1.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := b.NewSession()
		if err == nil {
			s.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed session's slot was not given back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeIdleTimeout: a session without input ends at the idle timeout even though the client
// sends keep-alives all along, with a message and a log line; a session with input does not.
func TestServeIdleTimeout(t *testing.T) {
	member, pub := newKey(t)
	h := startServe(t, serveOptions{idleTimeout: 1500 * time.Millisecond}, pub)

	// A connection with no session at all, kept alive by keep-alives alone.
	bare, err := dial(h.addr, member)
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	bareClosed := make(chan error, 1)
	go func() { bareClosed <- bare.Wait() }()
	quiet := openScreen(t, h.addr, member, 80, 24)
	busy := openScreen(t, h.addr, member, 80, 24)
	quiet.waitFor(t, 10*time.Second, "Recorded incidents")
	busy.waitFor(t, 10*time.Second, "Recorded incidents")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
				_, _, _ = quiet.client.SendRequest("keepalive@openssh.com", true, nil)
				_, _, _ = bare.SendRequest("keepalive@openssh.com", true, nil)
				_, _ = busy.in.Write([]byte("j"))
			}
		}
	}()
	quiet.waitEnd(t, 8*time.Second)
	quiet.waitFor(t, time.Second, "session closed after 1.5s without input")
	h.waitLog(t, time.Second, `msg="session end"`, "reason=idle-timeout", "duration=")
	select {
	case err := <-busy.ended:
		t.Fatalf("a session with input ended at the idle timeout: %v", err)
	default:
	}
	select {
	case <-bareClosed:
	case <-time.After(5 * time.Second):
		t.Fatal("a connection without a session outlived the idle timeout")
	}
	h.waitLog(t, time.Second, `msg="connection closed"`, "no session open for 1.5s")
}

// TestServeConnectionCap: TCP connections past the cap (logins in progress included) are closed
// at once, and the log says so; a freed place takes a login again.
func TestServeConnectionCap(t *testing.T) {
	member, pub := newKey(t)
	h := startServe(t, serveOptions{maxSessions: 1}, pub) // 16 connections at most
	var held []net.Conn
	for range 16 {
		c := rawConn(t, h.addr)
		buf := make([]byte, 4)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "SSH-" {
			t.Fatalf("connection %d within the cap was not greeted: %q %v", len(held), buf, err)
		}
		held = append(held, c)
	}
	over := rawConn(t, h.addr)
	_ = over.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := over.Read(make([]byte, 4)); err == nil || n > 0 {
		t.Fatalf("a connection past the cap was served (%d bytes, %v)", n, err)
	}
	h.waitLog(t, time.Second, `msg="connection refused"`, "16 connections open")
	held[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := dial(h.addr, member)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a freed place did not take a login: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeMaxSession: a session ends at its maximum length however busy, and says so.
func TestServeMaxSession(t *testing.T) {
	member, pub := newKey(t)
	h := startServe(t, serveOptions{maxSession: 2 * time.Second}, pub)
	s := openScreen(t, h.addr, member, 80, 24)
	s.waitFor(t, 10*time.Second, "Recorded incidents")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(150 * time.Millisecond):
				_, _ = s.in.Write([]byte("j"))
				_, _, _ = s.client.SendRequest("keepalive@openssh.com", true, nil)
			}
		}
	}()
	s.waitEnd(t, 8*time.Second)
	s.waitFor(t, time.Second, "maximum length of 2s")
	h.waitLog(t, time.Second, `msg="session end"`, "reason=max-session")
}

// TestServeHandshakeDeadline: TCP connections that never start the SSH handshake are closed at
// the handshake deadline, and the log says why.
func TestServeHandshakeDeadline(t *testing.T) {
	_, pub := newKey(t)
	h := startServe(t, serveOptions{handshakeTimeout: 500 * time.Millisecond}, pub)
	var conns []func() error
	for range 20 {
		c := rawConn(t, h.addr)
		conns = append(conns, func() error {
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 256)
			for {
				if _, err := c.Read(buf); err != nil {
					return err
				}
			}
		})
	}
	start := time.Now()
	for i, read := range conns {
		err := read()
		if err == nil || strings.Contains(err.Error(), "i/o timeout") {
			t.Fatalf("connection %d still open after %s: %v", i, time.Since(start), err)
		}
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("the silent connections were closed after %s, the deadline is 500ms", took)
	}
	h.waitLog(t, time.Second, `msg="connection failed"`, "no SSH handshake and login within 500ms")
}

// TestServeRefusesForwarding: local and remote port forwarding, agent forwarding, X11, exec and
// subsystems are refused, and each refusal is in the log.
func TestServeRefusesForwarding(t *testing.T) {
	member, pub := newKey(t)
	h := startServe(t, serveOptions{}, pub)
	c, err := dial(h.addr, member)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if conn, err := c.Dial("tcp", "127.0.0.1:22"); err == nil {
		conn.Close()
		t.Error("a local port forward (direct-tcpip) was opened")
	}
	h.waitLog(t, time.Second, `msg="channel refused"`, "type=direct-tcpip")
	if ln, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
		t.Error("a remote port forward (tcpip-forward) was granted")
	}
	h.waitLog(t, time.Second, `msg="request refused"`, "type=tcpip-forward")

	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := sess.SendRequest("auth-agent-req@openssh.com", true, nil); ok {
		t.Error("agent forwarding was granted")
	}
	h.waitLog(t, time.Second, `msg="request refused"`, "type=auth-agent-req@openssh.com")
	if ok, _ := sess.SendRequest("x11-req", true, gossh.Marshal(struct {
		Single        bool
		Proto, Cookie string
		Screen        uint32
	}{false, "MIT-MAGIC-COOKIE-1", "00", 0})); ok {
		t.Error("X11 forwarding was granted")
	}
	h.waitLog(t, time.Second, `msg="request refused"`, "type=x11-req")
	if out, err := sess.CombinedOutput("cat /etc/passwd Authorization: Bearer abc.def.ghi"); err == nil || strings.Contains(string(out), "root:") {
		t.Errorf("exec ran: %v %q", err, out)
	}
	line := h.waitLog(t, time.Second, `msg="request refused"`, "type=exec", "cat /etc/passwd")
	if strings.Contains(line, "abc.def.ghi") {
		t.Errorf("the logged command shows a token: %s", line)
	}
	sub, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.RequestSubsystem("sftp"); err == nil {
		t.Error("the sftp subsystem was granted")
	}
	h.waitLog(t, time.Second, `msg="request refused"`, "type=subsystem", "subsystem=sftp")
}

// TestServeClampsWindow: a terminal of 4000x4000, and a resize to 10000x10000, are drawn at most
// 400x150, and the log says so.
func TestServeClampsWindow(t *testing.T) {
	member, pub := newKey(t)
	h := startServe(t, serveOptions{}, pub)
	s := openScreen(t, h.addr, member, 4000, 4000)
	h.waitLog(t, 5*time.Second, `msg="window clamped"`, "asked=4000x4000", "kept=400x150")
	h.waitLog(t, 5*time.Second, `msg="session start"`, "window=400x150")
	s.waitFor(t, 10*time.Second, "Recorded incidents")
	if err := s.sess.WindowChange(10000, 10000); err != nil {
		t.Fatal(err)
	}
	h.waitLog(t, 5*time.Second, `msg="window clamped"`, "asked=10000x10000", "kept=400x150")
	if err := s.sess.WindowChange(30, 100); err != nil {
		t.Fatal(err)
	}
	s.send(t, "q")
	s.waitEnd(t, 10*time.Second)
	if strings.Contains(h.log.String(), "asked=100x30") {
		t.Error("a size within the bounds was clamped")
	}
}

// TestServeClientLeaves: a client that drops its connection ends its session at once (its
// screen stops drawing), and the slot is free again.
func TestServeClientLeaves(t *testing.T) {
	member, pub := newKey(t)
	h := startServe(t, serveOptions{maxSessions: 1}, pub)
	s := openScreen(t, h.addr, member, 200, 60)
	s.waitFor(t, 10*time.Second, "Recorded incidents")
	start := time.Now()
	s.client.Close()
	h.waitLog(t, 5*time.Second, `msg="session end"`, "reason=client-closed")
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the session ended %s after its client left", took)
	}
	again := openScreen(t, h.addr, member, 80, 24)
	again.waitFor(t, 10*time.Second, "Recorded incidents")
}
