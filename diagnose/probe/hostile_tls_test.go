package probe

import (
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// serverHello is a minimal TLS 1.2 ServerHello record choosing a cipher every client offers by
// default (ECDHE-RSA-AES128-GCM-SHA256): enough for crypto/tls to go on to read the certificate.
func serverHello() []byte {
	body := []byte{0x03, 0x03}                                    // TLS 1.2
	body = append(body, make([]byte, 32)...)                      // random
	body = append(body, 0)                                        // no session id
	body = append(body, 0xc0, 0x2f)                               // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	body = append(body, 0)                                        // no compression
	body = append(body, 0x00, 0x05, 0xff, 0x01, 0x00, 0x01, 0x00) // renegotiation_info, empty
	msg := append([]byte{2, 0, byte(len(body) >> 8), byte(len(body))}, body...)
	return record(22, msg)
}

func record(typ byte, b []byte) []byte {
	r := []byte{typ, 3, 3, 0, 0}
	binary.BigEndian.PutUint16(r[3:], uint16(len(b)))
	return append(r, b...)
}

// readClientHello reads the client's first flight (one record).
func readClientHello(c net.Conn) {
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(c, hdr); err != nil {
		return
	}
	_, _ = io.CopyN(io.Discard, c, int64(binary.BigEndian.Uint16(hdr[3:])))
}

func TestHandshakeHostileServers(t *testing.T) {
	tests := []struct {
		name   string
		handle func(net.Conn)
		want   TLSOutcome
		signal string // the evidence the outcome gives
		says   string // what its detail says happened
	}{
		{"ServerHello trickled a byte at a time", func(c net.Conn) {
			readClientHello(c)
			for _, b := range serverHello() {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}, TLSIncomplete, "tls.handshake.timeout", "answered too slowly: handshake incomplete after"},
		{"16 MB certificate", func(c net.Conn) {
			readClientHello(c)
			size := 16<<20 - 1
			cert := []byte{11, byte(size >> 16), byte(size >> 8), byte(size)}
			_, _ = c.Write(append(serverHello(), record(22, cert)...))
			chunk := make([]byte, 16384)
			for sent := 0; sent < size; sent += len(chunk) {
				if _, err := c.Write(record(22, chunk)); err != nil {
					return
				}
			}
		}, TLSOversized, "tls.handshake.rejected", "more than a TLS client accepts"},
		{"a record past the 16 kB a record may carry", func(c net.Conn) {
			readClientHello(c)
			_, _ = c.Write(append(serverHello(), record(22, make([]byte, 0xffff))...))
		}, TLSOversized, "tls.handshake.rejected", "more than a TLS client accepts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := handshakeWith(t, &Options{TLSTimeout: 600 * time.Millisecond}, tt.handle)
			if r.Outcome != tt.want {
				t.Fatalf("outcome %s (%s), want %s", r.Outcome, r.Err, tt.want)
			}
			if r.Received == 0 || r.ClientHelloAcked != nil {
				t.Errorf("received %d, ClientHello acknowledged %v: the server did answer", r.Received, r.ClientHelloAcked)
			}
			ev := CheckEvidence(kb(t), CheckTLS, r, time.Now())
			if len(ev) != 1 || ev[0].Signal != tt.signal || !strings.Contains(ev[0].Detail, tt.says) {
				t.Fatalf("evidence %+v, want one %s saying %q", ev, tt.signal, tt.says)
			}
		})
	}
}
