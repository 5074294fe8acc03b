package capture

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/hopscope/hopscope/capture/internal/synth"
	"github.com/hopscope/hopscope/diagnose"
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

// TestLivePipeFindingsComeEarly holds a finding made at a packet (a 502 answer) to arrive while
// the pipe it came through is still open, with one worker and with several: batches must not
// wait for packets that have not been captured yet.
func TestLivePipeFindingsComeEarly(t *testing.T) {
	var buf bytes.Buffer
	w, _ := synth.NewWriter(&buf, layers.LinkTypeEthernet, false)
	c := w.NewConn(t0, ap(v4.client, 40001), ap(v4.backend, 80))
	c.Handshake(0, ms)
	c.Data(2*ms, true, []byte("GET /orders HTTP/1.1\r\nHost: b\r\n\r\n"))
	c.Data(3*ms, false, []byte("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"))
	for _, workers := range []int{1, 2} {
		pr, pw := io.Pipe()
		got := make(chan string, 16)
		done := make(chan error, 1)
		go func() {
			_, err := Analyze(context.Background(), pr, Options{Name: "live", Workers: workers, Trace: &Trace{Evidence: func(ev diagnose.Evidence) { got <- ev.Signal }}})
			done <- err
		}()
		pw.Write(buf.Bytes())
		select {
		case s := <-got:
			if s != "http.response.502" {
				t.Errorf("workers=%d: first finding %s, want http.response.502", workers, s)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("workers=%d: no finding while the pipe stays open", workers)
		}
		pw.Close()
		if err := <-done; err != nil {
			t.Errorf("workers=%d: %v", workers, err)
		}
	}
}
