package logs

import (
	"context"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
)

// A bundled incident's log is read from the incident's files, whatever the working directory
// holds, and cannot be followed (it never grows, and following would open a file on the disk).
func TestLogReadFromTheIncidentsFiles(t *testing.T) {
	b, err := os.ReadFile(errorLog)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	m := New(context.Background(), common.DefaultStyles(), common.DefaultKeyMap())
	m.SetSize(100, 20)
	m.SetFocused(true)
	_, cmd := m.Update(common.SessionMsg{Rev: 1, Files: fstest.MapFS{"error.log": {Data: b}}, Ledger: []common.Entry{
		{Source: "error.log:12", Kind: diagnose.FromLog, Signal: "log.proxy.connect-timeout"},
	}})
	run(t, m, cmd)
	if err := m.sources[0].err; err != nil {
		t.Fatalf("the embedded log was not read: %v", err)
	}
	if s := screen(m); !strings.Contains(s, "127.0.0.1:18190") {
		t.Fatalf("timeline of the embedded log:\n%s", s)
	}
	_, cmd = m.Update(press("F"))
	if strings.Contains(m.Title(), "following") {
		t.Fatalf("an embedded log is followed: %q", m.Title())
	}
	if cmd == nil {
		t.Fatal("F on an embedded log says nothing")
	}
	if msg, ok := cmd().(common.ErrorMsg); !ok || !strings.Contains(msg.Err.Error(), "nothing to follow") {
		t.Fatalf("F on an embedded log: %#v", msg)
	}
}

// Without files (a pasted error) a log named by the evidence is not read from the working
// directory.
func TestNoFilesReadsNoLogFromTheDisk(t *testing.T) {
	b, err := os.ReadFile(errorLog)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/error.log", b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, files := range []fs.FS{nil, fstest.MapFS{}} {
		m := New(context.Background(), common.DefaultStyles(), common.DefaultKeyMap())
		m.SetSize(100, 20)
		_, cmd := m.Update(common.SessionMsg{Rev: 1, Files: files, Ledger: []common.Entry{
			{Source: "error.log:12", Kind: diagnose.FromLog, Signal: "log.proxy.connect-timeout"},
		}})
		run(t, m, cmd)
		if m.sources[0].err == nil || len(m.sources[0].lines()) > 0 {
			t.Errorf("files %v: the working directory's log was read (%d lines)", files, len(m.sources[0].lines()))
		}
	}
}
