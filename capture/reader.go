package capture

import (
	"errors"
	"fmt"
	"io"
)

// LinkType is a capture's link-layer header type, numbered as in the tcpdump.org LINKTYPE_ list
// (the numbers pcap and pcapng files carry).
type LinkType uint16

// The link types hopscope decodes.
const (
	LinkNull     LinkType = 0   // BSD loopback: a 4-byte address family in the writer's byte order
	LinkEthernet LinkType = 1   // Ethernet II, with optional 802.1Q/802.1ad tags
	LinkRaw      LinkType = 101 // raw IPv4 or IPv6, told apart by the version nibble
	LinkLoop     LinkType = 108 // OpenBSD loopback: the address family in network byte order
	LinkSLL      LinkType = 113 // Linux "cooked" capture (tcpdump -i any, older versions)
	LinkIPv4     LinkType = 228 // raw IPv4
	LinkIPv6     LinkType = 229 // raw IPv6
	LinkSLL2     LinkType = 276 // Linux "cooked" capture v2 (tcpdump -i any since 4.99)
)

// Format names a capture file format.
type Format string

// The formats the reader knows.
const (
	FormatPcap   Format = "pcap"
	FormatPcapNG Format = "pcapng"
)

// ErrNotCapture is returned by NewReader for a stream that starts with neither magic number.
var ErrNotCapture = errors.New("not a pcap or pcapng capture")

// Packet is one captured packet. Data points into the reader's buffer and is valid only until the
// next call to Next; keep a copy of anything needed later.
type Packet struct {
	// Number is the packet's position in the capture, from 1, as Wireshark numbers them.
	Number int64
	// Offset is where the packet's record (pcap) or block (pcapng) starts in the stream.
	Offset int64
	// Time is the capture timestamp in nanoseconds since the Unix epoch.
	Time int64
	// OrigLen is the packet's length on the wire; len(Data) is less when the snapshot length cut it.
	OrigLen int
	// Link is the link-layer type of the interface the packet was captured on.
	Link LinkType
	// Interface is the pcapng interface the packet was captured on (0 in a pcap file).
	Interface int
	// Data is the captured bytes, starting with the link-layer header.
	Data []byte
}

// Reader reads packets from a pcap or pcapng stream, one at a time, without allocating per packet.
type Reader struct {
	src    *source
	format Format
	n      int64
	pcap   pcapState
	ng     ngState
	warn   []string
	// cut counts packets shorter than on the wire; back counts timestamps that went backwards.
	cut, back   int64
	firstBack   int64
	last        int64
	snaplen     int
	stopped     error
	truncatedAt int64
	// onIfaces, when set, is told of every change to the pcapng interface table.
	onIfaces func(ngState)
}

// NewReader reads the file header of a pcap or pcapng stream. r is read sequentially, so a pipe
// works; a gzip stream must be unwrapped by the caller.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{src: newSource(r), truncatedAt: -1}
	head, err := rd.src.peek(4)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("capture: %w (input shorter than a file header)", ErrNotCapture)
		}
		return nil, fmt.Errorf("capture: %w", err)
	}
	switch {
	case isPcapMagic(head):
		rd.format = FormatPcap
		err = rd.readPcapHeader()
	case string(head) == "\x0a\x0d\x0d\x0a":
		rd.format = FormatPcapNG
		err = rd.readFirstSection()
	default:
		return nil, fmt.Errorf("capture: %w", ErrNotCapture)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("capture: %s: the input ends inside the file header: %w", rd.format, io.ErrUnexpectedEOF)
	}
	if err != nil {
		return nil, fmt.Errorf("capture: %s header: %w", rd.format, err)
	}
	return rd, nil
}

// Format says whether the stream is pcap or pcapng.
func (r *Reader) Format() Format { return r.format }

// Next returns the next packet. At the end of the stream it returns io.EOF; a stream that ends in
// the middle of a record or holds a corrupt record also ends with io.EOF, after a warning (see
// Warnings), so that everything before the damage is still analysed.
func (r *Reader) Next() (Packet, error) {
	if r.stopped != nil {
		return Packet{}, io.EOF
	}
	var (
		p   Packet
		err error
	)
	if r.format == FormatPcap {
		p, err = r.nextPcap()
	} else {
		p, err = r.nextNG()
	}
	if err != nil {
		r.stop(err)
		return Packet{}, io.EOF
	}
	r.n++
	p.Number = r.n
	if len(p.Data) < p.OrigLen {
		r.cut++
	}
	if p.Time < r.last {
		if r.back == 0 {
			r.firstBack = p.Number
		}
		r.back++
	}
	r.last = p.Time
	return p, nil
}

// stop ends reading and records why, unless it is the clean end of the stream.
func (r *Reader) stop(err error) {
	r.stopped = err
	switch {
	case errors.Is(err, io.EOF):
	case errors.Is(err, io.ErrUnexpectedEOF):
		r.warn = append(r.warn, fmt.Sprintf("the capture is truncated: it ends in the middle of a record after packet %d (offset %d)", r.n, r.src.off))
	default:
		r.warn = append(r.warn, fmt.Sprintf("reading stopped after packet %d at offset %d: %v", r.n, r.src.off, err))
	}
}

// Packets returns how many packets were read so far.
func (r *Reader) Packets() int64 { return r.n }

// Offset returns how many bytes of the stream were consumed so far.
func (r *Reader) Offset() int64 { return r.src.off }

// Warnings describes what was wrong with the stream: truncation, corrupt records, packets cut by
// the snapshot length, timestamps going backwards. It is complete once Next has returned io.EOF.
func (r *Reader) Warnings() []string {
	w := append([]string(nil), r.warn...)
	if r.cut > 0 {
		w = append(w, fmt.Sprintf("%d packets were cut short by the snapshot length; bytes past the cut were not analysed (capture with -s 0)", r.cut))
	}
	if r.back > 0 {
		w = append(w, fmt.Sprintf("timestamps go backwards %d times (first at packet %d); durations around those packets are unreliable", r.back, r.firstBack))
	}
	return w
}
