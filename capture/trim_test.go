package capture

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/internal/testenv"
)

// findingSignals returns the signals of the findings a capture gives that point at packets.
func findingSignals(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	_, err := Analyze(context.Background(), r, Options{Trace: &Trace{Evidence: func(ev diagnose.Evidence) {
		if len(ev.Packets) > 0 && !slices.Contains(out, ev.Signal) {
			out = append(out, ev.Signal)
		}
	}}})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func openPath(p string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return os.Open(p) }
}

// TestTrimKeepsTheFailingConnections cuts every recorded scenario's captures and reads the result
// again: every finding the whole capture gives about a failing connection is still there, the
// trimmed file is smaller or equal, and capinfos opens it.
func TestTrimKeepsTheFailingConnections(t *testing.T) {
	files, _ := filepath.Glob("../testdata/scenarios/*/*.pcap*")
	if len(files) == 0 {
		t.Fatal("no recorded scenarios found under testdata/scenarios")
	}
	capinfos, lookErr := testenv.LookPath("capinfos")
	for _, p := range files {
		t.Run(strings.TrimPrefix(p, "../testdata/scenarios/"), func(t *testing.T) {
			var out bytes.Buffer
			res, err := Trim(context.Background(), openPath(p), &out, TrimOptions{Controls: 2})
			if err != nil {
				t.Fatal(err)
			}
			f, _ := os.Open(p)
			want := findingSignals(t, f)
			f.Close()
			got := findingSignals(t, bytes.NewReader(out.Bytes()))
			for _, s := range want {
				// A pattern (sporadic, clustered) is a ratio over every connection: the healthy
				// ones left out change it by design. The report states it from the whole capture.
				if !slices.Contains(got, s) && !strings.HasPrefix(s, "log.pattern.") {
					t.Errorf("finding %s lost in the trimmed capture (kept %d of %d packets, flows %v)", s, res.Kept, res.Packets, res.KeptFlows)
				}
			}
			if res.Kept > res.Packets || res.Kept == 0 {
				t.Errorf("kept %d of %d packets", res.Kept, res.Packets)
			}
			if lookErr != nil {
				return
			}
			tmp := filepath.Join(t.TempDir(), "trimmed.pcapng")
			os.WriteFile(tmp, out.Bytes(), 0o644)
			b, err := exec.Command(capinfos, "-c", tmp).CombinedOutput()
			if err != nil {
				t.Fatalf("capinfos: %v: %s", err, b)
			}
			if !strings.Contains(string(b), "Number of packets") {
				t.Fatalf("capinfos: %s", b)
			}
		})
	}
	if lookErr != nil {
		testenv.Missing(t, "capinfos (apt-get install tshark) to open the trimmed captures")
	}
}

// TestTrimEmptyCaptureOpens: a capture with no packet gives a trimmed file that still opens.
func TestTrimEmptyCaptureOpens(t *testing.T) {
	var out bytes.Buffer
	res, err := Trim(context.Background(), func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00")), nil
	}, &out, TrimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Kept != 0 || out.Len() == 0 {
		t.Fatalf("kept %d, wrote %d bytes", res.Kept, out.Len())
	}
	if _, err := NewReader(bytes.NewReader(out.Bytes())); err != nil {
		t.Fatalf("the empty trimmed capture does not open: %v", err)
	}
}

// BenchmarkTrim cuts the benchmark capture (three reads of it) to its failing connections.
func BenchmarkTrim(b *testing.B) {
	data := benchCapture(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var res TrimResult
	for b.Loop() {
		var err error
		res, err = Trim(context.Background(), func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
			io.Discard, TrimOptions{Controls: 3})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Kept), "kept-packets")
	b.ReportMetric(float64(res.Packets), "packets")
}
