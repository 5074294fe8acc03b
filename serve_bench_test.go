package main

import (
	"runtime"
	"testing"
	"time"
)

// BenchmarkServeSessionMemory opens sessions whose clients claim a 4000x4000 terminal (drawn at
// most 400x150) and reports the heap each one holds once its home screen is drawn.
func BenchmarkServeSessionMemory(b *testing.B) {
	member, pub := newKey(b)
	h := startServe(b, serveOptions{maxSessions: 64, maxPerKey: 64}, pub)
	const sessions = 8
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var open []*screen
		for range sessions {
			open = append(open, openScreen(b, h.addr, member, 4000, 4000))
		}
		for _, s := range open {
			s.waitFor(b, 20*time.Second, "Recorded incidents")
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/sessions, "heap-B/session")
		for _, s := range open {
			s.sess.Close()
			s.client.Close()
		}
	}
}
