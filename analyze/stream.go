package analyze

import (
	"context"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// Update is a batch of what a Collect in progress has found since the previous one.
type Update struct {
	// Evidence found since the previous update, in the order it was found (not yet in time
	// order: findings about a connection are made when it ends).
	Evidence []diagnose.Evidence
	// Attempts reported since the previous update, in the order reported.
	Attempts []diagnose.Attempt
	// Read is how many bytes of the inputs have been read (a gzipped file counts as stored),
	// Total how many there are in all; Total is 0 when it cannot be known (standard input).
	Read, Total int64
	// Done is set on the last update, which also holds what Collect returns besides the
	// evidence: the inputs and the first failure.
	Done   bool
	Inputs []diagnose.Input
	Err    error
}

// Stream runs Collect on its own goroutine and sends what it finds in batches, at most one every
// interval (a screen needs no more than 10 to 20 a second), so that a screen can show the start of
// a large capture while the rest is read. Handing every update's Evidence and Attempts to a
// Timeline, in order, gives what Collect would have returned. The channel is closed after the
// last update (Done set). The reading waits for the receiver; cancel ctx to stop it, and keep
// receiving until the channel is closed to know that it has stopped.
func Stream(ctx context.Context, kb *knowledge.Base, paths []string, stdin io.Reader, opts Options, interval time.Duration) <-chan Update {
	out := make(chan Update)
	var (
		mu      sync.Mutex
		pending Update
		read    atomic.Int64
	)
	opts.read = &read
	opts.evidence = func(ev diagnose.Evidence) {
		mu.Lock()
		pending.Evidence = append(pending.Evidence, ev)
		mu.Unlock()
	}
	opts.attemptsPerHop = keptLogAttempts
	opts.attempt = func(a diagnose.Attempt) {
		a.Signals = slices.Clone(a.Signals) // the source reuses them
		mu.Lock()
		pending.Attempts = append(pending.Attempts, a)
		mu.Unlock()
	}
	take := func() Update {
		mu.Lock()
		defer mu.Unlock()
		u := pending
		pending = Update{Total: u.Total}
		u.Read = read.Load()
		return u
	}
	done := make(chan struct{})
	var last Update
	go func() {
		defer close(done)
		total := inputSize(paths)
		mu.Lock()
		pending.Total = total
		mu.Unlock()
		_, last.Inputs, last.Err = collect(ctx, kb, paths, stdin, opts)
	}()
	go func() {
		defer close(out)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				u := take()
				u.Done, u.Inputs, u.Err = true, last.Inputs, last.Err
				out <- u // the last one is always delivered: it says the reading has stopped
				return
			case <-tick.C:
				u := take()
				select {
				case out <- u:
				case <-done:
					// Deliver this batch with the last one rather than drop it.
					mu.Lock()
					pending.Evidence = append(u.Evidence, pending.Evidence...)
					pending.Attempts = append(u.Attempts, pending.Attempts...)
					mu.Unlock()
				}
			}
		}
	}()
	return out
}

// inputSize adds up the sizes of the regular files among paths and in the folders named; "-" and
// anything that cannot be looked at count nothing.
func inputSize(paths []string) int64 {
	var n int64
	for _, p := range paths {
		if p == "-" {
			continue
		}
		_ = filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
			return nil
		})
	}
	return n
}

// counted counts the bytes read through it.
type counted struct {
	r io.Reader
	n *atomic.Int64
}

func (c counted) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// countReads returns r counting what is read from it when opts asks for that.
func countReads(r io.Reader, opts Options) io.Reader {
	if opts.read == nil {
		return r
	}
	return counted{r: r, n: opts.read}
}

// Timeline is the evidence of a Collect kept in the order Collect returns it (by time, ties in the
// order found) while it is still being found, with the attempts reported so far: Finish, once all
// is read, hands the attempts to the pieces as Collect does (each to the first piece not earlier
// than it). Until then Attempts says which attempts go with a piece. The zero value is empty and
// ready.
type Timeline struct {
	evs  []diagnose.Evidence
	atts []diagnose.Attempt // in the order reported
	// byTime indexes atts sorted by time (ties in the order reported); fresh indexes those
	// reported since it was last sorted.
	byTime, fresh []int32
}

// Add puts a piece of evidence in its place and returns its index; the pieces from there on moved
// one place on.
func (t *Timeline) Add(ev diagnose.Evidence) int {
	i := upper(len(t.evs), func(j int) bool { return t.evs[j].At.After(ev.At) })
	ev.Attempts = nil
	t.evs = slices.Insert(t.evs, i, ev)
	return i
}

// AddAttempt records an attempt and returns the index of the piece it goes with: the first not
// earlier than it, or len(Evidence()) when it is later than every piece so far.
func (t *Timeline) AddAttempt(a diagnose.Attempt) int {
	t.fresh = append(t.fresh, int32(len(t.atts)))
	t.atts = append(t.atts, a)
	return upper(len(t.evs), func(j int) bool { return !t.evs[j].At.Before(a.At) })
}

// Attempts calls f with each attempt that goes with piece i so far, in time order: those later
// than the piece before it and not later than it.
func (t *Timeline) Attempts(i int, f func(diagnose.Attempt)) {
	t.sortAttempts()
	at := func(k int) time.Time { return t.atts[t.byTime[k]].At }
	lo := 0
	if i > 0 {
		prev := t.evs[i-1].At
		lo = upper(len(t.byTime), func(k int) bool { return at(k).After(prev) })
	}
	end := t.evs[i].At
	for k := lo; k < len(t.byTime) && !at(k).After(end); k++ {
		f(t.atts[t.byTime[k]])
	}
}

// sortAttempts merges the attempts reported since the last call into byTime.
func (t *Timeline) sortAttempts() {
	if len(t.fresh) == 0 {
		return
	}
	cmpAt := func(a, b int32) int {
		if c := t.atts[a].At.Compare(t.atts[b].At); c != 0 {
			return c
		}
		return int(a - b)
	}
	slices.SortFunc(t.fresh, cmpAt)
	merged := make([]int32, 0, len(t.byTime)+len(t.fresh))
	i, j := 0, 0
	for i < len(t.byTime) && j < len(t.fresh) {
		if cmpAt(t.byTime[i], t.fresh[j]) <= 0 {
			merged = append(merged, t.byTime[i])
			i++
		} else {
			merged = append(merged, t.fresh[j])
			j++
		}
	}
	merged = append(append(merged, t.byTime[i:]...), t.fresh[j:]...)
	t.byTime, t.fresh = merged, t.fresh[:0]
}

// Finish hands the attempts to the pieces as Collect does once all is read (those later than
// every piece to the last one, or to a piece of their own when there is no evidence).
func (t *Timeline) Finish() {
	t.evs = withAttempts(t.evs, t.atts)
	t.atts, t.byTime, t.fresh = nil, nil, nil
}

// Evidence returns the timeline; the caller must not modify it.
func (t *Timeline) Evidence() []diagnose.Evidence { return t.evs }

// upper returns the smallest i in [0, n) for which after(i) holds, n if none: after must be false
// and then true along the range.
func upper(n int, after func(int) bool) int {
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if after(m) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}
