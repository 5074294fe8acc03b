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

// sweepEvery is how many packets pass between sweeps of the whole table for idle connections;
// closed ones leave through the closed queue, looked at every retireEvery packets.
const (
	sweepEvery  = 1 << 17
	retireEvery = 1 << 10
)

// maxWaiting bounds the requests remembered as awaiting an answer (to find proxy hops).
const maxWaiting = 16

// table is the flow table: the open connections by endpoints, and what links them.
type table struct {
	flows   map[flowKey]*Flow
	nextID  int
	waiting []*Flow           // recent connections with a request awaiting an answer
	proxies map[Endpoint]bool // servers seen acting as proxies
	now     int64             // the latest capture time seen
	packets int64             // packets seen since the last sweep
	closedQ []*Flow           // closed connections in the order they closed, to be retired
	last    *Flow             // the connection of the previous packet
	lastKey flowKey
	finish  func(*Flow)        // called once per connection when it is finished
	event   func(*Flow, event) // called for findings that happen at one packet
}

func newTable(finish func(*Flow), ev func(*Flow, event)) *table {
	return &table{flows: map[flowKey]*Flow{}, proxies: map[Endpoint]bool{}, finish: finish, event: ev}
}

// packet feeds one decoded segment (or ICMP error) to the table.
func (t *table) packet(p *Packet, s *Segment, res decodeResult) {
	t.now = max(t.now, p.Time)
	if t.packets++; t.packets%retireEvery == 0 {
		if t.packets >= sweepEvery {
			t.sweep(false)
		}
		t.retire()
	}
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
		f = t.open(k, s, p)
	}
	t.last, t.lastKey = f, k
	dir := toServer
	if s.SrcPort != f.Client.Port || s.Src != f.Client.Addr {
		dir = toClient
	}
	t.update(f, dir, s, p)
}

// reopened reports whether a SYN starts a new connection on endpoints an old one used.
func (f *Flow) reopened(s *Segment) bool {
	if f.syn.n == 0 {
		return true
	}
	return s.Seq != f.syn.seq
}

// open adds a connection on its first packet.
func (t *table) open(k flowKey, s *Segment, p *Packet) *Flow {
	t.nextID++
	f := &Flow{ID: t.nextID, FirstPacket: p.Number, Start: p.Time, End: p.Time, firstPayloadDir: -1}
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
	if !f.Midstream && t.proxies[f.Server] {
		f.Role = RoleFront
	}
	if !f.Midstream {
		t.link(f)
	}
	t.flows[k] = f
	return f
}

// link finds a request waiting on another connection when this one opens: then this connection is
// the proxy's hop to its backend and that one the hop into the proxy.
func (t *table) link(f *Flow) {
	if f.Role == RoleFront {
		return // a new connection into a known proxy is a client's, not a proxy's hop
	}
	for i := len(t.waiting) - 1; i >= 0; i-- {
		w := t.waiting[i]
		// A proxy's own backend connection waiting for its answer is no front: only a
		// connection that is not itself a hop behind a proxy can be one.
		if w.done || w.Role == RoleBackend || w.Server == f.Server || w.Server == f.Client || w.Client == f.Server {
			continue
		}
		f.Role = RoleBackend
		f.front = w
		f.viaConnect = w.httpSeen().req.Method == "CONNECT"
		w.Role = RoleFront
		t.proxies[w.Server] = true
		return
	}
}

// wait remembers a connection whose request awaits an answer.
func (t *table) wait(f *Flow) {
	if f.waiting {
		return
	}
	f.waiting = true
	if len(t.waiting) == maxWaiting {
		t.waiting[0].waiting = false
		copy(t.waiting, t.waiting[1:])
		t.waiting = t.waiting[:maxWaiting-1]
	}
	t.waiting = append(t.waiting, f)
}

// answered forgets a connection whose request was answered.
func (t *table) answered(f *Flow) {
	if !f.waiting {
		return
	}
	f.waiting = false
	for i, w := range t.waiting {
		if w == f {
			t.waiting = append(t.waiting[:i], t.waiting[i+1:]...)
			return
		}
	}
}

// isClosed reports whether a connection has ended: reset, refused, or closed both ways.
func (f *Flow) isClosed() bool {
	return f.rstPkt[0] != 0 || f.rstPkt[1] != 0 || f.finPkt[0] != 0 && f.finPkt[1] != 0 || f.rejected
}

// closing queues a connection that just closed, to be retired once it has been quiet a while.
func (t *table) closing(f *Flow) {
	if !f.queued {
		f.queued = true
		t.closedQ = append(t.closedQ, f)
	}
}

// retire finishes the closed connections that have been quiet for closedLinger.
func (t *table) retire() {
	i := 0
	for ; i < len(t.closedQ); i++ {
		f := t.closedQ[i]
		if f.done {
			continue
		}
		if t.now-f.End <= closedLinger {
			break
		}
		t.finalize(f)
	}
	n := copy(t.closedQ, t.closedQ[i:])
	clear(t.closedQ[n:])
	t.closedQ = t.closedQ[:n]
}

// sweep finishes connections that are closed and quiet, or idle for long; all of them at the end.
func (t *table) sweep(all bool) {
	t.packets = 0
	var fin []*Flow
	for _, f := range t.flows {
		limit := int64(idleLimit)
		switch {
		case !f.Established():
			limit = synIdleLimit
		case f.finPkt[toServer] != 0 || f.finPkt[toClient] != 0:
			limit = halfClosedLimit
		}
		if all || t.now-f.End > limit {
			fin = append(fin, f)
		}
	}
	// Map order is random; finishing in order of appearance keeps the findings reproducible.
	slices.SortFunc(fin, func(a, b *Flow) int { return a.ID - b.ID })
	for _, f := range fin {
		t.finalize(f)
	}
}

// finalize hands a finished connection to the findings, once.
func (t *table) finalize(f *Flow) {
	if f.done {
		return
	}
	f.done = true
	t.answered(f)
	if cur := t.flows[keyOf2(f)]; cur == f {
		delete(t.flows, keyOf2(f))
	}
	t.finish(f)
}

func keyOf2(f *Flow) flowKey {
	x, y := f.Client, f.Server
	if less(y, x) {
		x, y = y, x
	}
	return flowKey{x, y}
}
