package capture

import (
	"bytes"
	"encoding/binary"
)

// TLS record content types (RFC 8446 §5.1) and handshake types (§4).
const (
	recAlert      = 21
	recHandshake  = 22
	recAppData    = 23
	hsClientHello = 1
	hsServerHello = 2
	alertWarning  = 1
)

// tlsState is how far a connection's TLS handshake went, as the capture shows it.
type tlsState struct {
	chPkt, chTime int64
	chSeq, chEnd  uint32 // the ClientHello's first sequence number and the one after it
	chAckPkt      int64  // the server's ACK that covered the ClientHello
	hello         ClientHello
	shPkt         int64
	shVersion     uint16
	alertPkt      int64
	alertDir      int
	alert         uint8 // alert description (RFC 8446 §6)
	alertLevel    uint8
	otherPkt      int64 // the server answered with something that is not TLS
	otherHTTP     bool  // and that something was an HTTP response: a plain HTTP server
	warned        bool  // the server sent a warning-level alert (not the end of the handshake)
	appPkt        int64 // application data flowed: the handshake completed
}

// ClientHello is what a ClientHello said about the connection it wants.
type ClientHello struct {
	// SNI is the server name asked for ("" when none was sent or it was past the captured bytes).
	SNI string
	// Version is the highest version offered: the supported_versions extension if present, else
	// the legacy version field (0x0303 is TLS 1.2, 0x0304 TLS 1.3).
	Version uint16
}

// isClientHello reports whether b starts with a TLS handshake record holding a ClientHello.
//
// Other protocols can start with the same five bytes: a Modbus/TCP request numbered 0x1603 reads
// as a handshake record with its unit id where the handshake type goes. A ClientHello is longer
// than 41 bytes (headers, version and random), shorter than 64 KiB (so the high byte of its
// handshake length, where Modbus has its function code, is zero) and asks for version 3.x.
func isClientHello(b []byte) bool {
	if len(b) < 6 || b[0] != recHandshake || b[1] != 3 || b[2] > 4 || b[5] != hsClientHello {
		return false
	}
	if binary.BigEndian.Uint16(b[3:]) < 42 {
		return false
	}
	return (len(b) < 7 || b[6] == 0) && (len(b) < 10 || b[9] == 3)
}

// skipWarnings drops the warning-level alerts at the start of a server's bytes (unrecognized_name
// before a ServerHello, for instance): they do not end a handshake. close_notify, also sent at
// warning level, does, and is kept.
func skipWarnings(b []byte) []byte {
	for len(b) >= 7 && b[0] == recAlert && b[1] == 3 && binary.BigEndian.Uint16(b[3:]) == 2 && b[5] == alertWarning && b[6] != 0 {
		b = b[7:]
	}
	return b
}

// parseClientHello reads the SNI and offered versions from a ClientHello record as far as the
// bytes go; a hello split over segments or cut by the snapshot length yields what was present.
func parseClientHello(b []byte, in *interner) ClientHello {
	var ch ClientHello
	if len(b) < 11 {
		return ch
	}
	ch.Version = binary.BigEndian.Uint16(b[9:])
	p := b[min(len(b), 43):] // record header 5, handshake header 4, version 2, random 32
	skip := func(lenBytes int) bool {
		if len(p) < lenBytes {
			return false
		}
		n := 0
		for _, c := range p[:lenBytes] {
			n = n<<8 | int(c)
		}
		if len(p) < lenBytes+n {
			return false
		}
		p = p[lenBytes+n:]
		return true
	}
	if !skip(1) || !skip(2) || !skip(1) || len(p) < 2 {
		return ch
	}
	p = p[2:]
	for len(p) >= 4 {
		typ, l := binary.BigEndian.Uint16(p), int(binary.BigEndian.Uint16(p[2:]))
		if len(p) < 4+l {
			break
		}
		v := p[4 : 4+l]
		switch typ {
		case 0: // server_name: list length, then (type, length, name)
			if len(v) >= 5 && v[2] == 0 {
				n := int(binary.BigEndian.Uint16(v[3:]))
				if 5+n <= len(v) && n <= 255 {
					ch.SNI = in.str(v[5 : 5+n])
				}
			}
		case 43: // supported_versions: length, then versions
			if len(v) >= 1 {
				for i := 1; i+1 < len(v) && i <= int(v[0]); i += 2 {
					ver := binary.BigEndian.Uint16(v[i:])
					if ver&0x0f0f == 0x0a0a {
						continue // GREASE (RFC 8701)
					}
					ch.Version = max(ch.Version, ver)
				}
			}
		}
		p = p[4+l:]
	}
	return ch
}

// serverHelloVersion returns the version a ServerHello record selects (supported_versions when
// present, else the legacy field), or 0 if b is not a ServerHello.
func serverHelloVersion(b []byte) uint16 {
	if len(b) < 11 || b[0] != recHandshake || b[5] != hsServerHello {
		return 0
	}
	ver := binary.BigEndian.Uint16(b[9:])
	p := b[min(len(b), 43):]
	if len(p) < 1 || len(p) < 1+int(p[0])+3 {
		return ver
	}
	p = p[1+int(p[0])+3:]
	if len(p) < 2 {
		return ver
	}
	p = p[2:]
	for len(p) >= 4 {
		typ, l := binary.BigEndian.Uint16(p), int(binary.BigEndian.Uint16(p[2:]))
		if len(p) < 4+l {
			break
		}
		if typ == 43 && l == 2 {
			return binary.BigEndian.Uint16(p[4:])
		}
		p = p[4+l:]
	}
	return ver
}

// isTLSRecord reports whether b starts with a plausible TLS record header.
func isTLSRecord(b []byte) bool {
	return len(b) >= 3 && b[0] >= 20 && b[0] <= 24 && b[1] == 3 && b[2] <= 4
}

// VersionName writes a TLS version number as "TLS 1.2".
func VersionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSL 3.0"
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case 0x0303:
		return "TLS 1.2"
	case 0x0304:
		return "TLS 1.3"
	}
	return "unknown version"
}

// AlertName names a TLS alert description (RFC 8446 §6, RFC 5246 §7.2).
func AlertName(d uint8) string {
	switch d {
	case 0:
		return "close_notify"
	case 10:
		return "unexpected_message"
	case 20:
		return "bad_record_mac"
	case 22:
		return "record_overflow"
	case 40:
		return "handshake_failure"
	case 42:
		return "bad_certificate"
	case 43:
		return "unsupported_certificate"
	case 44:
		return "certificate_revoked"
	case 45:
		return "certificate_expired"
	case 46:
		return "certificate_unknown"
	case 47:
		return "illegal_parameter"
	case 48:
		return "unknown_ca"
	case 49:
		return "access_denied"
	case 50:
		return "decode_error"
	case 51:
		return "decrypt_error"
	case 70:
		return "protocol_version"
	case 71:
		return "insufficient_security"
	case 80:
		return "internal_error"
	case 86:
		return "inappropriate_fallback"
	case 90:
		return "user_canceled"
	case 109:
		return "missing_extension"
	case 110:
		return "unsupported_extension"
	case 112:
		return "unrecognized_name"
	case 116:
		return "certificate_required"
	case 120:
		return "no_application_protocol"
	}
	return "alert"
}

// looksLikeHTML reports whether b starts like an HTML page: what an HTTP/0.9-style answer (no
// status line) to a request it could not parse begins with, such as Python's http.server
// answering a ClientHello.
func looksLikeHTML(b []byte) bool {
	b = b[:min(len(b), 16)]
	return bytes.HasPrefix(bytes.ToLower(b), []byte("<!doctype html")) || bytes.HasPrefix(bytes.ToLower(b), []byte("<html"))
}
