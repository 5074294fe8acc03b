package synth

import (
	"crypto/tls"
	"encoding/binary"
	"net"
	"time"
)

// ClientHello returns the first flight of a real crypto/tls client asking for sni.
func ClientHello(sni string) []byte {
	c, s := net.Pipe()
	defer s.Close()
	go func() {
		cl := tls.Client(c, &tls.Config{ServerName: sni, InsecureSkipVerify: true})
		cl.SetDeadline(time.Now().Add(2 * time.Second))
		cl.Handshake()
		c.Close()
	}()
	s.SetDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 4096)
	n, _ := s.Read(buf)
	return buf[:n]
}

// ServerHello returns a minimal TLS 1.2 ServerHello record.
func ServerHello() []byte {
	body := []byte{3, 3}
	body = append(body, make([]byte, 32)...) // random
	body = append(body, 0, 0xc0, 0x2f, 0)    // no session id, a cipher suite, no compression
	hs := append([]byte{2, 0, 0, byte(len(body))}, body...)
	rec := []byte{22, 3, 3}
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(hs)))
	return append(rec, hs...)
}

// Alert returns a plaintext fatal TLS alert record.
func Alert(desc byte) []byte { return []byte{21, 3, 3, 0, 2, 2, desc} }
