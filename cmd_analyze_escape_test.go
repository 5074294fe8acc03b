package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hopscope/hopscope/diagnose/probe"
)

// hostileNames are file names a terminal would obey if printed raw: a window title and a clear
// screen, a clipboard write, the one-byte CSI, a bell and a line break.
var hostileNames = []string{
	"title\x1b]0;owned\a\x1b[2J.log",
	"clip\x1b]52;c;b3duZWQ=\a.log",
	"csi\u009b2J.log",
	"two\nlines\r.log",
}

// controls reports the first byte of s a terminal would act on (other than a newline), or -1.
func controls(s string) int {
	for i, r := range s {
		if r < 0x20 && r != '\n' || r == 0x7f || 0x80 <= r && r <= 0x9f {
			return i
		}
	}
	return -1
}

func TestAnalyzeTextEscapesFileNames(t *testing.T) {
	dir := t.TempDir()
	line := "[Sat Nov 21 10:01:02.000000 2026] [proxy:error] [pid 4242] (111)Connection refused: AH00957: HTTP: attempt to connect to 127.0.0.1:8081 (127.0.0.1) failed\n"
	var paths []string
	for _, n := range hostileNames {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	missing := filepath.Join(dir, "gone\x1b[31m.log")
	code, out, errs := runCmd(t, "", append([]string{"analyze"}, append(paths, missing)...)...)
	if code != 2 {
		t.Fatalf("exit %d, want 2 for the missing file: %s", code, errs)
	}
	for what, s := range map[string]string{"stdout": out, "stderr": errs} {
		if i := controls(s); i >= 0 {
			t.Errorf("%s carries control %q at %d:\n%q", what, s[i], i, s)
		}
	}
	for _, want := range []string{`title\x1b]0;owned\x07\x1b[2J.log`, `clip\x1b]52;c;b3duZWQ=\x07.log`, `csi\u009b2J.log`, `two\nlines\r.log`} {
		if !strings.Contains(out, want) {
			t.Errorf("the report does not name %s:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, `gone\x1b[31m.log`) || strings.Count(strings.TrimRight(errs, "\n"), "\n") != 0 {
		t.Errorf("stderr should be one line naming the missing file, escaped: %q", errs)
	}
	// JSON is for programs: it keeps the names exact (encoding/json escapes the controls).
	code, out, _ = runCmd(t, "", "analyze", "--json", paths[0])
	var rep struct {
		Inputs []struct{ Path string } `json:"inputs"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Inputs) != 1 || rep.Inputs[0].Path != paths[0] {
		t.Errorf("--json: exit %d, inputs %+v", code, rep.Inputs)
	}
	if controls(out) >= 0 {
		t.Errorf("--json output carries a raw control: %q", out)
	}
}

// TestCheckTextEscapesThePeersAnswer: a proxy's status line, headers and page are quoted as
// text, its escape sequences escaped.
func TestCheckTextEscapesThePeersAnswer(t *testing.T) {
	r := &probe.Result{Target: "https://backend.test/", Proxy: "http://proxy:3128", Connect: &probe.ConnectResult{
		Proxy: "proxy:3128", Target: "backend.test:443", Tunnel: -1,
		Attempts: []probe.ProxyAttempt{{HostHeader: "backend.test:443", HostIs: probe.HostIsTarget, Outcome: probe.ProxyAnswered,
			Status: 403, StatusLine: "HTTP/1.1 403 \x1b]0;owned\a", Headers: []string{"X-Note: \x1b[2J\u009b6n"}, BodyStart: "<p>\x1b]52;c;b3duZWQ=\a</p>"}},
	}}
	var b strings.Builder
	writeCheckText(&b, r)
	out := b.String()
	if i := controls(out); i >= 0 {
		t.Fatalf("check text carries control %q at %d:\n%q", out[i], i, out)
	}
	for _, want := range []string{`403 \x1b]0;owned\x07`, `X-Note: \x1b[2J\u009b6n`, `\x1b]52;c;b3duZWQ=\x07`} {
		if !strings.Contains(out, want) {
			t.Errorf("check text lacks %s:\n%s", want, out)
		}
	}
}
