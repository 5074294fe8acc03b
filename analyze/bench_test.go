package analyze

import (
	"context"
	"os"
	"runtime"
	"testing"

	"github.com/hopscope/hopscope/diagnose"
)

// BenchmarkRunFile is what `hopscope analyze --json` does with the capture named by
// HOPSCOPE_BENCH_PCAP: read it, report its attempts into hops, and assess every failing hop
// ("hops"); "evidence-only" reads the same capture into a session without attempts, so the
// difference is what the hops cost. The live-heap metric is the heap in use once the session
// holds everything, after a collection: what stays, as opposed to what passes through.
func BenchmarkRunFile(b *testing.B) {
	path := os.Getenv("HOPSCOPE_BENCH_PCAP")
	if path == "" {
		b.Skip("set HOPSCOPE_BENCH_PCAP to a capture file (go run ./capture/internal/synth/gencap)")
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	k := kb(&testing.T{})
	run := func(b *testing.B, hops bool) {
		b.SetBytes(st.Size())
		b.ReportAllocs()
		var live uint64
		for b.Loop() {
			s := diagnose.NewSession(k)
			opts := Options{}
			if hops {
				opts.attempt = s.AddAttempt
			}
			evs, inputs, err := collect(context.Background(), k, []string{path}, nil, opts)
			if err != nil {
				b.Fatal(err)
			}
			for _, ev := range evs {
				s.Add(ev)
			}
			s.Report(inputs)
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			live = ms.HeapInuse
			runtime.KeepAlive(s)
		}
		b.ReportMetric(float64(live)/(1<<20), "MiB-live")
	}
	b.Run("hops", func(b *testing.B) { run(b, true) })
	b.Run("evidence-only", func(b *testing.B) { run(b, false) })
}
