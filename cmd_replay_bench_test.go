package main

import (
	"context"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/analyze"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui"
	"github.com/hopscope/hopscope/ui/common"
)

// watched is the replay's root model, noting when its frames first show the timeline and when
// they show the reading over.
type watched struct {
	tea.Model
	mu               sync.Mutex
	start            time.Time
	first, read      time.Duration
	quitOnFirst      bool
	frames, readings int
}

func (w *watched) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := w.Model.Update(msg)
	return w, cmd
}

func (w *watched) View() tea.View {
	v := w.Model.View()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.frames++
	shows := strings.Contains(v.Content, "playing 0/") || strings.Contains(v.Content, "playing 1/")
	reading := strings.Contains(v.Content, "reading…")
	if reading {
		w.readings++
	}
	if w.first == 0 && shows {
		w.first = time.Since(w.start)
	}
	if w.first != 0 && w.read == 0 && !reading {
		w.read = time.Since(w.start)
	}
	return v
}

// replayProgram runs `hopscope replay path` as runReplay does, in a 100x30 screen that draws
// nowhere, and returns when the first frame shows the timeline (untilRead false) or when the
// reading is over (true).
func replayProgram(tb testing.TB, kb *knowledge.Base, path string, untilRead bool) *watched {
	start := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	updates := analyze.Stream(ctx, kb, []string{path}, nil, analyze.Options{}, readInterval)
	held, whole := firstUpdates(updates, firstWait)
	if whole {
		tb.Fatalf("%s was read within %v: too small to measure", path, firstWait)
	}
	open := &common.OpenMsg{Title: replayTitle([]string{path}), Files: common.Disk{}, Replay: true, Reading: updates, Read: held}
	w := &watched{Model: ui.New(kb, ui.Options{Open: open}), start: start}
	p := tea.NewProgram(w, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithWindowSize(100, 30), tea.WithoutSignals(), tea.WithContext(ctx))
	go func() {
		for {
			time.Sleep(5 * time.Millisecond)
			w.mu.Lock()
			over := w.first != 0 && (!untilRead || w.read != 0)
			w.mu.Unlock()
			if over {
				p.Quit()
				return
			}
		}
	}()
	if _, err := p.Run(); err != nil {
		tb.Fatal(err)
	}
	cancel()
	for range updates {
	}
	return w
}

// BenchmarkReplayFirstScreen measures `hopscope replay` of the capture named by
// HOPSCOPE_BENCH_PCAP (go run ./capture/internal/synth/gencap -o /tmp/big.pcap -size 1000): from
// the start of the reading to the first frame that shows the timeline ("first-ms"), and, in
// "until-read", on to the first frame after the last byte is read ("read-ms").
func BenchmarkReplayFirstScreen(b *testing.B) {
	path := os.Getenv("HOPSCOPE_BENCH_PCAP")
	if path == "" {
		b.Skip("set HOPSCOPE_BENCH_PCAP to a large capture file (go run ./capture/internal/synth/gencap)")
	}
	kb, err := knowledge.Default()
	if err != nil {
		b.Fatal(err)
	}
	median := func(ds []time.Duration) float64 {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return float64(ds[len(ds)/2]) / float64(time.Millisecond)
	}
	b.Run("first", func(b *testing.B) {
		var firsts []time.Duration
		for b.Loop() {
			firsts = append(firsts, replayProgram(b, kb, path, false).first)
		}
		b.ReportMetric(median(firsts), "first-ms")
	})
	b.Run("until-read", func(b *testing.B) {
		var firsts, reads []time.Duration
		for b.Loop() {
			w := replayProgram(b, kb, path, true)
			firsts, reads = append(firsts, w.first), append(reads, w.read)
		}
		b.ReportMetric(median(firsts), "first-ms")
		b.ReportMetric(median(reads), "read-ms")
	})
}
