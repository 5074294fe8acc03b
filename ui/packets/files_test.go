package packets

import (
	"context"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
)

// waitRead waits until every capture the pane opened is read, and returns the first error.
func waitRead(t *testing.T, m *Model) error {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, s := range m.sources {
		for {
			if _, done, err := s.snapshot(); done {
				if err != nil {
					return err
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the capture was not read in 5 s")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	m.Update(tickMsg{})
	return nil
}

// A bundled incident's capture is read from the incident's files under the name its evidence
// gives, whatever the working directory holds.
func TestCaptureReadFromTheIncidentsFiles(t *testing.T) {
	b, err := os.ReadFile(recording)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // no lo.pcap here
	m := New(context.Background(), common.DefaultStyles(), common.DefaultKeyMap())
	m.SetSize(140, 24)
	_, cmd := m.Update(common.SessionMsg{Rev: 1, Files: fstest.MapFS{"lo.pcap": {Data: b}}, Ledger: []common.Entry{
		{Source: "lo.pcap#5", Kind: diagnose.FromPacket, Signal: "proxy.connect.status.403"},
	}})
	run(t, m, cmd)
	if err := waitRead(t, m); err != nil {
		t.Fatalf("the embedded capture was not read: %v", err)
	}
	if s := screen(m); !strings.Contains(s, "SF") || strings.Contains(s, "no such file") {
		t.Fatalf("conversations of the embedded capture:\n%s", s)
	}
}

// An investigation with no files (a pasted error) reads nothing from the disk, even when the
// working directory holds a file of the name its evidence gives: over serve that would be the
// server's file.
func TestNoFilesReadsNothingFromTheDisk(t *testing.T) {
	b, err := os.ReadFile(recording)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/lo.pcap", b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, files := range []fs.FS{nil, fstest.MapFS{}} {
		m := New(context.Background(), common.DefaultStyles(), common.DefaultKeyMap())
		m.SetSize(140, 24)
		_, cmd := m.Update(common.SessionMsg{Rev: 1, Files: files, Ledger: []common.Entry{
			{Source: "lo.pcap#5", Kind: diagnose.FromPacket, Signal: "proxy.connect.status.403"},
		}})
		run(t, m, cmd)
		if err := waitRead(t, m); err == nil {
			t.Errorf("files %v: the capture in the working directory was read", files)
		}
		if convs, _, _ := m.sources[0].snapshot(); len(convs) > 0 {
			t.Errorf("files %v: %d conversations from the working directory's file", files, len(convs))
		}
	}
}
