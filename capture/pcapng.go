package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// pcapng block types (draft-ietf-opsawg-pcapng).
const (
	ngSection   = 0x0a0d0d0a
	ngInterface = 1
	ngPacket    = 2 // obsolete Packet Block
	ngSimple    = 3
	ngEnhanced  = 6
)

// ngState is the current section's byte order and interfaces.
type ngState struct {
	order  binary.ByteOrder
	ifaces []ngIface
}

// ngIface is what an Interface Description Block says about the packets captured on it.
type ngIface struct {
	link    LinkType
	snaplen uint32
	// perSec is the timestamp units per second (if_tsresol, 10^6 by default); mult is
	// 1e9/perSec when that is a whole number, else 0.
	perSec uint64
	mult   int64
	// offset is if_tsoffset in seconds, added to every timestamp.
	offset int64
}

var errNoInterface = errors.New("packet block names an interface that was not described")

// readFirstSection reads the Section Header Block that starts every pcapng stream.
func (r *Reader) readFirstSection() error {
	typ, length, err := r.blockHeader()
	if err != nil {
		return err
	}
	if typ != ngSection {
		return errors.New("missing section header block")
	}
	_, err = r.readSection(length)
	return err
}

// blockHeader peeks at the next block's type and total length, learning the byte order first
// when the block is a section header.
func (r *Reader) blockHeader() (typ uint32, length int, err error) {
	h, err := r.src.peek(12)
	if err != nil {
		return 0, 0, err
	}
	typ = binary.LittleEndian.Uint32(h)
	if typ == ngSection {
		switch binary.LittleEndian.Uint32(h[8:]) {
		case 0x1a2b3c4d:
			r.ng.order = binary.LittleEndian
		case 0x4d3c2b1a:
			r.ng.order = binary.BigEndian
		default:
			return 0, 0, errors.New("section header with an unknown byte-order magic")
		}
	} else if r.ng.order == nil {
		return 0, 0, errors.New("block before any section header")
	} else {
		typ = r.ng.order.Uint32(h)
	}
	l := r.ng.order.Uint32(h[4:])
	if l < 12 || l%4 != 0 || l > maxBlock {
		return 0, 0, fmt.Errorf("block of type %#x has an impossible length %d: the file is corrupt", typ, l)
	}
	return typ, int(l), nil
}

// readSection consumes a Section Header Block and forgets the previous section's interfaces.
func (r *Reader) readSection(length int) ([]byte, error) {
	b, err := r.src.next(length)
	if err != nil {
		return nil, err
	}
	if length < 28 {
		return nil, errors.New("section header block too short")
	}
	if major := r.ng.order.Uint16(b[12:]); major != 1 {
		return nil, fmt.Errorf("unknown pcapng version %d", major)
	}
	r.ng.ifaces = r.ng.ifaces[:0]
	if r.onIfaces != nil {
		r.onIfaces(r.ng)
	}
	return b, nil
}

// readInterface adds the interface an Interface Description Block describes.
func (r *Reader) readInterface(b []byte) error {
	if len(b) < 20 {
		return errors.New("interface description block too short")
	}
	o := r.ng.order
	ifc := ngIface{link: LinkType(o.Uint16(b[8:])), snaplen: o.Uint32(b[12:]), perSec: 1e6}
	opts := b[16 : len(b)-4]
	for len(opts) >= 4 {
		code, l := o.Uint16(opts), int(o.Uint16(opts[2:]))
		if code == 0 || 4+l > len(opts) {
			break
		}
		v := opts[4 : 4+l]
		switch {
		case code == 9 && l >= 1: // if_tsresol
			if v[0]&0x80 == 0 {
				if e := v[0]; e <= 19 {
					ifc.perSec = pow10(e)
				}
			} else if e := v[0] & 0x7f; e <= 63 {
				ifc.perSec = 1 << e
			}
		case code == 14 && l >= 8: // if_tsoffset
			ifc.offset = int64(o.Uint64(v))
		}
		opts = opts[min(len(opts), 4+(l+3)&^3):]
	}
	if ifc.perSec == 0 {
		ifc.perSec = 1e6
	}
	if 1e9%ifc.perSec == 0 {
		ifc.mult = int64(1e9 / ifc.perSec)
	}
	if len(r.ng.ifaces) >= 1<<16 {
		return errors.New("too many interfaces")
	}
	r.ng.ifaces = append(r.ng.ifaces, ifc)
	if r.onIfaces != nil {
		r.onIfaces(r.ng)
	}
	if r.snaplen == 0 || int(ifc.snaplen) < r.snaplen {
		r.snaplen = int(ifc.snaplen)
	}
	return nil
}

func pow10(e uint8) uint64 {
	p := uint64(1)
	for range e {
		p *= 10
	}
	return p
}

// nanos converts a timestamp in the interface's units to nanoseconds since the epoch.
func (ifc *ngIface) nanos(ts uint64) int64 {
	if ifc.mult != 0 {
		return int64(ts)*ifc.mult + ifc.offset*1e9
	}
	sec, rem := ts/ifc.perSec, ts%ifc.perSec
	hi, lo := bits.Mul64(rem, 1e9)
	frac, _ := bits.Div64(hi, lo, ifc.perSec)
	return int64(sec)*1e9 + int64(frac) + ifc.offset*1e9
}

func (r *Reader) nextNG() (Packet, error) {
	for {
		off := r.src.off
		typ, length, err := r.blockHeader()
		if err != nil {
			return Packet{}, err
		}
		switch typ {
		case ngSection:
			if _, err := r.readSection(length); err != nil {
				return Packet{}, err
			}
			continue
		case ngInterface, ngEnhanced, ngSimple, ngPacket:
		default:
			if err := r.src.skip(int64(length)); err != nil {
				return Packet{}, err
			}
			continue
		}
		b, err := r.src.next(length)
		if err != nil {
			return Packet{}, err
		}
		if typ == ngInterface {
			if err := r.readInterface(b); err != nil {
				return Packet{}, err
			}
			continue
		}
		return r.packetBlock(typ, b, off)
	}
}

// packetBlock decodes an Enhanced, Simple or (obsolete) Packet Block held whole in b.
func (r *Reader) packetBlock(typ uint32, b []byte, off int64) (Packet, error) {
	o := r.ng.order
	body := b[8 : len(b)-4]
	var (
		iface           int
		ts              uint64
		capLen, origLen uint32
		data            []byte
		hasTime         = true
	)
	switch typ {
	case ngEnhanced, ngPacket:
		if len(body) < 20 {
			return Packet{}, errors.New("packet block too short")
		}
		if typ == ngEnhanced {
			iface = int(o.Uint32(body))
		} else {
			iface = int(o.Uint16(body))
		}
		ts = uint64(o.Uint32(body[4:]))<<32 | uint64(o.Uint32(body[8:]))
		capLen, origLen = o.Uint32(body[12:]), o.Uint32(body[16:])
		data = body[20:]
	case ngSimple:
		if len(body) < 4 {
			return Packet{}, errors.New("simple packet block too short")
		}
		origLen = o.Uint32(body)
		data = body[4:]
		capLen = uint32(min(uint64(origLen), uint64(len(data))))
		hasTime = false
	}
	if iface >= len(r.ng.ifaces) {
		return Packet{}, errNoInterface
	}
	ifc := &r.ng.ifaces[iface]
	if typ == ngSimple && ifc.snaplen != 0 {
		capLen = min(capLen, ifc.snaplen)
	}
	if uint64(capLen) > uint64(len(data)) {
		return Packet{}, fmt.Errorf("packet block claims %d captured bytes in a block of %d: the file is corrupt", capLen, len(data))
	}
	p := Packet{Offset: off, OrigLen: int(max(origLen, capLen)), Link: ifc.link, Interface: iface, Data: data[:capLen]}
	if hasTime {
		p.Time = ifc.nanos(ts)
	} else {
		p.Time = r.last
	}
	return p, nil
}
