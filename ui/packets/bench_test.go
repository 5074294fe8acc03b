package packets

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/ui/common"
)

// BenchmarkLargeCapture opens the pane on the capture named by HOPSCOPE_BENCH_PCAP (go run
// ./capture/internal/synth/gencap -o /tmp/big.pcap -size 1000) as a replay's first piece of
// evidence does, and measures the time to the first frame that lists a conversation
// ("first-ms"), the time until all is read ("read-ms"), and what a frame of the conversations
// costs once they are all found ("frame-ms").
func BenchmarkLargeCapture(b *testing.B) {
	path := os.Getenv("HOPSCOPE_BENCH_PCAP")
	if path == "" {
		b.Skip("set HOPSCOPE_BENCH_PCAP to a large capture file (go run ./capture/internal/synth/gencap)")
	}
	median := func(ds []time.Duration) float64 {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return float64(ds[len(ds)/2]) / float64(time.Millisecond)
	}
	var firsts, reads, frames []time.Duration
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		m := New(ctx, common.DefaultStyles(), common.DefaultKeyMap())
		m.SetSize(100, 24)
		_, cmd := m.Update(common.SessionMsg{Rev: 1, Files: common.Disk{}, Ledger: []common.Entry{
			{Source: path + "#1", Kind: diagnose.FromPacket, Signal: "tcp.connect.ok"},
		}})
		if msg, ok := cmd().(tea.BatchMsg); ok {
			m.Update(msg[0]())
		}
		first := time.Duration(0)
		for {
			m.Update(tickMsg{})
			m.View()
			convs, done, err := m.sources[0].snapshot()
			if err != nil {
				b.Fatal(err)
			}
			if first == 0 && len(convs) > 0 {
				first = time.Since(start)
			}
			if done {
				break
			}
			if first == 0 {
				time.Sleep(time.Millisecond) // to see the first frame when it comes
				continue
			}
			time.Sleep(tickEvery)
		}
		reads = append(reads, time.Since(start))
		firsts = append(firsts, first)
		m.dirty = true
		t0 := time.Now()
		m.View()
		frames = append(frames, time.Since(t0))
		cancel()
	}
	b.ReportMetric(median(firsts), "first-ms")
	b.ReportMetric(median(reads), "read-ms")
	b.ReportMetric(median(frames), "frame-ms")
}
