package capture

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// seedCaptures adds a few synthetic captures and small corpus files as fuzz seeds.
func seedCaptures(f *testing.F) {
	for _, sc := range scenarios[:6] {
		for _, v := range variants {
			f.Add(build(f, v.link, v.ng, v.h, sc.build))
		}
	}
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.pcap*"))
	for i, name := range files {
		if i%40 != 0 {
			continue
		}
		if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
}

// FuzzAnalyze feeds arbitrary bytes to the reader and the whole analysis: it must end (with an
// error or a summary) without panicking, and never return an error from Next but io.EOF.
func FuzzAnalyze(f *testing.F) {
	seedCaptures(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		rd, err := NewReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		for i := 0; ; i++ {
			p, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if p.Number != int64(i+1) || len(p.Data) > p.OrigLen && p.OrigLen != 0 {
				t.Fatalf("packet %+v", p)
			}
		}
		if _, err := Analyze(context.Background(), bytes.NewReader(b), Options{Name: "f"}); err != nil {
			t.Fatalf("Analyze failed after NewReader accepted the stream: %v", err)
		}
	})
}

// FuzzDecode feeds arbitrary packet bytes to the link/IP/TCP decoder under every link type.
func FuzzDecode(f *testing.F) {
	f.Add(uint16(LinkEthernet), []byte("\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x01\x08\x00E\x00\x00(\x00\x00@\x00@\x06\x00\x00\x7f\x00\x00\x01\x7f\x00\x00\x01\x9c\x41\x01\xbb\x00\x00\x03\xe8\x00\x00\x00\x00P\x02\xff\xff\x00\x00\x00\x00"))
	f.Add(uint16(layers.LinkTypeLinuxSLL2), make([]byte, 80))
	f.Add(uint16(LinkNull), []byte("\x1e\x00\x00\x00`\x00\x00\x00\x00\x14\x06@"))
	f.Fuzz(func(t *testing.T, link uint16, b []byte) {
		var s Segment
		if decode(LinkType(link), b, &s) == decodedTCP && len(s.Payload) > s.Len {
			t.Fatalf("payload %d longer than declared %d", len(s.Payload), s.Len)
		}
	})
}

// FuzzClientHello feeds arbitrary records to the TLS sniffers.
func FuzzClientHello(f *testing.F) {
	for _, sc := range []string{"backend.example", "", "a.b.c.d.e.f"} {
		f.Add(chFor(f, sc))
	}
	f.Add([]byte{22, 3, 3, 0, 4, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		ch := parseClientHello(b, nil)
		if len(ch.SNI) > 255 {
			t.Fatalf("SNI of %d bytes", len(ch.SNI))
		}
		serverHelloVersion(b)
		isTLSRecord(b)
	})
}

// FuzzHTTP feeds arbitrary heads to the HTTP sniffers.
func FuzzHTTP(f *testing.F) {
	f.Add([]byte("CONNECT b:443 HTTP/1.1\r\nHost: p:3128\r\n\r\n"))
	f.Add([]byte("POST /u HTTP/1.1\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\nbody"))
	f.Add([]byte("HTTP/1.1 503 Service Unavailable\r\nX-Squid-Error: ERR_CONNECT_FAIL 111\r\nProxy-Status: squid; error=connection_refused\r\n\r\n<html>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if requestMethod(b) != "" {
			r := parseRequest(b, nil)
			if len(r.Host) > maxValue || len(r.Target) > maxValue {
				t.Fatal("unbounded header value")
			}
		}
		if isResponse(b) {
			r := parseResponse(b, nil)
			proxyErrors(r)
			if len(r.SquidError) > maxValue || len(r.Body) > 512 {
				t.Fatal("unbounded header value")
			}
		}
	})
}

func chFor(tb testing.TB, sni string) []byte {
	tb.Helper()
	return synthClientHello(sni)
}
