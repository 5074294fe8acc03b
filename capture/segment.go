package capture

// DecodeSegment decodes the TCP segment a packet carries (or the one an ICMP error quotes) into
// s, without allocating, for code that looks at every packet of a capture (a packet filter).
// It reports false for a packet that holds no TCP segment.
func DecodeSegment(p *Packet, s *Segment) bool {
	res := decode(p.Link, p.Data, s)
	return res == decodedTCP || res == decodedICMP
}

// Label names what a segment carries in the words of Describe's summary that its bytes do not
// hold: kind is "TLS ClientHello", "TLS ServerHello", "TLS Alert", "TLS record" or "ICMP
// destination unreachable", detail the TLS version or the alert's name. Both are empty for
// plain data (an HTTP message speaks for itself). It does not allocate.
func Label(s *Segment) (kind, detail string) {
	b := s.Payload
	switch {
	case s.Unreachable:
		return "ICMP destination unreachable", ""
	case isClientHello(b):
		return "TLS ClientHello", ""
	case serverHelloVersion(b) != 0:
		return "TLS ServerHello", VersionName(serverHelloVersion(b))
	case len(b) >= 7 && b[0] == recAlert && b[1] == 3 && b[4] == 2:
		return "TLS Alert", AlertName(b[6])
	case isTLSRecord(b):
		return "TLS record", ""
	}
	return "", ""
}
