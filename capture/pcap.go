package capture

import (
	"encoding/binary"
	"fmt"
)

// pcapState is what the classic pcap header says about every record.
type pcapState struct {
	order   binary.ByteOrder
	big     bool // big-endian: the per-record fields are read without the interface's dispatch
	nanos   bool // timestamps in nanoseconds (magic a1b23c4d) rather than microseconds
	hdrLen  int  // 16, or 24 for the "modified" format of patched libpcaps (magic a1b2cd34)
	link    LinkType
	snaplen uint32
}

// isPcapMagic recognises the pcap magic numbers in either byte order.
func isPcapMagic(b []byte) bool {
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1:
		return true
	}
	return false
}

func (r *Reader) readPcapHeader() error {
	h, err := r.src.next(24)
	if err != nil {
		return err
	}
	st := &r.pcap
	st.hdrLen = 16
	magic := binary.LittleEndian.Uint32(h)
	st.order = binary.LittleEndian
	switch magic {
	case 0xd4c3b2a1, 0x4d3cb2a1, 0x34cdb2a1:
		st.order, st.big = binary.BigEndian, true
		magic = binary.BigEndian.Uint32(h)
	}
	st.nanos = magic == 0xa1b23c4d
	if magic == 0xa1b2cd34 {
		st.hdrLen = 24
	}
	if major := st.order.Uint16(h[4:]); major != 2 {
		return fmt.Errorf("unknown pcap version %d", major)
	}
	st.snaplen = st.order.Uint32(h[16:])
	// The upper bits of the link type field carry FCS information (pcap-linktype(7)).
	st.link = LinkType(st.order.Uint32(h[20:]) & 0xffff)
	r.snaplen = int(st.snaplen)
	return nil
}

func (r *Reader) nextPcap() (Packet, error) {
	st := &r.pcap
	off := r.src.off
	h, err := r.src.peek(st.hdrLen)
	if err != nil {
		return Packet{}, err
	}
	sec, frac, capLen, origLen := int64(le32(h)), int64(le32(h[4:])), le32(h[8:]), le32(h[12:])
	if st.big {
		sec, frac, capLen, origLen = int64(be32(h)), int64(be32(h[4:])), be32(h[8:]), be32(h[12:])
	}
	if capLen > maxSnap {
		return Packet{}, fmt.Errorf("record claims %d captured bytes, more than any snapshot length: the file is corrupt", capLen)
	}
	if !st.nanos {
		frac *= 1000
	}
	rec, err := r.src.next(st.hdrLen + int(capLen))
	if err != nil {
		return Packet{}, err
	}
	return Packet{
		Offset:  off,
		Time:    sec*1e9 + frac,
		OrigLen: int(max(origLen, capLen)),
		Link:    st.link,
		Data:    rec[st.hdrLen:],
	}, nil
}

// maxSnap is the largest record accepted. libpcap never writes more than 256 KiB per packet;
// some writers go past their declared snapshot length, so the declared one is not the limit.
const maxSnap = 1 << 20

func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }
