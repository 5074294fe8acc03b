package capture

import (
	"encoding/binary"
	"math"
)

// nBuckets is how many parts the flow table is cut into by a hash of the endpoints. Workers own
// whole buckets, and everything a table decides alone (when a connection retires, which one
// gives way when too many have not opened) is decided per bucket: so the number of workers
// changes nothing in the result.
const nBuckets = 64

// bucketOf returns the bucket of a segment's connection: the same both ways, as the hash adds
// up what it takes from either end.
func bucketOf(s *Segment) uint8 {
	lo := binary.LittleEndian.Uint64(s.Src[8:]) + binary.LittleEndian.Uint64(s.Dst[8:])
	hi := binary.LittleEndian.Uint64(s.Src[:8]) + binary.LittleEndian.Uint64(s.Dst[:8])
	ports := uint64(s.SrcPort) + uint64(s.DstPort) | uint64(s.SrcPort)*uint64(s.DstPort)<<20
	h := lo*0x9e3779b97f4a7c15 ^ hi*0xc2b2ae3d27d4eb4f ^ ports*0x165667b19e3779f9
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	return uint8(h >> (64 - 6))
}

// The hash takes 6 bits: nBuckets must match.
var _ = [1]struct{}{}[nBuckets-64]

// The kinds of op a table records for links.
const (
	opOpen     = iota + 1 // a connection appeared
	opRequest             // a request was seen on it
	opAnswered            // its request was answered, or the server closed
	opEvent               // a finding at a packet (snap holds the connection as it was)
	opFinish              // the connection is finished
	opSwap                // its first bytes showed client and server the other way round
)

// The phases of one packet, in the order one table would go through them: the sweep for idle
// connections, the retirement of closed ones, then the packet itself.
const (
	phaseSweep = iota
	phaseRetire
	phasePacket
)

// endPacket is the packet number of the final sweep, after every packet.
const endPacket = math.MaxInt64

// opKey orders ops as one table would have made them: by packet, phase, then within the phase
// (the order of appearance for a sweep, of closing for a retirement, of making for a packet).
type opKey struct {
	pkt   int64
	phase uint8
	sub   int64
}

func (a opKey) less(b opKey) bool {
	if a.pkt != b.pkt {
		return a.pkt < b.pkt
	}
	if a.phase != b.phase {
		return a.phase < b.phase
	}
	return a.sub < b.sub
}

// op is one thing a table saw that links must know, in the order it happened. Ops are made for
// every connection several times, so they are kept small: the endpoints are in the hop.
type op struct {
	key     opKey
	kind    uint8
	ev      event
	connect bool // opRequest: the request is a CONNECT
	f       *Flow
	snap    *snapshot // opEvent: the connection at that packet
	now     int64     // opFinish: the table's clock
}

// emit records an op at the table's current order key.
func (t *table) emit(o op) {
	o.key = t.at
	if t.at.phase == phasePacket {
		t.at.sub++
	}
	t.ops = append(t.ops, o)
}

// mergeOps applies the ops of several tables to l in their order. Each table's ops are already
// in order, so this is a merge.
func mergeOps(l *links, lists [][]op) {
	if len(lists) == 1 {
		for i := range lists[0] {
			l.apply(&lists[0][i])
		}
		return
	}
	pos := make([]int, len(lists))
	for {
		best := -1
		for w, ops := range lists {
			if pos[w] < len(ops) && (best < 0 || ops[pos[w]].key.less(lists[best][pos[best]].key)) {
				best = w
			}
		}
		if best < 0 {
			return
		}
		l.apply(&lists[best][pos[best]])
		pos[best]++
	}
}
