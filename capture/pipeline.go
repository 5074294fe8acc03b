package capture

import "context"

// maxWorkers bounds Options.Workers: past a few, the reading is what limits.
const maxWorkers = 16

// batchBuf is the size of the buffers packets are read into when they are handed to workers; a
// batch is the packets of one buffer, or maxRecs TCP packets when they are small (a SYN flood),
// which bounds what batches in flight hold: their packets, and the connections they finish.
const (
	batchBuf = 1 << 18
	maxRecs  = 256
)

// inFlight is how many batches may wait for each worker: enough to ride out a worker's pause,
// few enough that memory stays a few MB.
const inFlight = 2

// batch is the TCP packets read into one buffer, decoded, for the workers to share.
type batch struct {
	recs []rec
	// bufs are the reader's buffers retired while the batch was filled: the packets of this
	// batch and of those before it point into them, so they are reused once it is done.
	bufs     [][]byte
	progress []Progress
}

// rec is one decoded TCP packet (or ICMP error about one).
type rec struct {
	num, time int64
	res       decodeResult
	bucket    uint8
	seg       Segment
}

// intake reads the capture, in packet order, and does what needs every packet in that order:
// the summary's counts and times, the packet index, the Packet hook, decoding, DNS. The TCP
// packets go on in batches.
type intake struct {
	rd      *Reader
	ctx     context.Context
	tr      Trace
	sum     *Summary
	index   *Index
	dns     *dnsTable
	unknown map[LinkType]int64
	cut     int64
	err     error // the context's, when it stopped the reading
	// held is a packet read past the end of the previous batch, kept for the next.
	held    Packet
	hasHeld bool
	done    bool
	// cur is the packet being taken: one variable for all, as hooks get its address.
	cur Packet
	// stop, when set, ends the reading early (another part of the analysis failed).
	stop func() bool
}

// next fills b with the packets up to the end of the reader's current buffer, or maxRecs TCP
// ones; false once the capture has been read to its end (b may still hold the last packets).
func (in *intake) next(b *batch) bool {
	b.recs, b.bufs, b.progress = b.recs[:0], b.bufs[:0], b.progress[:0]
	if in.done {
		return false
	}
	src := in.rd.src
	p := &in.cur
	for {
		if in.hasHeld {
			*p, in.hasHeld = in.held, false
		} else {
			if len(b.recs) > 0 && src.pos == src.end {
				// What was read is all taken: hand it on before a read that may wait (a live
				// pipe), so findings come as soon as the packets do.
				return true
			}
			var err error
			*p, err = in.rd.Next()
			if len(src.retired) > 0 {
				// The packets so far are in the buffers just retired; this one (if any) is in
				// the new one and starts the next batch.
				b.bufs = append(b.bufs, src.retired...)
				clear(src.retired)
				src.retired = src.retired[:0]
				if err == nil {
					in.held, in.hasHeld = *p, true
					return true
				}
			}
			if err != nil {
				in.done = true
				return false
			}
		}
		if p.Number%checkEvery == 0 {
			if err := in.ctx.Err(); err != nil {
				in.err, in.done = err, true
				return false
			}
			if in.stop != nil && in.stop() {
				in.done = true
				return false
			}
		}
		in.packet(b, p)
		if in.tr.Progress != nil && p.Number%ProgressEvery == 0 {
			b.progress = append(b.progress, Progress{Packets: p.Number, Bytes: in.rd.Offset(), Time: p.Time})
		}
		if len(b.recs) >= maxRecs {
			// The buffer goes on into the next batch; whichever batch is being filled when it
			// is retired gives it back, after every batch before it.
			return true
		}
	}
}

// packet takes one packet: counts, index, hook, decoding; a TCP one joins the batch.
func (in *intake) packet(b *batch, p *Packet) {
	sum := in.sum
	if sum.First < 0 || p.Time < sum.First {
		sum.First = p.Time
	}
	sum.Last = max(sum.Last, p.Time)
	if in.index != nil {
		in.index.add(p.Offset, p.Time)
	}
	if in.tr.Packet != nil {
		in.tr.Packet(p)
	}
	b.recs = append(b.recs, rec{})
	r := &b.recs[len(b.recs)-1]
	switch res := decode(p.Link, p.Data, &r.seg); res {
	case decodedTCP, decodedICMP:
		sum.TCP++
		r.seg.Iface += uint32(p.Interface) << 24
		r.num, r.time, r.res, r.bucket = p.Number, p.Time, res, bucketOf(&r.seg)
		return
	case decodedDNS:
		in.dns.packet(p, &r.seg)
	case decodedTruncated:
		in.cut++
	default:
		if !decodable(p.Link) {
			in.unknown[p.Link]++
		}
	}
	b.recs = b.recs[:len(b.recs)-1]
}

// run feeds a batch to the table: every packet moves its clock, the packets of its buckets its
// connections. It returns the ops recorded.
func (t *table) run(b *batch) []op {
	for i := range b.recs {
		r := &b.recs[i]
		p := Packet{Number: r.num, Time: r.time}
		t.tick(&p)
		if t.owns(r.bucket) {
			t.packet(&p, &r.seg, r.res, r.bucket)
		}
	}
	return t.take()
}

// end finishes every connection left, after the last packet, and returns the ops.
func (t *table) end() []op {
	t.sweep(true, endPacket)
	return t.take()
}

func (t *table) take() []op {
	ops := t.ops
	t.ops = nil
	return ops
}

// progress calls the Progress hook for the points a batch passed.
func (in *intake) progress(b *batch) {
	for _, p := range b.progress {
		in.tr.Progress(p)
	}
}

// runInline reads, follows and links in the calling goroutine: one table owns every bucket. It
// returns how many connections were judged early.
func runInline(in *intake, lk *links) int64 {
	t := newTable(func(uint8) bool { return true })
	var free [][]byte
	in.rd.src.spare = func(n int) []byte {
		if k := len(free); k > 0 && len(free[k-1]) >= n {
			buf := free[k-1]
			free = free[:k-1]
			return buf
		}
		return make([]byte, max(n, batchBuf))
	}
	var b batch
	for {
		more := in.next(&b)
		ops := t.run(&b)
		mergeOps(lk, [][]op{ops})
		in.progress(&b)
		t.reuse(ops)
		free = append(free, b.bufs...)
		if !more {
			break
		}
	}
	if in.err == nil {
		mergeOps(lk, [][]op{t.end()})
	}
	return t.given
}
