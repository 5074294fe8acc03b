package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// catalogue is DESIGN.md's cause catalogue.
var catalogue = []string{
	"tunnel.forbidden.acl", "tunnel.forbidden.host-header", "tunnel.proxy-auth",
	"tunnel.unavailable.dns", "tunnel.unavailable.backend-down", "tunnel.timeout",
	"tunnel.proxy-unreachable", "tls.handshake-timeout.firewall", "tls.handshake-timeout.server-stall",
	"tls.handshake-failure", "backend.tcp-unreachable", "backend.down", "backend.overloaded",
	"network.path", "network.sporadic", "body.backend-closed", "body.backend-stalled",
	"keepalive.race", "request.pattern", "unknown",
}

func TestPlaybooksJSONListsTheCatalogue(t *testing.T) {
	code, out, errs := runCmd(t, "", "playbooks", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var v struct {
		Causes []struct {
			ID string `json:"id"`
		} `json:"causes"`
		Signals []struct {
			ID string `json:"id"`
		} `json:"signals"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, c := range v.Causes {
		have[c.ID] = true
	}
	for _, id := range catalogue {
		if !have[id] {
			t.Errorf("playbooks --json lacks cause %s", id)
		}
	}
	if len(v.Signals) < 50 {
		t.Errorf("only %d signals listed", len(v.Signals))
	}
}

func TestAnalyzeJSONContract(t *testing.T) {
	code, out, errs := runCmd(t, "", "analyze", "--json", "analyze/testdata/fault-503.txt")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var v map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"causes", "evidence", "next", "inputs"} {
		if _, ok := v[k]; !ok {
			t.Errorf("report lacks %q", k)
		}
	}
	var causes []struct {
		ID         string   `json:"id"`
		Confidence float64  `json:"confidence"`
		For        []string `json:"for"`
		Against    []string `json:"against"`
	}
	json.Unmarshal(v["causes"], &causes)
	for i := 1; i < len(causes); i++ {
		if causes[i].Confidence > causes[i-1].Confidence {
			t.Fatalf("causes not sorted by confidence at %d", i)
		}
	}
	if causes[0].ID != "tunnel.forbidden.acl" && causes[0].ID != "tunnel.forbidden.host-header" {
		t.Errorf("first cause %s", causes[0].ID)
	}
}

func TestBadInputExitsTwoWithOneLine(t *testing.T) {
	cases := [][]string{
		{"analyze"},
		{"analyze", "analyze/testdata/empty.txt"},
		{"analyze", "analyze/testdata/binary.bin"},
		{"analyze", "no/such/file"},
		{"analyze", "--no-such-flag", "x"},
		{"no-such-command"},
	}
	for _, args := range cases {
		code, _, errs := runCmd(t, "", args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.HasPrefix(errs, "hopscope: ") {
			t.Errorf("%v: stderr is not one line: %q", args, errs)
		}
	}
}

func TestUnrecognisedTextExitsZero(t *testing.T) {
	code, out, errs := runCmd(t, "", "analyze", "analyze/testdata/garbage.txt")
	if code != 0 {
		t.Fatalf("exit %d (%s), want 0 for text that was read", code, errs)
	}
	if !strings.Contains(out, "no line matched a known error text") || !strings.Contains(out, "no cause is suspected") {
		t.Errorf("the report does not say nothing was recognised:\n%s", out)
	}
}

func TestAnalyzeStdin(t *testing.T) {
	code, out, errs := runCmd(t, "[error] proxy: pass request body failed to 10.0.0.5:8080 (backend)\n", "analyze", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "body.backend-") {
		t.Errorf("pass-body text did not lead to a body cause:\n%s", out)
	}
}

func TestAnalyzeReportsWhatItCouldRead(t *testing.T) {
	code, out, errs := runCmd(t, "", "analyze", "--json", "analyze/testdata/fault-503.txt", "analyze/testdata/binary.bin")
	if code != 2 {
		t.Errorf("exit %d, want 2 for the unreadable input", code)
	}
	if !strings.Contains(errs, "binary.bin") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("stderr should name the unreadable file in one line: %q", errs)
	}
	var r struct {
		Causes []struct{ ID string } `json:"causes"`
		Inputs []struct{ Path, Kind string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("no report of the readable input: %v\n%s", err, out)
	}
	if len(r.Causes) == 0 || !strings.HasPrefix(r.Causes[0].ID, "tunnel.forbidden.") {
		t.Errorf("first cause %+v, want one read from fault-503.txt", r.Causes)
	}
	if len(r.Inputs) != 2 || r.Inputs[1].Kind != "unreadable" {
		t.Errorf("inputs = %+v, want the binary file listed as unreadable", r.Inputs)
	}
}

// Evidence that moves no cause much is still listed in the text report.
func TestAnalyzeTextListsWhatWasSeen(t *testing.T) {
	code, out, errs := runCmd(t, "", "analyze", "analyze/testdata/clients/curl-aborted.txt")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "Seen:\n  proxy.connect.closed at ") {
		t.Errorf("the only evidence is not listed:\n%s", out)
	}
}
