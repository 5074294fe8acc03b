package capture

import "slices"

// closedLinger is how long (in capture time) a closed connection stays in the table: long enough
// for the retransmitted FINs and RSTs that follow a close to land on it rather than open a new
// midstream connection.
const closedLinger = 2e9

// idleLimit is how long an open connection may stay silent before it is taken as finished, so
// that a capture of many short connections keeps a table of the live ones only. Proxies keep
// idle backend connections for seconds to a minute or two; this outlasts them. A connection not
// yet accepted only waits for the next SYN, sent at most 32 s after the previous one (Linux
// doubles the gap from 1 s); one closed on one side only waits for the other side's FIN, which
// Linux gives 60 s (tcp_fin_timeout).
const (
	idleLimit       = 300e9
	synIdleLimit    = 40e9
	halfClosedLimit = 65e9
)

// sweepEvery is how many packets pass between sweeps for idle connections; closed ones leave
// through the closed queue, looked at every retireEvery packets.
const (
	sweepEvery  = 1 << 17
	retireEvery = 1 << 10
)

// maxUnopened bounds the connections kept that have not opened (a SYN with no answer yet, a
// refused one lingering, a segment of a connection that started before the capture and has shown
// nothing from its server): a SYN flood or a scan makes millions of them, each costing most of a
// kilobyte. A busy gateway retrying a dead backend has a few thousand at once. Past the bound the
// oldest is judged on what it showed so far.
const maxUnopened = 1 << 13

// table is the flow table of one worker: the open connections of the buckets it owns, by
// endpoints. What links connections (a proxy's two hops) is not here but in links, which a
// table reaches only through the ops it records.
type table struct {
	flows   map[flowKey]*Flow
	buckets [nBuckets]bucket
	owns    func(b uint8) bool
	now     int64 // the latest capture time seen, over every packet of the capture
	packets int64 // packets seen since the last sweep, over every packet of the capture
	last    *Flow // the connection of the previous packet
	lastKey flowKey
	// at is the order key of the ops being recorded; ops collects them.
	at  opKey
	ops []op
	// given counts connections judged early because of maxUnopened.
	given int64
	snaps []*snapshot // free for reuse
	strs  interner
}

func newTable(owns func(uint8) bool) *table {
	return &table{flows: map[flowKey]*Flow{}, owns: owns}
}

// tick advances the table's clock with a packet of the capture, whoever owns it: sweeps and
// retirements happen at the same packets whatever the number of workers.
func (t *table) tick(p *Packet) {
	t.now = max(t.now, p.Time)
	if t.packets++; t.packets%retireEvery == 0 {
		if t.packets >= sweepEvery {
			t.sweep(false, p.Number)
		}
		t.retire(p.Number)
	}
}

// packet feeds one decoded segment (or ICMP error) of a bucket the table owns to it; b is its
// bucket.
func (t *table) packet(p *Packet, s *Segment, res decodeResult, b uint8) {
	t.at = opKey{pkt: p.Number, phase: phasePacket}
	k := keyOf(s)
	// Packets come in bursts per connection: the last one looked up is often the next.
	f := t.last
	if f == nil || t.lastKey != k || f.done {
		f = t.flows[k]
	}
	if res == decodedICMP {
		// The error quotes a segment the client sent; only a connection still waiting for its
		// SYN-ACK is "unreachable" in the sense of the playbooks.
		if f != nil && f.unreachPkt == 0 && s.Src == f.Client.Addr && s.SrcPort == f.Client.Port {
			f.unreachPkt, f.unreachCode, f.unreachV6 = p.Number, s.ICMPCode, s.V6
			f.LastPacket = p.Number
		}
		return
	}
	syn := s.Flags&(flagSYN|flagACK) == flagSYN
	if f != nil && syn && f.reopened(s) {
		t.finalize(f)
		f = nil
	}
	if f == nil {
		f = t.open(k, s, p, b)
	}
	t.last, t.lastKey = f, k
	dir := toServer
	if s.SrcPort != f.Client.Port || s.Src != f.Client.Addr {
		dir = toClient
	}
	t.update(f, dir, s, p)
	if f.End-f.touched >= touchEvery {
		t.buckets[f.bucket].touch(f)
	}
	if f.unopened && f.Established() {
		f.unopened = false
		t.buckets[f.bucket].nUnopened--
	}
}

// reopened reports whether a SYN starts a new connection on endpoints an old one used.
func (f *Flow) reopened(s *Segment) bool {
	if f.syn.n == 0 {
		return true
	}
	return s.Seq != f.syn.seq
}

// open adds a connection on its first packet.
func (t *table) open(k flowKey, s *Segment, p *Packet, b uint8) *Flow {
	f := &Flow{FirstPacket: p.Number, Start: p.Time, End: p.Time, touched: p.Time, firstPayloadDir: -1, hop: &hop{}, bucket: b}
	src, dst := Endpoint{s.Src, s.SrcPort}, Endpoint{s.Dst, s.DstPort}
	switch {
	case s.Flags&(flagSYN|flagACK) == flagSYN:
		f.Client, f.Server = src, dst
	case s.Flags&(flagSYN|flagACK) == flagSYN|flagACK:
		f.Client, f.Server = dst, src
	default:
		// Opened before the capture: guess the client as the side with the ephemeral (higher)
		// port until its first bytes say otherwise (see sniff).
		f.Midstream = true
		f.Client, f.Server = src, dst
		if s.DstPort > s.SrcPort {
			f.Client, f.Server = dst, src
		}
	}
	bk := &t.buckets[b]
	if bk.nUnopened >= maxUnopened/nBuckets {
		t.giveUpOldest(bk)
	}
	bk.addUnopened(f)
	bk.push(f)
	t.flows[k] = f
	f.hop.client, f.hop.server, f.hop.midstream = f.Client, f.Server, f.Midstream
	t.emit(op{kind: opOpen, f: f})
	return f
}

// giveUpOldest judges the oldest connection of a bucket that has not opened, to make room.
func (t *table) giveUpOldest(bk *bucket) {
	i := 0
	for ; i < len(bk.unopened); i++ {
		if f := bk.unopened[i]; f.unopened && !f.done {
			i++
			t.given++
			t.finalize(f)
			break
		}
	}
	clear(bk.unopened[:i])
	bk.unopened = bk.unopened[i:]
}

// wait records that a connection's latest request awaits an answer.
func (t *table) wait(f *Flow) {
	t.emit(op{kind: opRequest, f: f, connect: f.http.req.Method == "CONNECT"})
}

// swap turns a midstream connection around (see Flow.swap) and tells links.
func (t *table) swap(f *Flow) {
	f.swap()
	t.emit(op{kind: opSwap, f: f})
}

// answered records that a connection's request was answered (or the server closed).
func (t *table) answered(f *Flow) { t.emit(op{kind: opAnswered, f: f}) }

// event records a finding made at a packet, with the connection as it is at that packet.
func (t *table) event(f *Flow, ev event) {
	t.emit(op{kind: opEvent, f: f, snap: t.snapshot(f), ev: ev})
}

// snapshot copies a connection's state as it is now.
func (t *table) snapshot(f *Flow) *snapshot {
	var sn *snapshot
	if k := len(t.snaps); k > 0 {
		sn, t.snaps = t.snaps[k-1], t.snaps[:k-1]
	} else {
		sn = new(snapshot)
	}
	sn.flow = *f
	if f.http != nil {
		sn.http = *f.http
		sn.flow.http = &sn.http
	}
	if f.zero != nil {
		sn.zero = *f.zero
		sn.flow.zero = &sn.zero
	}
	sn.flow.tls, sn.flow.h[0].rto, sn.flow.h[1].rto = nil, nil, nil // state the findings of an event do not read
	sn.flow.prev, sn.flow.next, sn.flow.hop = nil, nil, nil
	return sn
}

// snapshot is a connection's state at one packet, with its HTTP and zero-window state, in one
// allocation. It is
// reused once its op has been applied, so the findings must not keep it.
type snapshot struct {
	flow Flow
	http httpState
	zero zeroWindows
}

// reuse takes back the ops links has applied, and their snapshots.
func (t *table) reuse(ops []op) {
	for i := range ops {
		if sn := ops[i].snap; sn != nil {
			t.snaps = append(t.snaps, sn)
		}
	}
	clear(ops)
	t.ops = ops[:0]
}

// isClosed reports whether a connection has ended: reset, refused, or closed both ways.
func (f *Flow) isClosed() bool {
	return f.rstPkt[0] != 0 || f.rstPkt[1] != 0 || f.finPkt[0] != 0 && f.finPkt[1] != 0 || f.rejected
}

// closing queues a connection that just closed, to be retired once it has been quiet a while.
func (t *table) closing(f *Flow) {
	if !f.queued {
		f.queued = true
		f.queuedAt = t.at.pkt
		bk := &t.buckets[f.bucket]
		bk.closedQ = append(bk.closedQ, f)
	}
}

// retire finishes the closed connections that have been quiet for closedLinger, in the order
// they closed.
func (t *table) retire(pkt int64) {
	var fin []*Flow
	for b := range t.buckets {
		if !t.owns(uint8(b)) {
			continue
		}
		bk := &t.buckets[b]
		i := 0
		for ; i < len(bk.closedQ); i++ {
			f := bk.closedQ[i]
			if f.done {
				continue
			}
			if t.now-f.End <= closedLinger {
				break
			}
			fin = append(fin, f)
		}
		n := copy(bk.closedQ, bk.closedQ[i:])
		clear(bk.closedQ[n:])
		bk.closedQ = bk.closedQ[:n]
	}
	slices.SortFunc(fin, func(a, b *Flow) int { return int(a.queuedAt - b.queuedAt) })
	for _, f := range fin {
		t.at = opKey{pkt: pkt, phase: phaseRetire, sub: f.queuedAt}
		t.finalize(f)
	}
}

// sweep finishes connections idle for long (all of them at the end). It walks each bucket from
// its least recently active connection and stops at the first one active within the shortest
// limit, so it costs what it finishes, not the size of the table.
func (t *table) sweep(all bool, pkt int64) {
	t.packets = 0
	var fin []*Flow
	for b := range t.buckets {
		if !t.owns(uint8(b)) {
			continue
		}
		for f := t.buckets[b].head; f != nil; f = f.next {
			// The order is by touched, which End passes by less than touchEvery: past the
			// first connection touched within the shortest limit, none can be idle for longer.
			if !all && t.now-f.touched <= synIdleLimit {
				break
			}
			idle := t.now - f.End
			limit := int64(idleLimit)
			switch {
			case !f.Established():
				limit = synIdleLimit
			case f.finPkt[toServer] != 0 || f.finPkt[toClient] != 0:
				limit = halfClosedLimit
			}
			if all || idle > limit {
				fin = append(fin, f)
			}
		}
	}
	// Finishing in order of appearance keeps the findings reproducible.
	slices.SortFunc(fin, func(a, b *Flow) int { return int(a.FirstPacket - b.FirstPacket) })
	for _, f := range fin {
		t.at = opKey{pkt: pkt, phase: phaseSweep, sub: f.FirstPacket}
		t.finalize(f)
	}
}

// finalize takes a finished connection out of the table and hands it on, once.
func (t *table) finalize(f *Flow) {
	if f.done {
		return
	}
	f.done = true
	if cur := t.flows[keyOf2(f)]; cur == f {
		delete(t.flows, keyOf2(f))
	}
	bk := &t.buckets[f.bucket]
	bk.unlink(f)
	if f.unopened {
		f.unopened = false
		bk.nUnopened--
	}
	t.emit(op{kind: opFinish, f: f, now: t.now})
}

func keyOf2(f *Flow) flowKey {
	x, y := f.Client, f.Server
	if less(y, x) {
		x, y = y, x
	}
	return flowKey{x, y}
}
