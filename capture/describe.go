package capture

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/internal/termtext"
)

// PacketInfo is what a packet list shows of one packet.
type PacketInfo struct {
	// TCP is set when the packet carried TCP (or an ICMP error quoting it).
	TCP      bool
	Src, Dst Endpoint
	// Flags are the TCP flags as Wireshark writes them ("SYN, ACK").
	Flags    string
	Seq, Ack uint32
	Window   uint16
	// Len is the payload length the IP header declares.
	Len int
	// Info is a one-line description: "TLS ClientHello SNI=…", "GET /path", "HTTP/1.1 503 …".
	Info string
	// Payload is the TCP payload captured; it points into the packet's data.
	Payload []byte
}

// Describe decodes a packet for display. It allocates; it is meant for the packets on screen.
func Describe(p *Packet) PacketInfo {
	var s Segment
	res := decode(p.Link, p.Data, &s)
	if res != decodedTCP && res != decodedICMP {
		return PacketInfo{Info: fmt.Sprintf("link type %d, %d bytes", p.Link, p.OrigLen)}
	}
	pi := PacketInfo{TCP: true, Src: Endpoint{s.Src, s.SrcPort}, Dst: Endpoint{s.Dst, s.DstPort},
		Flags: flagNames(s.Flags), Seq: s.Seq, Ack: s.Ack, Window: s.Window, Len: s.Len, Payload: s.Payload}
	switch {
	case s.Unreachable:
		pi.Info = "ICMP destination unreachable for this segment"
	case isClientHello(s.Payload):
		ch := parseClientHello(s.Payload, nil)
		pi.Info = fmt.Sprintf("TLS ClientHello %s SNI=%s", VersionName(ch.Version), ch.SNI)
	case serverHelloVersion(s.Payload) != 0:
		pi.Info = "TLS ServerHello " + VersionName(serverHelloVersion(s.Payload))
	case len(s.Payload) >= 7 && s.Payload[0] == recAlert && s.Payload[1] == 3 && s.Payload[4] == 2:
		pi.Info = fmt.Sprintf("TLS Alert %s", AlertName(s.Payload[6]))
	case requestMethod(s.Payload) != "" || isResponse(s.Payload):
		line := s.Payload
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		// The line is the peer's bytes: escape what a terminal would obey.
		pi.Info = termtext.Escape(strings.TrimSpace(string(line[:min(len(line), 200)])))
		if len(line) > 200 {
			// Redacted whole before the cut, which could leave a password without its @.
			pi.Info = clipInfo(termtext.Escape(diagnose.Redact(strings.TrimSpace(string(line)))), 200)
		}
	case isTLSRecord(s.Payload):
		pi.Info = "TLS record"
	}
	return pi
}

func flagNames(f uint8) string {
	var names []string
	for _, x := range []struct {
		bit  uint8
		name string
	}{{flagFIN, "FIN"}, {flagSYN, "SYN"}, {flagRST, "RST"}, {flagPSH, "PSH"}, {flagACK, "ACK"}} {
		if f&x.bit != 0 {
			names = append(names, x.name)
		}
	}
	return strings.Join(names, ", ")
}

// clipInfo cuts s to at most n bytes on a character boundary.
func clipInfo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
