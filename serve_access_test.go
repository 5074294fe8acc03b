package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/hopscope/hopscope/knowledge"
)

// toChecks brings the live checks pane into a home-screen slot and starts editing its target.
func toChecks(t *testing.T, s *screen) {
	t.Helper()
	s.waitFor(t, 10*time.Second, "Recorded incidents")
	s.send(t, "s")
	s.waitFor(t, 5*time.Second, "Live checks", "run all checks")
	s.send(t, "\r")
}

// TestServeAllowTargets: over serve, a check of a target outside --allow-targets sends nothing
// to it and the pane says it was refused; a target inside runs; the log names both.
func TestServeAllowTargets(t *testing.T) {
	var hits atomic.Int32
	allowed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprintln(w, "ok")
	}))
	defer allowed.Close()
	outside, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer outside.Close()
	var reached atomic.Int32
	go func() {
		for {
			c, err := outside.Accept()
			if err != nil {
				return
			}
			reached.Add(1)
			c.Close()
		}
	}()
	allowedAddr := strings.TrimPrefix(allowed.URL, "http://")
	outsideAddr := outside.Addr().String()

	member, pub := newKey(t)
	h := startServe(t, serveOptions{allowTargets: allowedAddr}, pub)

	s := openScreen(t, h.addr, member, 160, 40)
	toChecks(t, s)
	s.send(t, "http://"+outsideAddr+"/", "\r", "r")
	s.waitFor(t, 10*time.Second, "refused: "+outsideAddr, "not allowed here")
	h.waitLog(t, 5*time.Second, `msg=check`, "target="+outsideAddr, "allowed=false", "not among the targets")
	// The checks' results are the session's work: quitting asks first.
	s.send(t, "q")
	s.waitFor(t, 5*time.Second, "Quit and lose")
	s.send(t, "y")
	s.waitEnd(t, 10*time.Second)
	h.waitLog(t, 5*time.Second, `msg="session end"`, "checked="+outsideAddr+"(refused)")
	if n := reached.Load(); n != 0 {
		t.Errorf("the target outside the list got %d connections", n)
	}

	s = openScreen(t, h.addr, member, 160, 40)
	toChecks(t, s)
	s.send(t, "http://"+allowedAddr+"/", "\r", "r")
	deadline := time.Now().Add(10 * time.Second)
	for hits.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the allowed target was never asked; screen:\n%s", s.text())
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.waitFor(t, 10*time.Second, "Checks of http://"+allowedAddr)
	for _, l := range strings.Split(s.text(), "\n") {
		if strings.Contains(l, "refused: 127.0.0.1") || strings.Contains(l, "not allowed here") {
			t.Errorf("an allowed target was shown refused: %s", l)
		}
	}
	h.waitLog(t, 5*time.Second, `msg=check`, "target="+allowedAddr, "allowed=true")

	// With no --allow-targets, nothing may be checked.
	h2 := startServe(t, serveOptions{}, pub)
	s = openScreen(t, h2.addr, member, 160, 40)
	toChecks(t, s)
	s.send(t, "http://"+allowedAddr+"/", "\r", "r")
	s.waitFor(t, 10*time.Second, "refused: "+allowedAddr)
	h2.waitLog(t, 5*time.Second, `msg=check`, "allowed=false", "no target is allowed here")
	if n := hits.Load(); n != 1 {
		t.Errorf("the backend was asked %d times, want once (by the allowed run only)", n)
	}
}

// TestServeNoFileThroughInputs: a path to a file of the server typed into any text box (the
// paste box, every field of the checks form) never shows the file's content.
func TestServeNoFileThroughInputs(t *testing.T) {
	const secret = "PLANTED-SECRET-7c1e"
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	member, pub := newKey(t)
	h := startServe(t, serveOptions{allowTargets: "127.0.0.1/32"}, pub)

	// The paste box: focus moves there with tab; its text is read as text, never as a path.
	s := openScreen(t, h.addr, member, 120, 40)
	s.waitFor(t, 10*time.Second, "Recorded incidents")
	s.send(t, "\t", "\t")
	s.send(t, path, "\x13") // ctrl+s recognises it
	s.waitFor(t, 10*time.Second, "no known error")
	s.send(t, "\x1b", "\t", "\t", "file://"+path, "\x13")
	time.Sleep(300 * time.Millisecond)
	if strings.Contains(s.text(), secret) {
		t.Fatal("the paste box showed a file's content")
	}
	s.sess.Close()

	// Every field of the checks form, then a run: each answer shows the typed text reached the
	// field (the form's own complaint, or the run), and none shows the file.
	answers := []string{"has no host", "has no host", "Checks of http://127.0.0.1:1/", "want HOST:PORT", "unknown TLS version", "unknown TLS version"}
	for field, answer := range answers {
		s := openScreen(t, h.addr, member, 120, 40)
		s.waitFor(t, 10*time.Second, "Recorded incidents")
		s.send(t, "s")
		s.waitFor(t, 5*time.Second, "Live checks")
		if field != 0 {
			s.send(t, "\r", "http://127.0.0.1:1/", "\r")
			for range field {
				s.send(t, "j")
			}
		}
		s.send(t, "\r", "file://"+path, "\r", "r")
		s.waitFor(t, 10*time.Second, answer)
		time.Sleep(200 * time.Millisecond)
		if strings.Contains(s.text(), secret) {
			t.Fatalf("field %d of the checks form showed a file's content", field)
		}
		s.sess.Close()
	}
}

// TestServeAuthorizedKeysOptions: from=, expiry-time=, no-pty and restrict are honoured;
// command=, cert-authority and unknown options refuse their key; a line that is not a key is
// skipped with a warning and the keys after it still log in; every refusal is logged.
func TestServeAuthorizedKeysOptions(t *testing.T) {
	type entry struct {
		opts   string
		login  bool
		screen bool // the screen opens in a terminal
		reason string
	}
	entries := []entry{
		{`from="10.0.0.0/8"`, false, false, "is not in from="},
		{`from="192.0.2.1,127.0.0.*"`, true, true, ""},
		{`from="!127.0.0.1,*"`, false, false, "is not in from="},
		{`command="/bin/sh"`, false, false, "command= limits the key"},
		{`restrict`, true, false, ""},
		{`no-pty`, true, false, ""},
		{`restrict,pty`, true, true, ""},
		{`expiry-time="20200101"`, false, false, "the key expired"},
		{`expiry-time="29991231Z"`, true, true, ""},
		{`cert-authority`, false, false, "cert-authority"},
		{`tunnel="0",no-bogus-option`, false, false, `no-bogus-option`},
		{``, true, true, ""},
	}
	dir := t.TempDir()
	var file strings.Builder
	file.WriteString("ssh-ed25519 this-is-not-base64 broken line\n")
	signers := make([]gossh.Signer, len(entries))
	for i, e := range entries {
		var pub gossh.PublicKey
		signers[i], pub = newKey(t)
		if e.opts != "" {
			file.WriteString(e.opts + " ")
		}
		file.Write(gossh.MarshalAuthorizedKey(pub))
	}
	keys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keys, []byte(file.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	h := startServe(t, serveOptions{authorizedKeys: keys})
	h.waitLog(t, time.Second, "level=WARN", "line 1: not a public key")

	for i, e := range entries {
		line := strconv.Itoa(i + 2)
		c, err := dial(h.addr, signers[i])
		if (err == nil) != e.login {
			t.Errorf("%s: logged in %v, want %v (%v)", e.opts, err == nil, e.login, err)
		}
		if !e.login {
			if err == nil {
				c.Close()
			}
			h.waitLog(t, time.Second, `msg="key refused"`, "line="+line, e.reason)
			continue
		}
		if err != nil {
			continue
		}
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		var out syncBuffer
		sess.Stdout, sess.Stderr = &out, &out
		if _, err := sess.StdinPipe(); err != nil { // an open input, as a terminal has
			t.Fatal(err)
		}
		ptyErr := sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{})
		if (ptyErr == nil) != e.screen {
			t.Errorf("%s: terminal granted %v, want %v", e.opts, ptyErr == nil, e.screen)
		}
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		want := "Recorded incidents"
		if !e.screen {
			want = "this key may not open a terminal"
		}
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the session did not show %q: %q", e.opts, want, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !e.screen {
			h.waitLog(t, time.Second, `msg="request refused"`, "type=pty-req", "no-pty or restrict")
		}
		sess.Close()
		c.Close()
	}
}

// TestServeHostKeyMode: a host key file others can read is used with a warning in the log.
func TestServeHostKeyMode(t *testing.T) {
	_, pub := newKey(t)
	dir := t.TempDir()
	hostKey := filepath.Join(dir, "host_ed25519")
	h := startServe(t, serveOptions{hostKey: hostKey}, pub)
	if strings.Contains(h.log.String(), "host key readable") {
		t.Fatalf("a freshly made host key was reported readable: %s", h.log.String())
	}
	if err := os.Chmod(hostKey, 0o644); err != nil {
		t.Fatal(err)
	}
	h = startServe(t, serveOptions{hostKey: hostKey}, pub)
	h.waitLog(t, time.Second, "level=WARN", `msg="host key readable by group or others"`, "mode=0644", "chmod 600")
}

// TestServeListen: an IPv4 listen address takes IPv4 only (no silent dual-stack socket), and the
// printed ssh command names a host a client can reach, never a wildcard address.
func TestServeListen(t *testing.T) {
	member, pub := newKey(t)
	dir := t.TempDir()
	keys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keys, gossh.MarshalAuthorizedKey(pub), 0o600); err != nil {
		t.Fatal(err)
	}
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := newSSHServer(serveOptions{authorizedKeys: keys, hostKey: filepath.Join(dir, "host"), log: &syncBuffer{}}, kb)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := listen("0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveUntilDone(ctx, srv, ln) }()
	defer func() { cancel(); <-served }()
	port := ln.Addr().(*net.TCPAddr).Port
	if c, err := dial(net.JoinHostPort("::1", strconv.Itoa(port)), member); err == nil {
		c.Close()
		t.Errorf("--listen 0.0.0.0 let an SSH client in over IPv6")
	}
	if c, err := dial(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), member); err != nil {
		t.Errorf("--listen 0.0.0.0 refused an SSH client over IPv4: %v", err)
	} else {
		c.Close()
	}
	cmd := sshCommand(ln.Addr())
	host, _ := os.Hostname()
	if strings.Contains(cmd, "0.0.0.0") || strings.HasSuffix(cmd, " ::") || !strings.HasPrefix(cmd, "ssh -p "+strconv.Itoa(port)+" -t ") ||
		(host != "" && !strings.HasSuffix(cmd, " "+host)) {
		t.Errorf("printed %q", cmd)
	}
	if d := describeListener(ln.Addr()); !strings.HasSuffix(d, "IPv4") {
		t.Errorf("described as %q", d)
	}
	if ln6, err := listen("[::1]:0"); err == nil {
		if cmd := sshCommand(ln6.Addr()); !strings.HasSuffix(cmd, " -t ::1") {
			t.Errorf("IPv6 loopback printed %q", cmd)
		}
		ln6.Close()
	}
	if ln, err := listen(":0"); err == nil {
		if cmd := sshCommand(ln.Addr()); strings.HasSuffix(cmd, " ::") || strings.Contains(cmd, "[::]") {
			t.Errorf("dual-stack printed %q", cmd)
		}
		ln.Close()
	}
	if _, err := listen("no-port"); err == nil || !strings.Contains(err.Error(), "HOST:PORT") {
		t.Errorf("a bad --listen: %v", err)
	}
}
