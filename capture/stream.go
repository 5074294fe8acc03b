package capture

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// Update is a batch of what an analysis in progress has found since the previous one.
type Update struct {
	Progress Progress
	// Evidence made since the previous update, in the order it was made.
	Evidence []diagnose.Evidence
	// Flows finished since the previous update.
	Flows []*Flow
	// Summary and Err are set on the last update only.
	Summary *Summary
	Err     error
}

// Stream runs Analyze on its own goroutine and sends what it finds in batches, at most one every
// interval (a screen needs no more than 10 to 20 a second), so that a viewer can show the first
// findings of a large capture or a live pipe while the rest is read. The channel is closed after
// the last update (the one with Summary or Err set). Hooks already in opts.Trace are called too.
// The analysis waits for the receiver when it falls behind; cancel ctx to stop it.
func Stream(ctx context.Context, r io.Reader, opts Options, interval time.Duration) <-chan Update {
	out := make(chan Update)
	var (
		mu      sync.Mutex
		pending Update
	)
	user := Trace{}
	if opts.Trace != nil {
		user = *opts.Trace
	}
	opts.Trace = &Trace{
		Packet: user.Packet,
		Progress: func(p Progress) {
			if user.Progress != nil {
				user.Progress(p)
			}
			mu.Lock()
			pending.Progress = p
			mu.Unlock()
		},
		Evidence: func(ev diagnose.Evidence) {
			if user.Evidence != nil {
				user.Evidence(ev)
			}
			mu.Lock()
			pending.Evidence = append(pending.Evidence, ev)
			mu.Unlock()
		},
		FlowDone: func(f *Flow) {
			if user.FlowDone != nil {
				user.FlowDone(f)
			}
			mu.Lock()
			pending.Flows = append(pending.Flows, f)
			mu.Unlock()
		},
	}
	take := func() Update {
		mu.Lock()
		defer mu.Unlock()
		u := pending
		pending = Update{Progress: u.Progress}
		return u
	}
	done := make(chan struct{})
	var (
		sum Summary
		err error
	)
	go func() {
		sum, err = Analyze(ctx, r, opts)
		close(done)
	}()
	go func() {
		defer close(out)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				u := take()
				u.Summary, u.Err = &sum, err
				if err == nil {
					u.Progress = Progress{Packets: sum.Packets, Bytes: sum.Bytes, Time: sum.Last, Done: true}
				}
				select {
				case out <- u:
				case <-ctx.Done():
				}
				return
			case <-tick.C:
				u := take()
				if len(u.Evidence) == 0 && len(u.Flows) == 0 && u.Progress.Packets == 0 {
					continue
				}
				select {
				case out <- u:
				case <-done:
					// Deliver this batch with the last one rather than drop it.
					mu.Lock()
					pending.Evidence = append(u.Evidence, pending.Evidence...)
					pending.Flows = append(u.Flows, pending.Flows...)
					mu.Unlock()
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}
