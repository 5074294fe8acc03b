package capture

// dupWindow is how close in time two copies of one segment on different interfaces must be to
// count as one packet seen twice: forwarding takes microseconds, the shortest retransmission
// timeout is 200 ms.
const dupWindow = 10e6

// update applies one segment to its connection. dir is toServer or toClient.
func (t *table) update(f *Flow, dir int, s *Segment, p *Packet) {
	f.Packets++
	f.LastPacket = p.Number
	h := &f.h[dir]
	sig := segSig{seq: s.Seq, ack: s.Ack, flags: s.Flags, iface: s.Iface, len: int32(s.Len), time: p.Time}
	if l := h.last; l.iface != sig.iface && l.seq == sig.seq && l.ack == sig.ack && l.flags == sig.flags && l.len == sig.len && sig.time-l.time < dupWindow && sig.time >= l.time {
		// The same segment on another interface: a capture on both sides of a router or bridge.
		f.Duplicates++
		return
	}
	h.last = sig
	f.End = max(f.End, p.Time)
	if dir == toClient && s.Flags&(flagRST|flagSYN) == 0 && f.synAckPkt == 0 && f.syn.n > 0 {
		// The server speaks, so it accepted: the capture lost the SYN-ACK.
		f.synAckPkt, f.synAckTime, f.synAckLost = p.Number, p.Time, true
	}
	if s.Flags&flagRST != 0 {
		f.mark(dir, 'R')
		if f.rstPkt[dir] == 0 {
			f.rstPkt[dir], f.rstTime[dir] = p.Number, p.Time
			if dir == toClient && f.synAckPkt == 0 && f.syn.n > 0 {
				f.rejected = true
			}
			t.closed(f, dir, p)
		}
		t.closing(f)
		return
	}
	if s.Flags&flagSYN != 0 {
		if s.Flags&flagACK == 0 {
			if dir == toServer {
				if f.syn.n == 0 {
					f.syn.seq = s.Seq
				}
				f.syn.add(p.Number, p.Time)
				f.mark(dir, 'S')
			}
		} else if dir == toClient {
			if f.synAckPkt == 0 {
				f.synAckPkt, f.synAckTime = p.Number, p.Time
				if f.syn.n > 0 {
					f.HandshakeRTT = p.Time - f.syn.time[min(f.syn.n, len(f.syn.time))-1]
				}
			}
			f.mark(dir, 'H')
		}
		h.hasSeq, h.next = true, s.Seq+1
	}
	if s.Flags&flagACK != 0 {
		h.ack, h.hasAck = s.Ack, true
		if s.Flags&(flagSYN|flagFIN) == 0 && s.Len == 0 {
			f.mark(dir, 'A')
		}
		if dir == toClient {
			t.serverAcked(f, s.Ack, p)
		}
	}
	if s.Flags&flagSYN == 0 && h.hasSeq {
		if s.Window == 0 {
			if f.zero == nil {
				f.zero = &zeroWindows{}
			}
			z := f.zero
			if z.since[dir] == 0 {
				z.since[dir] = p.Time
				if z.pkt[dir] == 0 {
					z.pkt[dir], z.at[dir] = p.Number, p.Time
				}
				z.count[dir]++
				f.mark(dir, 'W')
			}
			z.longest[dir] = max(z.longest[dir], p.Time-z.since[dir])
		} else if z := f.zero; z != nil && z.since[dir] != 0 {
			z.longest[dir] = max(z.longest[dir], p.Time-z.since[dir])
			z.since[dir] = 0
		}
	}
	if s.Len > 0 {
		if s.Flags&flagSYN != 0 {
			s.Seq++ // data in a SYN (TCP Fast Open) comes after the SYN's own sequence number
		}
		t.data(f, dir, s, p)
	}
	if s.Flags&flagFIN != 0 {
		end := s.Seq + uint32(s.Len) + 1
		// A FIN past a gap (its data still to come, out of order) must not move the sequence on,
		// or the data arriving after it would be taken for a retransmission and never read.
		if !h.hasSeq || int32(end-h.next) > 0 && int32(s.Seq-h.next) <= 0 {
			h.hasSeq, h.next = true, end
		}
		f.mark(dir, 'F')
		if f.finPkt[dir] == 0 {
			f.finPkt[dir], f.finTime[dir] = p.Number, p.Time
			t.closed(f, dir, p)
		}
		if f.isClosed() {
			t.closing(f)
		}
	}
}

// data handles a segment with payload: new bytes go to the sniffers, old ones count as a
// retransmission.
func (t *table) data(f *Flow, dir int, s *Segment, p *Packet) {
	h := &f.h[dir]
	if !h.hasSeq {
		h.hasSeq, h.next = true, s.Seq
	}
	end := s.Seq + uint32(s.Len)
	payload := s.Payload
	fresh := s.Len
	if rel := int32(s.Seq - h.next); rel < 0 {
		f.retransSeen[dir]++
		f.mark(dir, 'T')
		if h.rto == nil {
			h.rto = &sendTimes{}
		}
		if h.rto.n == 0 || h.rto.seq != s.Seq {
			*h.rto = sendTimes{seq: s.Seq}
			if h.lastSeq == s.Seq && h.lastPkt != 0 {
				h.rto.add(h.lastPkt, h.lastTime)
			}
		}
		h.rto.add(p.Number, p.Time)
		if int32(end-h.next) <= 0 {
			return
		}
		// Partly new: only the bytes past what was already sent are looked at.
		skip := int(h.next - s.Seq)
		fresh = s.Len - skip
		if skip < len(payload) {
			payload = payload[skip:]
		} else {
			payload = nil
		}
	}
	h.next = end
	h.lastSeq, h.lastTime, h.lastPkt = s.Seq, p.Time, p.Number
	f.Bytes[dir] += int64(fresh)
	f.mark(dir, 'D')
	if !f.sawPayload[toServer] && !f.sawPayload[toClient] {
		if f.Midstream && dir == toClient && looksLikeClient(payload) {
			t.swap(f)
			dir = toServer
		}
		f.firstPayloadDir = int8(dir)
	}
	f.sawPayload[dir] = true
	t.sniff(f, dir, s.Seq+uint32(s.Len-fresh), payload, fresh, p)
}

// swap turns a midstream connection around when its first bytes show the guess was wrong.
func (f *Flow) swap() {
	f.Client, f.Server = f.Server, f.Client
	f.h[0], f.h[1] = f.h[1], f.h[0]
	f.Bytes[0], f.Bytes[1] = f.Bytes[1], f.Bytes[0]
	f.rstPkt[0], f.rstPkt[1] = f.rstPkt[1], f.rstPkt[0]
	f.rstTime[0], f.rstTime[1] = f.rstTime[1], f.rstTime[0]
	f.finPkt[0], f.finPkt[1] = f.finPkt[1], f.finPkt[0]
	f.finTime[0], f.finTime[1] = f.finTime[1], f.finTime[0]
	if z := f.zero; z != nil {
		z.pkt[0], z.pkt[1] = z.pkt[1], z.pkt[0]
		z.at[0], z.at[1] = z.at[1], z.at[0]
		z.count[0], z.count[1] = z.count[1], z.count[0]
		z.since[0], z.since[1] = z.since[1], z.since[0]
		z.longest[0], z.longest[1] = z.longest[1], z.longest[0]
	}
	f.retransSeen[0], f.retransSeen[1] = f.retransSeen[1], f.retransSeen[0]
	for i, c := range f.hist[:f.histN] {
		if c >= 'a' {
			f.hist[i] = c - ('a' - 'A')
		} else {
			f.hist[i] = c + ('a' - 'A')
		}
	}
}

// looksLikeClient reports whether a connection's first bytes are what a client sends first.
func looksLikeClient(b []byte) bool {
	return isClientHello(b) || requestMethod(b) != ""
}
