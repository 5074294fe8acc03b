// Package synth writes synthetic packet captures: TCP connections built packet by packet, framed
// for a chosen link type and written as pcap or pcapng. Tests use it for exact cases the real
// servers cannot be made to produce on demand; the benchmarks use it for large captures.
package synth

import (
	"encoding/binary"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TCP flags.
const (
	FIN = 0x01
	SYN = 0x02
	RST = 0x04
	PSH = 0x08
	ACK = 0x10
)

// Writer frames packets for one link type and writes them to a pcap or pcapng stream.
type Writer struct {
	link  layers.LinkType
	pcap  *pcapgo.Writer
	ng    *pcapgo.NgWriter
	buf   []byte
	Count int64
	// Twice writes every segment a second time, 30 µs later, as seen on a second interface (SLL2
	// only): a capture with -i any on a router between client and server.
	Twice bool
	iface byte
}

// NewWriter starts a capture on w. ng selects pcapng.
func NewWriter(w io.Writer, link layers.LinkType, ng bool) (*Writer, error) {
	sw := &Writer{link: link, buf: make([]byte, 0, 70000)}
	if ng {
		iface := pcapgo.NgInterface{LinkType: link, SnapLength: 262144, TimestampResolution: 9, Name: "lo"}
		nw, err := pcapgo.NewNgWriterInterface(w, iface, pcapgo.NgWriterOptions{})
		if err != nil {
			return nil, err
		}
		sw.ng = nw
		return sw, nil
	}
	sw.pcap = pcapgo.NewWriterNanos(w)
	if err := sw.pcap.WriteFileHeader(262144, link); err != nil {
		return nil, err
	}
	return sw, nil
}

// Flush writes out buffered pcapng blocks.
func (w *Writer) Flush() error {
	if w.ng != nil {
		return w.ng.Flush()
	}
	return nil
}

// Segment writes one TCP segment.
func (w *Writer) Segment(t time.Time, src, dst netip.AddrPort, seq, ack uint32, flags uint8, win uint16, payload []byte) error {
	b := w.buf[:0]
	v6 := src.Addr().Is6() && !src.Addr().Is4In6()
	switch w.link {
	case layers.LinkTypeEthernet:
		b = append(b, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1)
		if v6 {
			b = append(b, 0x86, 0xdd)
		} else {
			b = append(b, 0x08, 0x00)
		}
	case layers.LinkTypeLinuxSLL2:
		proto := uint16(0x0800)
		if v6 {
			proto = 0x86dd
		}
		// protocol, reserved, interface index, ARPHRD_LOOPBACK, packet type, address length, address
		b = binary.BigEndian.AppendUint16(b, proto)
		b = append(b, 0, 0, 0, 0, 0, 1+w.iface, 772>>8, 772&0xff, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0)
	case layers.LinkTypeNull:
		fam := uint32(2)
		if v6 {
			fam = 30
		}
		b = binary.LittleEndian.AppendUint32(b, fam)
	}
	tcpLen := 20 + len(payload)
	if v6 {
		b = append(b, 0x60, 0, 0, 0)
		b = binary.BigEndian.AppendUint16(b, uint16(tcpLen))
		b = append(b, 6, 64)
		s, d := src.Addr().As16(), dst.Addr().As16()
		b = append(b, s[:]...)
		b = append(b, d[:]...)
	} else {
		b = append(b, 0x45, 0)
		b = binary.BigEndian.AppendUint16(b, uint16(20+tcpLen))
		b = append(b, 0, 0, 0x40, 0, 64, 6, 0, 0)
		s, d := src.Addr().As4(), dst.Addr().As4()
		b = append(b, s[:]...)
		b = append(b, d[:]...)
	}
	b = binary.BigEndian.AppendUint16(b, src.Port())
	b = binary.BigEndian.AppendUint16(b, dst.Port())
	b = binary.BigEndian.AppendUint32(b, seq)
	b = binary.BigEndian.AppendUint32(b, ack)
	b = append(b, 5<<4, flags)
	b = binary.BigEndian.AppendUint16(b, win)
	b = append(b, 0, 0, 0, 0)
	b = append(b, payload...)
	w.buf = b
	ci := gopacket.CaptureInfo{Timestamp: t, CaptureLength: len(b), Length: len(b)}
	w.Count++
	var err error
	if w.ng != nil {
		err = w.ng.WritePacket(ci, b)
	} else {
		err = w.pcap.WritePacket(ci, b)
	}
	if err == nil && w.Twice && w.iface == 0 {
		w.iface = 1
		err = w.Segment(t.Add(30*time.Microsecond), src, dst, seq, ack, flags, win, payload)
		w.iface = 0
	}
	return err
}

// UDP writes one UDP datagram (Ethernet only).
func (w *Writer) UDP(t time.Time, src, dst netip.AddrPort, payload []byte) error {
	b := append(w.buf[:0], 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00)
	b = append(b, 0x45, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(28+len(payload)))
	b = append(b, 0, 0, 0x40, 0, 64, 17, 0, 0)
	s, d := src.Addr().As4(), dst.Addr().As4()
	b = append(b, s[:]...)
	b = append(b, d[:]...)
	b = binary.BigEndian.AppendUint16(b, src.Port())
	b = binary.BigEndian.AppendUint16(b, dst.Port())
	b = binary.BigEndian.AppendUint16(b, uint16(8+len(payload)))
	b = append(b, 0, 0)
	b = append(b, payload...)
	w.buf = b
	w.Count++
	ci := gopacket.CaptureInfo{Timestamp: t, CaptureLength: len(b), Length: len(b)}
	if w.ng != nil {
		return w.ng.WritePacket(ci, b)
	}
	return w.pcap.WritePacket(ci, b)
}

// DNS returns a DNS message about name: a query, or an answer with rcode and answers records
// counted (no records are written).
func DNS(id uint16, name string, answer bool, rcode byte, answers uint16) []byte {
	b := binary.BigEndian.AppendUint16(nil, id)
	flags := byte(0x01)
	if answer {
		flags |= 0x80
	}
	b = append(b, flags, rcode, 0, 1)
	b = binary.BigEndian.AppendUint16(b, answers)
	b = append(b, 0, 0, 0, 0)
	for _, l := range strings.Split(name, ".") {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	return append(b, 0, 0, 1, 0, 1)
}
