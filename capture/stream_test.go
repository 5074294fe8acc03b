package capture

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestStreamDeliversEverything reads a slow pipe through Stream and checks that the batches add up
// to what Analyze finds and that the last update carries the summary.
func TestStreamDeliversEverything(t *testing.T) {
	all := build(t, layers.LinkTypeLinuxSLL2, true, v4, scenarios[2].build)
	want, wantEv := analyzeBytes(t, all)
	pr, pw := io.Pipe()
	go func() {
		// The first half at once, the rest after a pause, as a live capture trickles in.
		half := len(all) / 2
		pw.Write(all[:half])
		time.Sleep(300 * time.Millisecond)
		pw.Write(all[half:])
		pw.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var (
		evs, flows int
		last       Update
		updates    int
	)
	for u := range Stream(ctx, pr, Options{Name: "x.pcap"}, 20*time.Millisecond) {
		updates++
		evs += len(u.Evidence)
		flows += len(u.Flows)
		last = u
	}
	if last.Summary == nil || last.Err != nil || !last.Progress.Done {
		t.Fatalf("last update %+v", last)
	}
	if last.Summary.Packets != want.Packets || evs != len(wantEv) || flows != want.Flows {
		t.Errorf("streamed %d packets, %d findings, %d flows; want %d, %d, %d", last.Summary.Packets, evs, flows, want.Packets, len(wantEv), want.Flows)
	}
	if updates < 1 {
		t.Errorf("%d updates", updates)
	}
}
