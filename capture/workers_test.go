package capture

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/hopscope/hopscope/capture/internal/synth"
	"github.com/hopscope/hopscope/diagnose"
)

// run is everything an analysis reports: the summary, each finding and each finished
// connection, in the order they came.
type run struct {
	sum      Summary
	evs      []diagnose.Evidence
	attempts []diagnose.Attempt
	flows    []string
	err      error
}

func analyzeWith(b []byte, workers int) run {
	var r run
	tr := &Trace{
		Evidence: func(ev diagnose.Evidence) { r.evs = append(r.evs, ev) },
		Attempt:  func(a diagnose.Attempt) { r.attempts = append(r.attempts, a) },
		FlowDone: func(f *Flow) {
			r.flows = append(r.flows, fmt.Sprintf("%s pkts=%d..%d n=%d bytes=%v retrans=%v", f, f.FirstPacket, f.LastPacket, f.Packets, f.Bytes, f.Retransmissions()))
		},
	}
	r.sum, r.err = Analyze(context.Background(), bytes.NewReader(b), Options{Name: "x", Trace: tr, Workers: workers})
	return r
}

// sameRun reports how two runs differ, or "".
func sameRun(a, b run) string {
	switch {
	case fmt.Sprint(a.err) != fmt.Sprint(b.err):
		return fmt.Sprintf("errors differ: %v / %v", a.err, b.err)
	case !reflect.DeepEqual(a.sum, b.sum):
		return fmt.Sprintf("summaries differ:\n%+v\n%+v", a.sum, b.sum)
	case len(a.flows) != len(b.flows):
		return fmt.Sprintf("%d connections / %d", len(a.flows), len(b.flows))
	case len(a.evs) != len(b.evs):
		return fmt.Sprintf("%d findings / %d", len(a.evs), len(b.evs))
	case !reflect.DeepEqual(a.attempts, b.attempts):
		return fmt.Sprintf("attempts differ (%d / %d)", len(a.attempts), len(b.attempts))
	}
	for i := range a.flows {
		if a.flows[i] != b.flows[i] {
			return fmt.Sprintf("connection %d: %s / %s", i, a.flows[i], b.flows[i])
		}
	}
	for i := range a.evs {
		if !reflect.DeepEqual(a.evs[i], b.evs[i]) {
			return fmt.Sprintf("finding %d: %+v / %+v", i, a.evs[i], b.evs[i])
		}
	}
	return ""
}

// checkWorkers analyses b with one worker and with several and wants the same result.
func checkWorkers(t *testing.T, name string, b []byte) run {
	t.Helper()
	one := analyzeWith(b, 1)
	for _, n := range []int{2, 3} {
		if d := sameRun(one, analyzeWith(b, n)); d != "" {
			t.Errorf("%s: 1 and %d workers differ: %s", name, n, d)
		}
	}
	return one
}

// TestWorkersRecordings holds the lab's recordings of every scenario to the same findings,
// attempts, summaries and connections with one worker as with several.
func TestWorkersRecordings(t *testing.T) {
	files, _ := filepath.Glob("../testdata/scenarios/*/*.pcap*")
	if len(files) < 100 {
		t.Fatalf("only %d recordings found in testdata/scenarios", len(files))
	}
	linked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r := checkWorkers(t, f, b)
		for _, ev := range r.evs {
			if ev.Signal == "http.reverse-proxy.seen" || ev.Signal == "proxy.connect.status.200" {
				linked++
				break
			}
		}
	}
	if linked == 0 {
		t.Error("no recording showed a proxy hop: the test would not see links between workers")
	}
}

// TestWorkersCorpus does the same over tcpdump's corpus of odd and damaged captures.
func TestWorkersCorpus(t *testing.T) {
	for _, f := range corpusFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkWorkers(t, f, b)
	}
}

// TestWorkersLarge covers what small files do not reach: many batches, sweeps and retirements,
// connections judged early past maxUnopened, on both traffic shapes.
func TestWorkersLarge(t *testing.T) {
	for _, short := range []bool{false, true} {
		var buf bytes.Buffer
		w, _ := synth.NewWriter(&buf, layers.LinkTypeEthernet, short)
		m := synth.NewMix(w, 7)
		m.Short = short
		if err := m.Run(t0, 24<<20, func() int64 { return int64(buf.Len()) }); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		r := checkWorkers(t, fmt.Sprintf("mix short=%v", short), buf.Bytes())
		if r.sum.Flows < 400 {
			t.Errorf("short=%v: %d connections, want a large mix", short, r.sum.Flows)
		}
	}
	r := checkWorkers(t, "SYN flood", synFlood(t, 3*maxUnopened))
	if want := int64(3*maxUnopened) - maxUnopened; !hasWarning(r.sum, "never opened") || r.sum.Flows != 3*maxUnopened {
		t.Errorf("SYN flood: %d connections, warnings %q; want %d connections, about %d judged early", r.sum.Flows, r.sum.Warnings, 3*maxUnopened, want)
	}
}

func hasWarning(s Summary, sub string) bool {
	for _, w := range s.Warnings {
		if bytes.Contains([]byte(w), []byte(sub)) {
			return true
		}
	}
	return false
}

// synFlood is n SYNs from distinct ports, 2 µs apart, none answered.
func synFlood(t testing.TB, n int) []byte {
	var buf bytes.Buffer
	w, err := synth.NewWriter(&buf, layers.LinkTypeEthernet, false)
	if err != nil {
		t.Fatal(err)
	}
	writeFlood(t, w, n)
	return buf.Bytes()
}

func writeFlood(t testing.TB, w *synth.Writer, n int) {
	for i := range n {
		src := ap(v4.client, uint16(1024+i%60000))
		if i/60000 > 0 {
			a := v4.client.As4()
			a[2] = byte(i / 60000)
			src = ap(netip.AddrFrom4(a), src.Port())
		}
		c := w.NewConn(t0.Add(time.Duration(i)*2*time.Microsecond), src, ap(v4.backend, 443))
		c.SYN(0, false)
		if c.Err != nil {
			t.Fatal(c.Err)
		}
	}
}

// TestWorkersPanicReachesTheCaller holds a panic while reading (here in the Packet hook, which
// runs in the reading goroutine) or while making findings to surface in the goroutine that called
// Analyze, as it would with one worker, so a server's recover still catches it, and the
// analysis's goroutines to end.
func TestWorkersPanicReachesTheCaller(t *testing.T) {
	var buf bytes.Buffer
	w, _ := synth.NewWriter(&buf, layers.LinkTypeEthernet, false)
	m := synth.NewMix(w, 3)
	if err := m.Run(t0, 4<<20, func() int64 { return int64(buf.Len()) }); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	for _, tc := range []struct {
		name string
		tr   *Trace
	}{
		{"reading", &Trace{Packet: func(p *Packet) {
			if p.Number == 5000 {
				panic("boom")
			}
		}}},
		{"findings", &Trace{Evidence: func(diagnose.Evidence) { panic("boom") }}},
	} {
		got := func() (p any) {
			defer func() { p = recover() }()
			Analyze(context.Background(), bytes.NewReader(buf.Bytes()), Options{Name: "x", Workers: 2, Trace: tc.tr})
			return nil
		}()
		if got != "boom" {
			t.Errorf("%s: recovered %v, want the panic", tc.name, got)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		b := make([]byte, 1<<16)
		t.Errorf("%d goroutines left running after the panics (%d before)\n%s", n-before, n, b[:runtime.Stack(b, true)])
	}
}
