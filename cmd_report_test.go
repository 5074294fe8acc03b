package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hopscope/hopscope/train"
)

// TestAnalyzeReportFlag: --report writes the bundle beside the usual --json on stdout, says where
// on stderr, and refuses to overwrite it the second time (exit 2, one line).
func TestAnalyzeReportFlag(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "out.tar.gz")
	code, out, errs := runCmd(t, "", "analyze", "--json", "--report", dest, "testdata/scenarios/tunnel.proxy-auth")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var v struct{ Causes []struct{ ID string } }
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.Causes) == 0 || v.Causes[0].ID != "tunnel.proxy-auth" {
		t.Fatalf("stdout is not the --json object alone: %v\n%s", err, out)
	}
	if !strings.Contains(errs, "report written to "+dest) || !strings.Contains(errs, "must-gather items present") {
		t.Errorf("stderr: %s", errs)
	}
	if st, err := os.Stat(dest); err != nil || st.Size() == 0 {
		t.Fatalf("no bundle: %v", err)
	}
	code, _, errs = runCmd(t, "", "analyze", "--report", dest, "testdata/scenarios/tunnel.proxy-auth")
	if code != exitUsage || !strings.Contains(errs, "already exists") || strings.Count(errs, "\n") != 1 {
		t.Errorf("a second write: exit %d, %q", code, errs)
	}
}

// TestTrainProgressFlag prints a trainee's progress per cause from the state directory.
func TestTrainProgressFlag(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	code, out, errs := runCmd(t, "", "train", "--progress", "--user", "carol")
	if code != 0 || !strings.Contains(out, "No training yet for carol") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	file := train.ProgressPath(filepath.Join(state, "hopscope"), "carol")
	var p train.Progress
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	p.Record(train.Result{Scenario: "a", Cause: "keepalive.race", Right: true, Elapsed: 42 * time.Second}, at, 9)
	p.Record(train.Result{Scenario: "b", Cause: "keepalive.race", ConfidentWrong: true, Elapsed: 80 * time.Second, Given: train.Diagnosis{Sure: true}}, at, 9)
	if err := p.Save(file); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCmd(t, "", "train", "--progress", "--user", "carol")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"cause", "tried", "median time", "keepalive.race", "1 of 2 right."} {
		if !strings.Contains(out, want) {
			t.Errorf("progress lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "keepalive.race  2      1      1               1m1s") {
		t.Errorf("the row of keepalive.race:\n%s", out)
	}
}
