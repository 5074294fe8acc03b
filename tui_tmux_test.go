package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hopscope/hopscope/internal/testenv"
)

// tmuxSession drives a program in a detached tmux session on a private tmux server.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func (s *tmuxSession) run(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-S", s.socket}, args...)...).CombinedOutput()
	return string(out), err
}

func (s *tmuxSession) must(args ...string) string {
	s.t.Helper()
	out, err := s.run(args...)
	if err != nil {
		s.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return out
}

// screen is what the pane shows now, one string per line.
func (s *tmuxSession) screen() string { return s.must("capture-pane", "-p", "-t", "hs") }

// waitFor waits until the screen satisfies ok, and fails with the screen after 10 s.
func (s *tmuxSession) waitFor(what string, ok func(screen string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		scr := s.screen()
		if ok(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waiting for %s; the screen shows:\n%s", what, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func showsAll(want ...string) func(string) bool {
	return func(scr string) bool {
		for _, w := range want {
			if !strings.Contains(scr, w) {
				return false
			}
		}
		return true
	}
}

// TestTUIInTmux builds the real binary and drives it in tmux: the home screen, the first bundled
// incident, a resize to 80x24 and to 40x10 and back, and quitting.
func TestTUIInTmux(t *testing.T) {
	testenv.RequireCommand(t, "tmux")
	if testing.Short() {
		t.Skip("skipped in -short: builds the binary and drives it in tmux")
	}
	incs := shownIncidents(t)
	if len(incs) == 0 {
		t.Fatal("no incidents bundled")
	}
	// The squid ACL recording when bundled, else the first incident hopscope ranks right
	// (knownGaps lists the others).
	first, down := incs[0], -1
	for i, inc := range incs {
		if _, gap := knownGaps[inc.Name]; !gap && down < 0 || inc.Name == "tunnel.forbidden.acl" {
			first, down = inc, i
		}
	}
	down = max(down, 0)

	dir := t.TempDir()
	bin := filepath.Join(dir, "hopscope")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// The server's socket lives in the test's own directory, so nothing is left in /tmp/tmux-UID.
	s := &tmuxSession{t: t, socket: filepath.Join(dir, "tmux.sock")}
	t.Cleanup(func() { s.run("kill-server") })
	// The shell records hopscope's exit status once it quits.
	status := filepath.Join(dir, "status")
	s.must("-f", "/dev/null", "new-session", "-d", "-s", "hs", "-x", "100", "-y", "30",
		fmt.Sprintf("TERM=xterm-256color %s; echo $? > %s; sleep 60", bin, status))

	s.waitFor("the home screen", showsAll("What do you see?", "Recorded incidents", "Paste an error"))

	// The incidents pane is second; move the cursor down to that incident.
	s.must("send-keys", "-t", "hs", "Tab")
	for range down {
		s.must("send-keys", "-t", "hs", "Down")
	}
	s.must("send-keys", "-t", "hs", "Enter")
	scr := s.waitFor("the incident's investigation", showsAll("Decision tree", "Suspected causes", "Evidence", "Check next"))
	if !leads(scr, first.Cause) {
		t.Errorf("incident %s: the causes pane does not lead with %s:\n%s", first.Name, first.Cause, scr)
	}

	s.must("resize-window", "-t", "hs", "-x", "80", "-y", "24")
	scr = s.waitFor("the layout at 80x24", func(scr string) bool {
		lines := strings.Split(strings.TrimRight(scr, "\n"), "\n")
		return len(lines) == 24 && strings.HasPrefix(lines[len(lines)-3], "╰") && width(lines[1]) == 80
	})
	if !leads(scr, first.Cause) || !strings.Contains(scr, "Decision tree") {
		t.Errorf("at 80x24 the investigation lost its panes:\n%s", scr)
	}
	for i, l := range strings.Split(strings.TrimRight(scr, "\n"), "\n") {
		if w := width(l); w > 80 {
			t.Errorf("line %d is %d wide at 80x24: %q", i, w, l)
		}
	}

	s.must("resize-window", "-t", "hs", "-x", "40", "-y", "10")
	s.waitFor("the small-terminal notice at 40x10", showsAll("too small"))
	s.must("resize-window", "-t", "hs", "-x", "80", "-y", "24")
	s.waitFor("all panes again at 80x24", showsAll("Decision tree", "Suspected causes", "Check next"))

	s.must("send-keys", "-t", "hs", "q")
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(status)
		if err == nil && strings.HasSuffix(string(b), "\n") {
			if got := strings.TrimSpace(string(b)); got != "0" {
				t.Errorf("hopscope exited with status %s after q", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("hopscope did not exit after q:\n%s", s.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// leaderRE finds the leading cause on the causes pane: "▸  99%   ████ tunnel.forbidden.acl".
var leaderRE = regexp.MustCompile(`▸ +\d+%[▲▼ ] [█▏▎▍▌▋▊▉░]+ ([a-z.…-]+)`)

// leads reports whether the causes pane leads with the cause (its id possibly cut short).
func leads(screen, cause string) bool {
	m := leaderRE.FindStringSubmatch(screen)
	if m == nil {
		return false
	}
	head, tail, _ := strings.Cut(m[1], "…")
	return len(head) >= 6 && strings.HasPrefix(cause, head) && strings.HasSuffix(cause, tail)
}

func width(s string) int { return len([]rune(s)) }
