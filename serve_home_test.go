package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeEmbeddedIncident opens a bundled incident over SSH while the server's working
// directory holds decoy files named as the incident's recordings: its packets and logs panes show
// the recordings embedded in the binary, and nothing of the server's own files.
func TestServeEmbeddedIncident(t *testing.T) {
	n := -1
	for i, inc := range shownIncidents(t) {
		if inc.Name == "backend.down" {
			n = i
			break
		}
	}
	if n < 0 {
		t.Fatal("the backend.down recording is not bundled")
	}
	dir := t.TempDir()
	for _, decoy := range []string{"any.pcapng", "any-v6.pcapng", "lo.pcap", "apache-access.log", "apache-error.log"} {
		if err := os.WriteFile(filepath.Join(dir, decoy), []byte("DECOY-server-file\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	member, pub := newKey(t)
	h := startServe(t, serveOptions{}, pub)
	s := openScreen(t, h.addr, member, 120, 40)
	s.waitFor(t, 10*time.Second, "Recorded incidents")
	s.send(t, "\t")
	for range n {
		s.send(t, "\x1b[B")
	}
	s.send(t, "\r")
	s.waitFor(t, 10*time.Second, "Decision tree", "Suspected causes")
	s.send(t, "s", "s", "s")
	s.waitFor(t, 10*time.Second, "Packets ·", "conversations · all", "REJ")
	s.send(t, "s")
	s.waitFor(t, 10*time.Second, "Logs ·", "Failures per")
	for _, bad := range []string{"DECOY", "no such file"} {
		if strings.Contains(s.text(), bad) {
			t.Errorf("the session showed %q", bad)
		}
	}
	s.sess.Close()
}

// TestServeReportKeyRefused: W in an investigation over SSH writes nothing into the server's
// working directory; the status line says why and where to write one, the connection log says
// what was refused.
func TestServeReportKeyRefused(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	member, pub := newKey(t)
	h := startServe(t, serveOptions{}, pub)
	s := openScreen(t, h.addr, member, 140, 40)
	s.waitFor(t, 10*time.Second, "Recorded incidents")
	s.send(t, "\t", "\r")
	s.waitFor(t, 10*time.Second, "Decision tree", "Suspected causes")
	s.send(t, "W")
	s.waitFor(t, 10*time.Second, "report not written", "analyze --report")
	h.waitLog(t, 5*time.Second, "action refused", "action=report")
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("the session left %s in the server's working directory", e.Name())
	}
	s.sess.Close()
}
