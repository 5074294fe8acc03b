package capture

import "encoding/binary"

// TCP flag bits.
const (
	flagFIN = 0x01
	flagSYN = 0x02
	flagRST = 0x04
	flagPSH = 0x08
	flagACK = 0x10
)

// Addr is an IPv4 or IPv6 address; IPv4 is held in its IPv4-mapped IPv6 form, so one comparable
// type keys the flow table for both.
type Addr [16]byte

// Segment is one decoded TCP segment (or the TCP header quoted in an ICMP error). Payload points
// into the packet's data, so it is only valid while that packet is.
type Segment struct {
	Src, Dst         Addr
	SrcPort, DstPort uint16
	V6               bool
	Seq, Ack         uint32
	Flags            uint8
	Window           uint16
	// Len is the payload length the IP header declares; Payload may be shorter when the
	// snapshot length cut the packet.
	Len     int
	Payload []byte
	// Unreachable is set when this is not a segment but an ICMP destination-unreachable error
	// quoting one: then Src/Dst and ports are those of the quoted segment.
	Unreachable bool
	ICMPCode    uint8
	// Iface tells apart the interfaces of a capture on several (tcpdump -i any, or a pcapng
	// file with several interfaces), where a forwarded packet is seen once on each.
	Iface uint32
}

// decodeResult says what a packet turned out to be.
type decodeResult uint8

const (
	decodedOther decodeResult = iota // not TCP over IP, or unknown link type: counted, not analysed
	decodedTCP
	decodedICMP      // ICMP error quoting a TCP segment
	decodedTruncated // TCP, but the headers were cut
	decodedDNS       // a DNS message over UDP (port 53): Payload holds it
)

// Ethertypes.
const (
	etherIPv4  = 0x0800
	etherIPv6  = 0x86dd
	etherVLAN  = 0x8100
	etherQinQ  = 0x88a8
	etherQinQ2 = 0x9100
)

// decode parses a packet's link, IP and TCP headers into s without allocating.
func decode(link LinkType, data []byte, s *Segment) decodeResult {
	var etype uint16
	s.Iface = 0
	switch link {
	case LinkEthernet:
		if len(data) < 14 {
			return decodedOther
		}
		etype = binary.BigEndian.Uint16(data[12:])
		data = data[14:]
		for (etype == etherVLAN || etype == etherQinQ || etype == etherQinQ2) && len(data) >= 4 {
			etype = binary.BigEndian.Uint16(data[2:])
			data = data[4:]
		}
	case LinkSLL:
		if len(data) < 16 {
			return decodedOther
		}
		etype = binary.BigEndian.Uint16(data[14:])
		data = data[16:]
	case LinkSLL2:
		if len(data) < 20 {
			return decodedOther
		}
		etype = binary.BigEndian.Uint16(data)
		s.Iface = binary.BigEndian.Uint32(data[4:])
		data = data[20:]
	case LinkNull, LinkLoop:
		if len(data) < 4 {
			return decodedOther
		}
		// The family is in the writer's byte order (NULL) or network order (LOOP); the values
		// are small, so whichever end holds a non-zero byte tells the order.
		fam := binary.LittleEndian.Uint32(data)
		if fam > 0xffff {
			fam = binary.BigEndian.Uint32(data)
		}
		data = data[4:]
		switch fam {
		case 2:
			etype = etherIPv4
		case 10, 24, 28, 30:
			etype = etherIPv6
		default:
			return decodedOther
		}
	case LinkRaw, LinkIPv4, LinkIPv6, 12, 14:
		// 12 and 14 are DLT_RAW on some systems and appear in old files as the link type.
		if len(data) < 1 {
			return decodedOther
		}
		switch data[0] >> 4 {
		case 4:
			etype = etherIPv4
		case 6:
			etype = etherIPv6
		default:
			return decodedOther
		}
	default:
		return decodedOther
	}
	switch etype {
	case etherIPv4:
		return decodeIPv4(data, s, false)
	case etherIPv6:
		return decodeIPv6(data, s, false)
	}
	return decodedOther
}

// decodeIPv4 parses an IPv4 header and what it carries. quoted is set inside an ICMP error,
// where the quoted datagram is cut after 8 bytes of TCP header.
func decodeIPv4(b []byte, s *Segment, quoted bool) decodeResult {
	if len(b) < 20 || b[0]>>4 != 4 {
		return decodedOther
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:]))
	if ihl < 20 || len(b) < ihl {
		return decodedOther
	}
	// A fragment other than the first holds no TCP header.
	if binary.BigEndian.Uint16(b[6:])&0x1fff != 0 {
		return decodedOther
	}
	proto := b[9]
	s.V6 = false
	s.Src = Addr{10: 0xff, 11: 0xff, 12: b[12], 13: b[13], 14: b[14], 15: b[15]}
	s.Dst = Addr{10: 0xff, 11: 0xff, 12: b[16], 13: b[17], 14: b[18], 15: b[19]}
	if total < ihl {
		// TSO on the capturing host writes 0 here; trust the captured length.
		total = len(b)
	}
	body := b[ihl:]
	switch proto {
	case 6:
		return decodeTCP(body, total-ihl, s, quoted)
	case 17:
		if quoted {
			return decodedOther
		}
		return decodeDNS(body, s)
	case 1:
		if quoted || len(body) < 8 || body[0] != 3 {
			return decodedOther
		}
		code := body[1]
		if decodeIPv4(body[8:], s, true) != decodedTCP {
			return decodedOther
		}
		s.Unreachable, s.ICMPCode = true, code
		return decodedICMP
	}
	return decodedOther
}

// decodeIPv6 parses an IPv6 header, skips extension headers and parses what they carry.
func decodeIPv6(b []byte, s *Segment, quoted bool) decodeResult {
	if len(b) < 40 || b[0]>>4 != 6 {
		return decodedOther
	}
	plen := int(binary.BigEndian.Uint16(b[4:]))
	next := b[6]
	s.V6 = true
	copy(s.Src[:], b[8:24])
	copy(s.Dst[:], b[24:40])
	body := b[40:]
	if plen == 0 || plen > len(body) && quoted {
		plen = len(body) // jumbogram or TSO; or a quote cut short
	}
	for range 8 {
		switch next {
		case 0, 43, 60: // hop-by-hop, routing, destination options
			if len(body) < 8 {
				return decodedOther
			}
			l := (int(body[1]) + 1) * 8
			if len(body) < l {
				return decodedOther
			}
			next, body, plen = body[0], body[l:], plen-l
			continue
		case 44: // fragment: only the first fragment carries the TCP header
			if len(body) < 8 || binary.BigEndian.Uint16(body[2:])&0xfff8 != 0 {
				return decodedOther
			}
			next, body, plen = body[0], body[8:], plen-8
			continue
		case 6:
			return decodeTCP(body, plen, s, quoted)
		case 17:
			if quoted {
				return decodedOther
			}
			return decodeDNS(body, s)
		case 58:
			if quoted || len(body) < 8 || body[0] != 1 {
				return decodedOther
			}
			code := body[1]
			if decodeIPv6(body[8:], s, true) != decodedTCP {
				return decodedOther
			}
			s.Unreachable, s.ICMPCode = true, code
			return decodedICMP
		}
		return decodedOther
	}
	return decodedOther
}

// decodeDNS keeps a UDP datagram to or from port 53 (DNS); other UDP is not analysed.
func decodeDNS(b []byte, s *Segment) decodeResult {
	if len(b) < 8 {
		return decodedOther
	}
	s.SrcPort = binary.BigEndian.Uint16(b)
	s.DstPort = binary.BigEndian.Uint16(b[2:])
	if s.SrcPort != 53 && s.DstPort != 53 {
		return decodedOther
	}
	s.Payload = b[8:min(len(b), max(int(binary.BigEndian.Uint16(b[4:])), 8))]
	s.Len, s.Flags, s.Unreachable = len(s.Payload), 0, false
	return decodedDNS
}

// decodeTCP parses a TCP header. ipLen is the segment length the IP header declares.
func decodeTCP(b []byte, ipLen int, s *Segment, quoted bool) decodeResult {
	if quoted {
		if len(b) < 8 {
			return decodedOther
		}
		s.SrcPort = binary.BigEndian.Uint16(b)
		s.DstPort = binary.BigEndian.Uint16(b[2:])
		s.Seq = binary.BigEndian.Uint32(b[4:])
		s.Flags, s.Ack, s.Window, s.Len, s.Payload = 0, 0, 0, 0, nil
		return decodedTCP
	}
	s.Unreachable = false
	if len(b) < 20 {
		if len(b) >= 4 {
			s.SrcPort = binary.BigEndian.Uint16(b)
			s.DstPort = binary.BigEndian.Uint16(b[2:])
		}
		return decodedTruncated
	}
	s.SrcPort = binary.BigEndian.Uint16(b)
	s.DstPort = binary.BigEndian.Uint16(b[2:])
	s.Seq = binary.BigEndian.Uint32(b[4:])
	s.Ack = binary.BigEndian.Uint32(b[8:])
	off := int(b[12]>>4) * 4
	s.Flags = b[13]
	s.Window = binary.BigEndian.Uint16(b[14:])
	if off < 20 {
		return decodedOther
	}
	if len(b) < off {
		return decodedTruncated
	}
	s.Len = max(ipLen-off, 0)
	s.Payload = b[off:min(len(b), off+s.Len)]
	return decodedTCP
}
