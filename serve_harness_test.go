package main

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/hopscope/hopscope/knowledge"
)

// servedForTest is a `hopscope serve` on a loopback port with its connection log in memory.
type servedForTest struct {
	addr string
	log  *syncBuffer
	dir  string
}

// startServe starts serve with o on 127.0.0.1; authorized_keys holds keys unless o names a file.
func startServe(t testing.TB, o serveOptions, keys ...gossh.PublicKey) *servedForTest {
	t.Helper()
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	h := &servedForTest{log: &syncBuffer{}, dir: t.TempDir()}
	if o.authorizedKeys == "" {
		var b []byte
		for _, k := range keys {
			b = append(b, gossh.MarshalAuthorizedKey(k)...)
		}
		o.authorizedKeys = filepath.Join(h.dir, "authorized_keys")
		if err := os.WriteFile(o.authorizedKeys, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if o.hostKey == "" {
		o.hostKey = filepath.Join(h.dir, "host_ed25519")
	}
	o.log = h.log
	srv, err := newSSHServer(o, kb)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveUntilDone(ctx, srv, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-served:
		case <-time.After(15 * time.Second):
			t.Error("the server did not stop")
		}
	})
	h.addr = ln.Addr().String()
	return h
}

// waitLog waits for a line of the connection log holding every part, and returns it.
func (h *servedForTest) waitLog(t testing.TB, within time.Duration, parts ...string) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, l := range strings.Split(h.log.String(), "\n") {
			if containsAll(l, parts...) {
				return l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q after %s; the log:\n%s", parts, within, h.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// screen is one SSH session with a terminal running the interactive screen.
type screen struct {
	client *gossh.Client
	sess   *gossh.Session
	out    *syncBuffer
	in     io.WriteCloser
	ended  chan error
	// cols and rows are the terminal's size; wider flips it by a column to have it redrawn.
	cols, rows int
	wider      bool
}

// openScreen logs in with key and opens a session with a cols x rows terminal and a shell.
func openScreen(t testing.TB, addr string, key gossh.Signer, cols, rows int) *screen {
	t.Helper()
	client, err := dial(addr, key)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	return openScreenOn(t, client, cols, rows)
}

func openScreenOn(t testing.TB, client *gossh.Client, cols, rows int) *screen {
	t.Helper()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatalf("session: %v", err)
	}
	t.Cleanup(func() { sess.Close() })
	if err := sess.RequestPty("xterm-256color", rows, cols, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	s := &screen{client: client, sess: sess, out: &syncBuffer{}, ended: make(chan error, 1), cols: cols, rows: rows}
	sess.Stdout = s.out
	sess.Stderr = s.out
	if s.in, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() { s.ended <- sess.Wait() }()
	return s
}

// text is everything the session showed, escape codes taken out.
func (s *screen) text() string { return ansi.Strip(s.out.String()) }

// waitFor waits until the session has shown every part. The screen is drawn by differences, so
// a line that replaced a similar one may have been written in pieces: every second without a
// match, a resize has the whole screen drawn again.
func (s *screen) waitFor(t testing.TB, within time.Duration, parts ...string) {
	t.Helper()
	deadline := time.Now().Add(within)
	repaint := time.Now().Add(time.Second)
	for !containsAll(s.text(), parts...) {
		if time.Now().After(repaint) {
			s.wider = !s.wider
			w := s.cols
			if s.wider {
				w++
			}
			_ = s.sess.WindowChange(s.rows, w)
			repaint = time.Now().Add(time.Second)
		}
		if time.Now().After(deadline) {
			tail := s.text()
			if len(tail) > 3000 {
				tail = tail[len(tail)-3000:]
			}
			t.Fatalf("the screen did not show %q within %s; its end:\n%s", parts, within, tail)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// send types keys, one write each, with a moment for the screen to take each.
func (s *screen) send(t testing.TB, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, err := s.in.Write([]byte(k)); err != nil {
			t.Fatalf("typing %q: %v", k, err)
		}
		time.Sleep(60 * time.Millisecond)
	}
}

// waitEnd waits for the session to end and says how long it took.
func (s *screen) waitEnd(t testing.TB, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	select {
	case <-s.ended:
		return time.Since(start)
	case <-time.After(within):
		t.Fatalf("the session did not end within %s", within)
	}
	return 0
}

// rawConn opens a TCP connection that never speaks SSH.
func rawConn(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
