package analyze

import (
	"context"
	"os"
	"runtime"
	"testing"
)

// BenchmarkRunFile is what `hopscope analyze --json` does with the capture named by
// HOPSCOPE_BENCH_PCAP: read it, report its attempts into hops, and assess every failing hop. The
// live-heap metric is the heap in use once the session holds everything, after a collection:
// what stays, as opposed to what passes through.
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
	b.SetBytes(st.Size())
	b.ReportAllocs()
	var live uint64
	for b.Loop() {
		s, _, err := Run(context.Background(), k, []string{path}, nil, Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Report(nil)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live = ms.HeapInuse
		runtime.KeepAlive(s)
	}
	b.ReportMetric(float64(live)/(1<<20), "MiB-live")
}
