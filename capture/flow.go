package capture

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Endpoint is one end of a connection.
type Endpoint struct {
	Addr Addr
	Port uint16
}

// String writes "127.0.0.1:8080" or "[::1]:443".
func (e Endpoint) String() string {
	return netip.AddrPortFrom(e.Addr.IP(), e.Port).String()
}

// IP returns the address as a netip.Addr (IPv4 unmapped).
func (a Addr) IP() netip.Addr { return netip.AddrFrom16(a).Unmap() }

// flowKey is a connection's endpoints in a fixed order, so both directions find the same flow.
type flowKey struct {
	a, b Endpoint
}

func keyOf(s *Segment) flowKey {
	x, y := Endpoint{s.Src, s.SrcPort}, Endpoint{s.Dst, s.DstPort}
	if less(y, x) {
		x, y = y, x
	}
	return flowKey{x, y}
}

func less(x, y Endpoint) bool {
	if x.Addr != y.Addr {
		if a, b := binary.BigEndian.Uint64(x.Addr[:8]), binary.BigEndian.Uint64(y.Addr[:8]); a != b {
			return a < b
		}
		return binary.BigEndian.Uint64(x.Addr[8:]) < binary.BigEndian.Uint64(y.Addr[8:])
	}
	return x.Port < y.Port
}

// Role says where a connection sits on the path, as far as the capture shows.
type Role uint8

// The roles. A capture taken on a proxy host holds both its hops; one taken on a gateway holds only
// the connection to the backend (or the proxy).
const (
	// RoleDirect is a connection with nothing else seen around it.
	RoleDirect Role = iota
	// RoleFront is a connection into a proxy that opened other connections while it waited.
	RoleFront
	// RoleBackend is a connection a proxy opened while a request on a front connection waited.
	RoleBackend
)

// String names the role: "direct", "front" or "backend".
func (r Role) String() string {
	return [...]string{"direct", "front", "backend"}[r]
}

// dir indexes per-direction state: 0 is client to server, 1 server to client.
const (
	toServer = 0
	toClient = 1
)

// Flow is one TCP connection and what was seen on it. The client is the side that sent the SYN
// (or, for a connection already open when the capture started, the side that looks like it).
type Flow struct {
	// ID numbers flows in the order their first packet appeared, from 1.
	ID             int
	Client, Server Endpoint
	Role           Role
	// Midstream is set when the capture started after the connection was opened.
	Midstream bool
	// FirstPacket and LastPacket are packet numbers; Start and End capture times in ns.
	FirstPacket, LastPacket int64
	Start, End              int64
	Packets                 int64
	// Bytes is the payload sent each way (client to server first), retransmissions excluded.
	Bytes [2]int64
	// Duplicates counts segments seen a second time on another interface (and not analysed).
	Duplicates int64
	// HandshakeRTT is SYN to SYN-ACK as seen where the capture was taken, in ns (0 if not seen).
	HandshakeRTT int64

	// The one-byte fields are kept together (and the history with them): a table holds
	// thousands of connections, and padding after each would cost a size class.
	hist                               [16]byte // 8 letters, each at most once each way
	histN                              uint8
	synAckLost                         bool // the server spoke but its SYN-ACK is not in the capture
	rejected                           bool // RST answered the SYN
	unreachCode                        uint8
	unreachV6                          bool
	bucket                             uint8 // the table's bucket it is in
	unopened                           bool  // counted among its bucket's connections not opened
	done                               bool
	queued                             bool // in the table's closed queue
	viaConnect                         bool // opened by a forward proxy for a CONNECT
	firstPayloadDir                    int8
	sawPayload                         [2]bool
	clientClosedAfterCH, serverAfterCH bool

	h [2]half

	syn                   sendTimes // client SYNs
	synAckPkt, synAckTime int64
	rstPkt, finPkt        [2]int64
	rstTime, finTime      [2]int64
	unreachPkt            int64
	hop                   *hop         // what links knows of it; the table never touches it
	prev, next            *Flow        // its bucket's order of activity
	touched               int64        // End when it last moved in that order
	queuedAt              int64        // the packet that put it in the closed queue
	tls                   *tlsState    // from the first ClientHello on
	http                  *httpState   // from the first request on
	front                 *frontView   // for a backend connection, the one it was opened for
	zero                  *zeroWindows // from the first zero window on
	retransSeen           [2]int32
}

// noHTTP and noTLS stand in, for reading only, for a connection that carried neither.
var (
	noHTTP httpState
	noTLS  tlsState
)

// httpSeen returns the connection's HTTP state, or an empty one to read from.
func (f *Flow) httpSeen() *httpState {
	if f.http != nil {
		return f.http
	}
	return &noHTTP
}

// tlsSeen returns the connection's TLS state, or an empty one to read from.
func (f *Flow) tlsSeen() *tlsState {
	if f.tls != nil {
		return f.tls
	}
	return &noTLS
}

// zeroWindows is what a connection's zero-window advertisements showed, each way. Few
// connections shut their window, so it is allocated on the first one.
type zeroWindows struct {
	pkt, at [2]int64 // the first one
	count   [2]int
	since   [2]int64 // when the window shut, while it is shut
	longest [2]int64
}

// half is the sequence state of one direction.
type half struct {
	// last is the latest segment, to recognise the same segment seen again on another interface.
	last           segSig
	hasSeq, hasAck bool
	next           uint32 // the sequence number after the highest byte sent so far
	ack            uint32 // the highest acknowledgement this side sent
	// lastSeq and lastTime are the latest new data segment.
	lastSeq  uint32
	lastTime int64
	lastPkt  int64
	// rto holds the transmissions of the latest retransmitted segment, for the RTO spacing
	// (allocated on the first retransmission: most connections have none).
	rto *sendTimes
}

// segSig is what identifies a segment seen twice.
type segSig struct {
	seq, ack uint32
	flags    uint8
	iface    uint32
	len      int32 // a packet is far below 2 GB (see maxBlock)
	time     int64
}

// sendTimes remembers up to 6 transmissions of one thing (a SYN, a segment): enough to show the
// backoff, which has doubled to seconds by then.
type sendTimes struct {
	seq  uint32
	n    int
	pkt  [6]int64
	time [6]int64
}

func (s *sendTimes) add(pkt, t int64) {
	if s.n < len(s.pkt) {
		s.pkt[s.n], s.time[s.n] = pkt, t
	}
	s.n++
}

// gaps writes the spacing of the transmissions, as "0.2s 0.4s 0.8s".
func (s *sendTimes) gaps() string {
	out := ""
	for i := 1; i < min(s.n, len(s.time)); i++ {
		if out != "" {
			out += " "
		}
		out += fmtDur(s.time[i] - s.time[i-1])
	}
	return out
}

// packets lists the recorded packet numbers.
func (s *sendTimes) packets() []int64 {
	return append([]int64(nil), s.pkt[:min(s.n, len(s.pkt))]...)
}

// History returns the connection's history in Zeek's letters: upper case for the client, lower
// for the server; S syn, H syn-ack, A ack, D data, F fin, R rst, T retransmission, W zero window.
// Each letter is recorded the first time it happens in each direction.
func (f *Flow) History() string { return string(f.hist[:f.histN]) }

func (f *Flow) mark(dir int, c byte) {
	if dir == toClient {
		c += 'a' - 'A'
	}
	for _, x := range f.hist[:f.histN] {
		if x == c {
			return
		}
	}
	if int(f.histN) < len(f.hist) {
		f.hist[f.histN] = c
		f.histN++
	}
}

// State is the connection's outcome in Zeek's conn_state terms.
type State string

// The states, as Zeek names them.
const (
	StateS0     State = "S0"     // SYN sent, nothing came back
	StateREJ    State = "REJ"    // the SYN was answered with RST: refused
	StateS1     State = "S1"     // established, still open when the capture ended
	StateSF     State = "SF"     // established and closed normally
	StateS2     State = "S2"     // established, only the client closed
	StateS3     State = "S3"     // established, only the server closed
	StateRSTO   State = "RSTO"   // established, the client reset it
	StateRSTR   State = "RSTR"   // established, the server reset it
	StateRSTOS0 State = "RSTOS0" // the client sent SYN then RST, no SYN-ACK
	StateSH     State = "SH"     // the client sent SYN then FIN, no SYN-ACK
	StateOTH    State = "OTH"    // no SYN seen: the capture started mid-connection
)

// Established reports whether the three-way handshake (or midstream traffic) shows the
// connection open.
func (f *Flow) Established() bool { return f.synAckPkt != 0 || f.Midstream && f.sawPayload[toClient] }

// State returns the connection's outcome.
func (f *Flow) State() State {
	switch {
	case f.Midstream:
		return StateOTH
	case f.rejected:
		return StateREJ
	case f.synAckPkt == 0 && f.rstPkt[toServer] != 0:
		return StateRSTOS0
	case f.synAckPkt == 0 && f.finPkt[toServer] != 0:
		return StateSH
	case f.synAckPkt == 0:
		return StateS0
	case f.rstPkt[toServer] != 0 && (f.rstPkt[toClient] == 0 || f.rstPkt[toServer] < f.rstPkt[toClient]):
		return StateRSTO
	case f.rstPkt[toClient] != 0:
		return StateRSTR
	case f.finPkt[toServer] != 0 && f.finPkt[toClient] != 0:
		return StateSF
	case f.finPkt[toServer] != 0:
		return StateS2
	case f.finPkt[toClient] != 0:
		return StateS3
	}
	return StateS1
}

// Retransmissions returns the retransmitted segments each way (client to server first).
func (f *Flow) Retransmissions() [2]int { return [2]int{int(f.retransSeen[0]), int(f.retransSeen[1])} }

// ZeroWindows returns how many zero-window advertisements each side sent (the client's first)
// and the longest time each kept its window shut, in ns.
func (f *Flow) ZeroWindows() (count [2]int, longest [2]int64) {
	if f.zero == nil {
		return count, longest
	}
	return f.zero.count, f.zero.longest
}

// String is a one-line summary for logs and tests.
func (f *Flow) String() string {
	return fmt.Sprintf("#%d %s > %s %s %s %s", f.ID, f.Client, f.Server, f.Role, f.State(), f.History())
}

// fmtDur writes a duration in ns briefly: "0.2s", "35ms", "1.8s".
func fmtDur(ns int64) string {
	switch {
	case ns < 0:
		return "0s"
	case ns < 1e6:
		return fmt.Sprintf("%dµs", ns/1e3)
	case ns < 1e9:
		return fmt.Sprintf("%dms", ns/1e6)
	}
	return fmt.Sprintf("%.1fs", float64(ns)/1e9)
}
