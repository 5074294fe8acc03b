package analyze

import (
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hopscope/hopscope/knowledge"
	"go.yaml.in/yaml/v3"
)

// packetBlind lists recorded causes (or scenarios) whose packets alone cannot name them, with the
// reason; their recordings are still read, and must not fail or warn.
var packetBlind = map[string]string{
	// A refused connection to a port chosen at random looks the same whether a proxy or a backend
	// was meant to listen there; only the client's account says it was the proxy.
	"tunnel.proxy-unreachable": "a refused connect to an unknown port does not say it was a proxy",
	// Keyed by scenario: without a route no packet leaves for the backend; the wire shows only
	// the proxy's 503s.
	"network.path.route": "no packet reaches the wire toward the backend, only the proxy's 503s",
}

// TestRecordedCaptures reads every capture the lab recorded from real servers and checks that the
// cause ranked first on the capture alone is the recording's true cause.
func TestRecordedCaptures(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	dirs, _ := filepath.Glob("../testdata/scenarios/*/truth.yaml")
	if len(dirs) == 0 {
		t.Fatal("no recorded scenarios in testdata/scenarios: the recordings are part of the repository")
	}
	n := 0
	for _, truthPath := range dirs {
		dir := filepath.Dir(truthPath)
		var truth struct{ Cause string }
		b, err := os.ReadFile(truthPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &truth); err != nil {
			t.Fatalf("%s: %v", truthPath, err)
		}
		caps, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
		for _, c := range caps {
			n++
			name := filepath.Base(dir) + "/" + filepath.Base(c)
			t.Run(name, func(t *testing.T) {
				s, inputs, err := Run(context.Background(), kb, []string{c}, nil, Options{})
				if err != nil {
					t.Fatal(err)
				}
				in := inputs[0]
				if !strings.HasPrefix(in.Kind, "pcap") || in.Packets == 0 || len(in.Warnings) > 0 {
					t.Errorf("input %+v: want a capture read without warnings", in)
				}
				why, ok := packetBlind[truth.Cause]
				if !ok {
					why, ok = packetBlind[filepath.Base(dir)]
				}
				if ok {
					t.Skipf("%s: %s", truth.Cause, why)
				}
				a := s.Assess()
				if got := a.Causes[0].Cause.ID; got != truth.Cause {
					var evs []string
					for _, e := range s.Report(inputs).Evidence {
						evs = append(evs, e.Signal)
					}
					t.Errorf("top cause %s (%.2f), truth %s; evidence %v", got, a.Causes[0].Confidence, truth.Cause, evs)
				}
			})
		}
	}
	if n == 0 {
		t.Fatal("no captures among the recordings in testdata/scenarios")
	}
}

// TestCaptureThroughGzipPipe feeds a recording, gzipped, through a pipe as standard input, as
// `ssh host 'tcpdump -w - | gzip' | hopscope analyze -` would, and expects the same findings as
// from the file.
func TestCaptureThroughGzipPipe(t *testing.T) {
	path := "../testdata/scenarios/tunnel.proxy-auth/any.pcapng"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	want, wantIn, err := Collect(context.Background(), kb, []string{path}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	go func() {
		zw := gzip.NewWriter(pw)
		for b := raw; len(b) > 0; b = b[min(len(b), 1000):] {
			if _, err := zw.Write(b[:min(len(b), 1000)]); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(zw.Close())
	}()
	got, gotIn, err := Collect(context.Background(), kb, []string{"-"}, pr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if gotIn[0].Kind != "pcapng+gzip" || gotIn[0].Packets != wantIn[0].Packets {
		t.Errorf("stdin read as %+v, the file as %+v", gotIn[0], wantIn[0])
	}
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("%d findings from the pipe, %d from the file", len(got), len(want))
	}
	for i := range got {
		if got[i].Signal != want[i].Signal || !strings.HasPrefix(got[i].Source, "stdin#") {
			t.Errorf("finding %d: %s %s, want %s from stdin", i, got[i].Signal, got[i].Source, want[i].Signal)
		}
	}
}

// TestTruncatedAndBrokenCaptures checks the analyze seam's answers to damaged captures: a cut
// recording is read up to the cut with a warning; a capture header alone fails with one line.
func TestTruncatedAndBrokenCaptures(t *testing.T) {
	raw, err := os.ReadFile("../testdata/scenarios/tunnel.proxy-auth/lo.pcap")
	if err != nil {
		t.Fatal(err)
	}
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cut := filepath.Join(dir, "cut.pcap")
	if err := os.WriteFile(cut, raw[:len(raw)*2/3], 0o644); err != nil {
		t.Fatal(err)
	}
	evs, inputs, err := Collect(context.Background(), kb, []string{cut}, nil, Options{})
	if err != nil {
		t.Fatalf("a truncated capture failed: %v", err)
	}
	if len(inputs[0].Warnings) == 0 || !strings.Contains(inputs[0].Warnings[0], "truncated") || len(evs) == 0 {
		t.Errorf("truncated: %d findings, input %+v", len(evs), inputs[0])
	}
	head := filepath.Join(dir, "head.pcap")
	if err := os.WriteFile(head, raw[:10], 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = Collect(context.Background(), kb, []string{head}, nil, Options{})
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("a cut header: %v, want a one-line error", err)
	}
}
