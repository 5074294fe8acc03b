package probe

import (
	"net"
	"strconv"
	"sync"
)

// TLS record content types (RFC 8446 §5.1).
const (
	recordChangeCipherSpec = 20
	recordAlert            = 21
	recordHandshake        = 22
	recordApplicationData  = 23
)

// sniffConn passes a connection through and watches the bytes the server sends: how many, the
// first few, and the plaintext TLS alerts among the records. That is how a probe tells an alert
// from silence, a close or a server that does not speak TLS, whatever error crypto/tls returns.
type sniffConn struct {
	net.Conn

	mu      sync.Mutex
	in      int64   // bytes received
	first   []byte  // the first bytes received, up to firstMax
	hdr     [5]byte // the record header being read
	hdrN    int     // bytes of hdr filled
	left    int     // bytes of the current record's body still to come
	typ     byte    // the current record's content type
	body    []byte  // the current alert record's body (2 bytes)
	alerts  [][2]byte
	records int
	notTLS  bool
}

const firstMax = 16

func (s *sniffConn) Read(p []byte) (int, error) {
	n, err := s.Conn.Read(p)
	if n > 0 {
		s.mu.Lock()
		s.feed(p[:n])
		s.mu.Unlock()
	}
	return n, err
}

// feed parses the record layer just enough to find plaintext alerts.
func (s *sniffConn) feed(b []byte) {
	s.in += int64(len(b))
	if k := min(firstMax-len(s.first), len(b)); k > 0 {
		s.first = append(s.first, b[:k]...)
	}
	for len(b) > 0 && !s.notTLS {
		if s.left == 0 {
			k := copy(s.hdr[s.hdrN:], b)
			s.hdrN += k
			b = b[k:]
			if s.hdrN < len(s.hdr) {
				return
			}
			s.hdrN = 0
			s.typ = s.hdr[0]
			if s.typ < recordChangeCipherSpec || s.typ > recordApplicationData || s.hdr[1] != 3 {
				s.notTLS = true
				return
			}
			s.left = int(s.hdr[3])<<8 | int(s.hdr[4])
			s.records++
			s.body = s.body[:0]
			if s.left == 0 {
				continue
			}
		}
		k := min(s.left, len(b))
		// An alert in the clear is a record of type 21 and length 2; an encrypted one is longer.
		if s.typ == recordAlert && s.hdr[3] == 0 && s.hdr[4] == 2 {
			s.body = append(s.body, b[:k]...)
			if len(s.body) == 2 {
				s.alerts = append(s.alerts, [2]byte{s.body[0], s.body[1]})
			}
		}
		s.left -= k
		b = b[k:]
	}
}

// seen returns what was observed so far.
func (s *sniffConn) seen() (in int64, first []byte, alerts [][2]byte, notTLS bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.in, append([]byte(nil), s.first...), append([][2]byte(nil), s.alerts...), s.notTLS
}

// alertNames names the TLS alert descriptions (RFC 8446 §6, RFC 5246 §7.2).
var alertNames = map[byte]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow",
	40: "handshake_failure", 42: "bad_certificate", 43: "unsupported_certificate",
	44: "certificate_revoked", 45: "certificate_expired", 46: "certificate_unknown",
	47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied", 50: "decode_error",
	51: "decrypt_error", 70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
	86: "inappropriate_fallback", 90: "user_canceled", 109: "missing_extension",
	110: "unsupported_extension", 112: "unrecognized_name", 113: "bad_certificate_status_response",
	115: "unknown_psk_identity", 116: "certificate_required", 120: "no_application_protocol",
}

// alertName writes an alert description as "handshake_failure (40)".
func alertName(d byte) string {
	n, ok := alertNames[d]
	if !ok {
		n = "alert"
	}
	return n + " (" + strconv.Itoa(int(d)) + ")"
}
