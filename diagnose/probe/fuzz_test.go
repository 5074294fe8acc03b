package probe

import (
	"strings"
	"testing"
)

// FuzzSniff feeds arbitrary server bytes, in arbitrary pieces, to the record sniffer: it must not
// panic, must count every byte and must keep at most firstMax of them.
func FuzzSniff(f *testing.F) {
	f.Add([]byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40}, uint8(1))
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"), uint8(3))
	f.Add([]byte{0x16, 0x03, 0x03, 0xff, 0xff, 0x00}, uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, step uint8) {
		var s sniffConn
		n := int(step%16) + 1
		for i := 0; i < len(b); i += n {
			s.feed(b[i:min(i+n, len(b))])
		}
		in, first, _, _ := s.seen()
		if in != int64(len(b)) || len(first) > firstMax {
			t.Fatalf("counted %d of %d bytes, kept %d", in, len(b), len(first))
		}
	})
}

// FuzzProxyAnswer reads arbitrary status lines and header lines as a proxy's answer.
func FuzzProxyAnswer(f *testing.F) {
	f.Add("HTTP/1.1 403 Forbidden", "X-Squid-Error: ERR_ACCESS_DENIED 0\nVia: 1.1 p", "<html>denied</html>")
	f.Add("HTTP/1.0 200", "", "")
	f.Add("garbage", ":::", "\x00\xff")
	f.Fuzz(func(t *testing.T, status, headers, body string) {
		code, ok := parseStatusLine(status)
		if ok && (code < 100 || code > 999) {
			t.Fatalf("status %d from %q", code, status)
		}
		reason, said := readProxyReason(strings.Split(headers, "\n"), status+"\n"+body)
		if (reason == "") != (said == "") {
			t.Fatalf("reason %q said %q", reason, said)
		}
	})
}
