package capture

import "sync"

// workerOut is what a worker hands back for one batch (b nil: the ops of the end).
type workerOut struct {
	b   *batch
	ops []op
}

// runSharded reads in one goroutine, follows the connections in n workers, each owning the
// buckets b with b%n == its number, and links in the calling goroutine, which merges the
// workers' ops in packet order.
func runSharded(in *intake, lk *links, n int) int64 {
	cr := &crash{}
	in.stop = cr.failed
	free := make(chan []byte, inFlight*n+2)
	batches := make(chan *batch, inFlight*n+2)
	made := 0
	in.rd.src.spare = func(size int) []byte {
		var buf []byte
		select {
		case buf = <-free:
		default:
			if made < cap(free) || cr.failed() {
				made++
				buf = make([]byte, batchBuf)
			} else {
				buf = <-free
			}
		}
		if len(buf) < size {
			buf = make([]byte, size)
		}
		return buf
	}
	ins := make([]chan *batch, n)
	outs := make([]chan workerOut, n)
	tables := make([]*table, n)
	backs := make([]chan []op, n)
	for w := range n {
		ins[w] = make(chan *batch, inFlight)
		outs[w] = make(chan workerOut, inFlight)
		backs[w] = make(chan []op, inFlight+2)
		tables[w] = newTable(func(b uint8) bool { return int(b)%n == w })
		go func(t *table, in <-chan *batch, out chan<- workerOut, back <-chan []op) {
			// After a panic the worker goes on taking batches and answering for them, empty,
			// so that the others can finish and the caller can raise it.
			broken := false
			for b := range in {
				select {
				case ops := <-back:
					t.reuse(ops)
				default:
				}
				var ops []op
				if !broken {
					broken = !cr.guard(func() { ops = t.run(b) })
				}
				out <- workerOut{b: b, ops: ops}
			}
			var ops []op
			if !broken {
				cr.guard(func() { ops = t.end() })
			}
			out <- workerOut{ops: ops}
			close(out)
		}(tables[w], ins[w], outs[w], backs[w])
	}
	go func() {
		defer func() {
			for _, c := range ins {
				close(c)
			}
		}()
		defer cr.recover()
		for {
			var b *batch
			select {
			case b = <-batches:
			default:
				b = &batch{}
			}
			more := in.next(b)
			for _, c := range ins {
				c <- b
			}
			if !more {
				return
			}
		}
	}()
	defer func() {
		if p := recover(); p != nil {
			// The findings failed: let the reading stop and the workers drain, then go on up.
			cr.set(p)
			for _, c := range outs {
				go func() {
					for range c {
					}
				}()
			}
			panic(p)
		}
	}()
	lists := make([][]op, n)
	for {
		var b *batch
		for w := range n {
			o := <-outs[w]
			lists[w], b = o.ops, o.b
		}
		if b == nil {
			break
		}
		if cr.failed() {
			continue
		}
		mergeOps(lk, lists)
		in.progress(b)
		for w, ops := range lists {
			select {
			case backs[w] <- ops:
			default:
			}
		}
		for _, buf := range b.bufs {
			if len(buf) >= batchBuf {
				select {
				case free <- buf:
				default:
				}
			}
		}
		select {
		case batches <- b:
		default:
		}
	}
	var given int64
	for w := range n {
		for range outs[w] {
		}
		given += tables[w].given
	}
	if p := cr.value(); p != nil {
		panic(p)
	}
	if in.err == nil {
		mergeOps(lk, lists)
	}
	return given
}

// crash holds the first panic of the reading or of a worker, to be raised again in the goroutine
// that called Analyze, where it would have happened with one worker.
type crash struct {
	mu sync.Mutex
	p  any
}

func (c *crash) set(p any) {
	c.mu.Lock()
	if c.p == nil {
		c.p = p
	}
	c.mu.Unlock()
}

func (c *crash) value() any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.p
}

func (c *crash) failed() bool { return c.value() != nil }

// recover, deferred, keeps a panic for the caller.
func (c *crash) recover() {
	if p := recover(); p != nil {
		c.set(p)
	}
}

// guard runs f and reports whether it returned without a panic.
func (c *crash) guard(f func()) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			c.set(p)
			ok = false
		}
	}()
	f()
	return true
}
