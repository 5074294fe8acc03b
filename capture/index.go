package capture

import (
	"sync"
	"sync/atomic"
)

// indexChunk is how many entries an Index allocates at a time: growing in chunks, never by copying
// everything, keeps the peak at the index's size rather than twice it.
const indexChunk = 1 << 16

// IndexEntry locates one packet: where its record starts in the stream and its capture time.
type IndexEntry struct {
	Offset int64
	Time   int64
}

// Index is the packet index a viewer pages through: 16 bytes a packet, so a capture of ten million
// packets costs 160 MB, and only the packets on screen need to be read again. One goroutine (the
// analysis) adds to it while others read it.
type Index struct {
	mu     sync.RWMutex
	chunks [][]IndexEntry
	cur    []IndexEntry // the chunk being filled; only the writer touches it
	n      atomic.Int64
}

func (x *Index) add(off, t int64) {
	n := x.n.Load()
	i := n % indexChunk
	if i == 0 {
		x.cur = make([]IndexEntry, indexChunk)
		x.mu.Lock()
		x.chunks = append(x.chunks, x.cur)
		x.mu.Unlock()
	}
	x.cur[i] = IndexEntry{off, t}
	x.n.Store(n + 1)
}

// Len returns the number of packets indexed so far.
func (x *Index) Len() int64 { return x.n.Load() }

// At returns the entry of packet number n (from 1, as packets are numbered).
func (x *Index) At(n int64) (IndexEntry, bool) {
	if n < 1 || n > x.n.Load() {
		return IndexEntry{}, false
	}
	i := n - 1
	x.mu.RLock()
	c := x.chunks[i/indexChunk]
	x.mu.RUnlock()
	return c[i%indexChunk], true
}
