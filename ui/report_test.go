package ui

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
	"github.com/hopscope/hopscope/ui/incident"
)

// incidentFiles is a bundled incident's folder, as the home screen hands it to an investigation.
func incidentFiles(t *testing.T, name string) fs.FS {
	t.Helper()
	fsys := incidentsFS(t)
	for _, inc := range incident.List(fsys) {
		if inc.Name == name {
			return incident.Files(fsys, inc)
		}
	}
	t.Fatalf("no incident %s", name)
	return nil
}

// TestReportKeyWritesTheBundle: W in an investigation writes the must-gather bundle into the
// report folder and says where in the ledger and on the status line; in training it does nothing
// (the report names the leading cause); on a remote screen it writes nothing and says why.
func TestReportKeyWritesTheBundle(t *testing.T) {
	dir := t.TempDir()
	m := New(testKB(t), Options{Incidents: incidentsFS(t), Now: func() time.Time { return testNow }, ReportDir: dir})
	drive(m, m.Init(), tea.WindowSizeMsg{Width: 100, Height: 30})
	drive(m, common.OpenMsg{Title: "pasted error", Evidence: tunnelEvidence(t),
		Inputs: []diagnose.Input{{Path: "client.txt", Kind: "text"}}, Files: incidentFiles(t, "tunnel-backend-refused")})
	written, ok := pressFor[reportWrittenMsg](m, "W")
	if !ok {
		t.Fatal("W gave no ledger note")
	}
	note := written.note
	drive(m, written)
	dest := filepath.Join(dir, "hopscope-report-"+testNow.Format("20060102-150405"))
	md, err := os.ReadFile(filepath.Join(dest, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "## Verdict per hop") || !strings.Contains(string(md), "tunnel.unavailable.backend-down") {
		t.Errorf("report.md:\n%s", md)
	}
	// The incident's text is read from where the investigation read it (here, not the disk).
	if !strings.Contains(string(md), "inputs/client.txt") {
		t.Errorf("the bundle lacks the incident's client.txt:\n%s", md)
	}
	if !strings.Contains(note.Entry.Detail, dest) {
		t.Errorf("the note %q does not say where", note.Entry.Detail)
	}
	if !strings.Contains(plain(m), "report written to "+dest) {
		t.Errorf("the status line does not say where the report went:\n%s", plain(m))
	}
	if !strings.Contains(plain(m), "must-gather report written") {
		t.Errorf("the ledger does not keep the report's row:\n%s", plain(m))
	}

	tr := New(testKB(t), Options{Training: true, Now: func() time.Time { return testNow }, ReportDir: dir})
	drive(tr, tr.Init(), tea.WindowSizeMsg{Width: 100, Height: 30})
	drive(tr, common.OpenMsg{Title: "training incident 1 of 1", Evidence: tunnelEvidence(t)})
	if _, ok := pressFor[reportWrittenMsg](tr, "W"); ok {
		t.Error("W wrote a report in training")
	}

	remoteDir := t.TempDir()
	var refused []string
	rm := New(testKB(t), Options{Incidents: incidentsFS(t), Now: func() time.Time { return testNow }, ReportDir: remoteDir,
		Remote: true, Refused: func(what, why string) { refused = append(refused, what+": "+why) }})
	drive(rm, rm.Init(), tea.WindowSizeMsg{Width: 100, Height: 30})
	drive(rm, common.OpenMsg{Title: "pasted error", Evidence: tunnelEvidence(t)})
	if _, ok := pressFor[reportWrittenMsg](rm, "W"); ok {
		t.Error("W wrote a report on a remote screen")
	}
	if left, _ := os.ReadDir(remoteDir); len(left) != 0 {
		t.Errorf("a remote screen wrote %d entries into the report folder", len(left))
	}
	if !strings.Contains(plain(rm), "report not written") || !strings.Contains(plain(rm), "analyze --report") {
		t.Errorf("the status line does not say why nothing was written:\n%s", plain(rm))
	}
	if len(refused) != 1 || !strings.HasPrefix(refused[0], "report: ") {
		t.Errorf("the refusal was told as %q", refused)
	}
}

// pressFor presses a key and runs what follows (the root holds a printable key back for a moment
// in case it starts a paste) until a message of type T comes, without the time limit of drive.
func pressFor[T tea.Msg](m *Model, name string) (T, bool) {
	var zero T
	_, cmd := m.Update(keyPress(name))
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0 && n < 20; n++ {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case T:
			return msg, true
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case nil:
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
	return zero, false
}

// TestReportOfChecksFromTheScreen: checks run from the home screen, then again on another
// target, then W. The report lists both runs with their waterfalls, names the current target (as
// the title does), and gives no symptom the operator never saw.
func TestReportOfChecksFromTheScreen(t *testing.T) {
	var targets []string
	for range 2 {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") }))
		t.Cleanup(srv.Close)
		targets = append(targets, srv.URL+"/")
	}
	dir := t.TempDir()
	m := New(testKB(t), Options{Incidents: incidentsFS(t), Now: func() time.Time { return testNow }, ReportDir: dir})
	rec := &recorder{m: m}
	f := &flow{t: t, rec: rec, tm: teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(120, 36))}
	f.waitFor("hopscope")
	f.press("s")
	f.waitFor("Live checks")
	f.press("enter")
	f.tm.Send(tea.PasteMsg{Content: targets[0]})
	f.press("enter", "r")
	f.waitFor("hopscope — live checks of "+targets[0], "✓ http", "Evidence · 2")
	f.press("enter")
	f.tm.Send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	f.tm.Send(tea.PasteMsg{Content: targets[1]})
	f.press("enter", "r")
	f.waitFor("hopscope — live checks of "+targets[1], "Checks of "+targets[1])
	// Both runs' evidence is in before the report is written.
	f.waitFor("Evidence · 4", "✓ http")
	f.press("W")
	f.waitFor("report written to")
	md, err := os.ReadFile(filepath.Join(dir, "hopscope-report-"+testNow.Format("20060102-150405"), "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	f.tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	f.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	text := string(md)
	_, checksRun, _ := strings.Cut(text, "## Checks run")
	checksRun, _, _ = strings.Cut(checksRun, "## Must gather")
	for _, want := range []string{`"target": "` + targets[0] + `"`, `"target": "` + targets[1] + `"`, `"waterfall"`, `"check": "http"`} {
		if !strings.Contains(checksRun, want) {
			t.Errorf("the checks section lacks %s:\n%s", want, checksRun)
		}
	}
	if strings.Contains(text, "No live check was run") {
		t.Error("the report says no check was run")
	}
	if !strings.Contains(text, "live checks of "+targets[1]+"`") {
		t.Errorf("the report does not name the current target:\n%s", text[:min(len(text), 400)])
	}
	_, sym, _ := strings.Cut(text, "## Symptom")
	sym, _, _ = strings.Cut(sym, "## Verdict")
	if !strings.Contains(sym, "No error text was given") || strings.Contains(sym, "Apache") || strings.Contains(sym, "BadGateway") {
		t.Errorf("the symptom is not what was seen:\n%s", sym)
	}
}
