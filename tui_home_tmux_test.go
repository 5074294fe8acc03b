package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hopscope/hopscope/internal/testenv"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/incident"
)

// startInTmux builds the binary and starts it in a detached 100x30 tmux session whose working
// directory is dir, a directory that is not the repository.
func startInTmux(t *testing.T, dir string) *tmuxSession {
	t.Helper()
	testenv.RequireCommand(t, "tmux")
	if testing.Short() {
		t.Skip("skipped in -short: builds the binary and drives it in tmux")
	}
	bin := filepath.Join(t.TempDir(), "hopscope")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := &tmuxSession{t: t, socket: filepath.Join(t.TempDir(), "tmux.sock")}
	t.Cleanup(func() { s.run("kill-server") })
	s.must("-f", "/dev/null", "new-session", "-d", "-s", "hs", "-x", "100", "-y", "30", "-c", dir,
		fmt.Sprintf("TERM=xterm-256color %s; echo exited $?; sleep 60", bin))
	s.waitFor("the home screen", showsAll("What do you see?", "Recorded incidents", "Paste an error"))
	return s
}

// shownIncidents lists the bundled incidents in the order the home screen shows them.
func shownIncidents(t *testing.T) []incident.Incident {
	t.Helper()
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, p := range kb.Playbooks {
		order = append(order, p.ID)
	}
	var out []incident.Incident
	for _, g := range incident.Grouped(incident.List(bundledIncidents()), order) {
		out = append(out, g.Incidents...)
	}
	return out
}

// TestTUIPasteFirstInTmux pastes an Apache error line into the home screen while the symptom list
// has the focus, once typed out by the terminal (tmux send-keys -l: no bracketed paste) and once
// as a bracketed paste: both land in the paste box, the q of "request" does not quit, and ctrl+s
// opens the reverse-proxy investigation.
func TestTUIPasteFirstInTmux(t *testing.T) {
	const line = "[proxy:error] AH01084: pass request body failed to 127.0.0.1:9000 (127.0.0.1)"
	for _, bracketed := range []bool{false, true} {
		t.Run(fmt.Sprintf("bracketed=%v", bracketed), func(t *testing.T) {
			s := startInTmux(t, t.TempDir())
			if bracketed {
				s.must("set-buffer", "-b", "err", line)
				s.must("paste-buffer", "-p", "-b", "err", "-t", "hs")
			} else {
				s.must("send-keys", "-t", "hs", "-l", line)
			}
			scr := s.waitFor("the pasted line in the paste box", showsAll("● Paste an error", "pass request body failed to 127.0.0.1:9000"))
			if strings.Contains(scr, "exited") {
				t.Fatalf("the paste quit hopscope:\n%s", scr)
			}
			s.must("send-keys", "-t", "hs", "C-s")
			s.waitFor("the reverse-proxy investigation", showsAll("Decision tree · mod-proxy", "pasted:1"))
		})
	}
}

// TestTUIEmbeddedIncidentInTmux opens a bundled incident with captures and logs from a directory
// holding decoy files of the same names: the packets and logs panes show the embedded recordings,
// never the decoys nor "no such file".
func TestTUIEmbeddedIncidentInTmux(t *testing.T) {
	n, pick := 0, incident.Incident{}
	for _, inc := range shownIncidents(t) {
		if pick.Name == "" && inc.Name == "backend.down" {
			pick = inc
		}
		if pick.Name == "" {
			n++
		}
	}
	if pick.Name == "" {
		t.Fatal("the backend.down recording is not bundled")
	}
	dir := t.TempDir()
	for _, decoy := range []string{"any.pcapng", "any-v6.pcapng", "lo.pcap", "apache-access.log", "apache-error.log"} {
		if err := os.WriteFile(filepath.Join(dir, decoy), []byte("decoy: the server's own file\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := startInTmux(t, dir)
	s.must("send-keys", "-t", "hs", "Tab")
	for range n {
		s.must("send-keys", "-t", "hs", "Down")
	}
	s.must("send-keys", "-t", "hs", "Enter")
	s.waitFor("the incident's investigation", showsAll("Decision tree", "Suspected causes", pick.Label()))
	// s swaps the focused slot (the tree) through the playbook, live checks, packets and logs.
	var scr string
	for range 3 {
		s.must("send-keys", "-t", "hs", "s")
	}
	scr = s.waitFor("the packets pane with the embedded capture's conversations", showsAll("Packets ·", "conversations · all", "REJ"))
	for _, bad := range []string{"no such file", "decoy", "│0 conversations"} {
		if strings.Contains(scr, bad) {
			t.Errorf("the packets pane shows %q:\n%s", bad, scr)
		}
	}
	s.must("send-keys", "-t", "hs", "s")
	scr = s.waitFor("the logs pane with the embedded log", showsAll("Logs ·", "Failures per"))
	for _, bad := range []string{"no such file", "decoy"} {
		if strings.Contains(scr, bad) {
			t.Errorf("the logs pane shows %q:\n%s", bad, scr)
		}
	}
}
