package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSniffFindsAlertSplitAcrossReads(t *testing.T) {
	var s sniffConn
	rec := []byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40}
	for _, b := range rec {
		s.feed([]byte{b})
	}
	_, _, alerts, notTLS := s.seen()
	if notTLS || len(alerts) != 1 || alerts[0] != [2]byte{2, 40} {
		t.Fatalf("alerts %v notTLS %v, want one fatal handshake_failure", alerts, notTLS)
	}
	if got := alertName(40); got != "handshake_failure (40)" {
		t.Errorf("alertName(40) = %q", got)
	}
}

func TestSniffTellsNotTLS(t *testing.T) {
	var s sniffConn
	s.feed([]byte("HTTP/1.1 400 Bad Request\r\n"))
	in, first, _, notTLS := s.seen()
	if !notTLS || in != 26 || quoteBytes(first) != `HTTP/1.1 400 Bad` {
		t.Fatalf("notTLS %v in %d first %q", notTLS, in, quoteBytes(first))
	}
}

// handshakeWith runs Handshake against a server that does handle with each connection.
func handshakeWith(t *testing.T, o *Options, handle func(net.Conn)) *TLSResult {
	t.Helper()
	addr := serve(t, handle)
	return handshakeAt(t, o, addr)
}

func handshakeAt(t *testing.T, o *Options, addr string) *TLSResult {
	t.Helper()
	if o.Target == nil {
		o.Target = mustURL(t, "https://backend.test/")
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r, _ := Handshake(context.Background(), conn, o, true)
	return r
}

func TestHandshakeOutcomes(t *testing.T) {
	tests := []struct {
		name   string
		handle func(net.Conn)
		want   TLSOutcome
		check  func(*testing.T, *TLSResult)
	}{
		{"alert", func(c net.Conn) {
			_, _ = c.Read(make([]byte, 4096))
			_, _ = c.Write([]byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 70})
		}, TLSAlert, func(t *testing.T, r *TLSResult) {
			if r.Alert != "protocol_version (70)" {
				t.Errorf("alert %q", r.Alert)
			}
		}},
		{"silence after the ClientHello", func(c net.Conn) {
			_, _ = io.Copy(io.Discard, c)
		}, TLSTimeout, func(t *testing.T, r *TLSResult) {
			if r.ClientHelloAcked == nil || !*r.ClientHelloAcked {
				t.Errorf("ClientHello acknowledged by the kernel, got %v (tcp %+v)", r.ClientHelloAcked, r.TCP)
			}
		}},
		{"close", func(c net.Conn) { _, _ = c.Read(make([]byte, 4096)) }, TLSClosed, nil},
		{"reset", func(c net.Conn) {
			_, _ = c.Read(make([]byte, 4096))
			c.(*net.TCPConn).SetLinger(0)
		}, TLSReset, nil},
		{"plain HTTP", func(c net.Conn) {
			_, _ = c.Read(make([]byte, 4096))
			_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n")
		}, TLSNotTLS, func(t *testing.T, r *TLSResult) {
			if !strings.HasPrefix(r.FirstBytes, "HTTP/1.1 400") {
				t.Errorf("first bytes %q", r.FirstBytes)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := handshakeWith(t, &Options{TLSTimeout: 400 * time.Millisecond}, tt.handle)
			if r.Outcome != tt.want {
				t.Fatalf("outcome %s (%s), want %s", r.Outcome, r.Err, tt.want)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestHandshakeCompletesAndVerifies(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())

	r := handshakeAt(t, &Options{Target: mustURL(t, "https://example.com/"), Roots: roots, TLSMax: tls.VersionTLS12}, addr)
	if r.Outcome != TLSOK || r.Version != "TLS 1.2" || !r.Verified || r.SNI != "example.com" || len(r.Chain) == 0 {
		t.Fatalf("got %+v", r)
	}
	r = handshakeAt(t, &Options{Target: mustURL(t, "https://example.com/")}, addr)
	if r.Outcome != TLSBadCert || r.VerifyErr == "" {
		t.Fatalf("untrusted certificate: outcome %s verify %q", r.Outcome, r.VerifyErr)
	}
	r = handshakeAt(t, &Options{Target: mustURL(t, "https://example.com/"), Insecure: true}, addr)
	if r.Outcome != TLSOK || r.Verified {
		t.Fatalf("insecure: outcome %s verified %v", r.Outcome, r.Verified)
	}
}
