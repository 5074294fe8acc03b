package capture

import (
	"bufio"
	"encoding/binary"
	"io"
)

// ngWriter writes a pcapng stream: one section, one interface block for each (link type,
// interface) pair met, nanosecond timestamps, little-endian. It is what Trim writes and what
// Wireshark, tshark and capinfos open.
type ngWriter struct {
	w      *bufio.Writer
	ifaces map[[2]int]uint32
	buf    []byte
	err    error
	begun  bool
}

func newNGWriter(w io.Writer) *ngWriter {
	return &ngWriter{w: bufio.NewWriterSize(w, 64<<10), ifaces: map[[2]int]uint32{}}
}

// Block types and options of the pcapng format (draft-ietf-opsawg-pcapng).
const (
	ngBlockSHB   = 0x0A0D0D0A
	ngBlockIDB   = 0x00000001
	ngBlockEPB   = 0x00000006
	ngByteOrder  = 0x1A2B3C4D
	ngOptTSResol = 9
)

// block writes one block: type, total length, body padded to 4 bytes, total length again.
func (n *ngWriter) block(typ uint32, body []byte) {
	if n.err != nil {
		return
	}
	pad := (4 - len(body)%4) % 4
	total := uint32(12 + len(body) + pad)
	var h [8]byte
	binary.LittleEndian.PutUint32(h[:], typ)
	binary.LittleEndian.PutUint32(h[4:], total)
	n.w.Write(h[:])
	n.w.Write(body)
	var zero [4]byte
	n.w.Write(zero[:pad])
	_, n.err = n.w.Write(h[4:8])
}

func (n *ngWriter) header() {
	n.begun = true
	b := make([]byte, 16)
	binary.LittleEndian.PutUint32(b, ngByteOrder)
	binary.LittleEndian.PutUint16(b[4:], 1) // version 1.0
	binary.LittleEndian.PutUint64(b[8:], ^uint64(0))
	n.block(ngBlockSHB, b)
}

// iface returns the interface id for a packet's link type and interface, writing its block first
// when it is new.
func (n *ngWriter) iface(link LinkType, ifc int) uint32 {
	k := [2]int{int(link), ifc}
	if id, ok := n.ifaces[k]; ok {
		return id
	}
	id := uint32(len(n.ifaces))
	n.ifaces[k] = id
	b := make([]byte, 8, 20)
	binary.LittleEndian.PutUint16(b, uint16(link))
	binary.LittleEndian.PutUint32(b[4:], 262144)
	// if_tsresol = 9: timestamps count nanoseconds; then opt_endofopt.
	b = append(b, ngOptTSResol, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0)
	n.block(ngBlockIDB, b)
	return id
}

func (n *ngWriter) packet(p *Packet) {
	if !n.begun {
		n.header()
	}
	id := n.iface(p.Link, p.Interface)
	n.buf = n.buf[:0]
	n.buf = binary.LittleEndian.AppendUint32(n.buf, id)
	ts := uint64(p.Time)
	n.buf = binary.LittleEndian.AppendUint32(n.buf, uint32(ts>>32))
	n.buf = binary.LittleEndian.AppendUint32(n.buf, uint32(ts))
	n.buf = binary.LittleEndian.AppendUint32(n.buf, uint32(len(p.Data)))
	n.buf = binary.LittleEndian.AppendUint32(n.buf, uint32(max(p.OrigLen, len(p.Data))))
	n.buf = append(n.buf, p.Data...)
	n.block(ngBlockEPB, n.buf)
}

// flush writes the section header even for an empty capture, so the file always opens.
func (n *ngWriter) flush() error {
	if !n.begun {
		n.header()
	}
	if n.err != nil {
		return n.err
	}
	return n.w.Flush()
}
