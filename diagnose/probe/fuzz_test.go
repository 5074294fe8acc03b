package probe

import (
	"bufio"
	"bytes"
	"errors"
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

// FuzzHeadLine reads arbitrary bytes as an answer's head: a line is returned only when its line
// ending arrived, never holds one, and the bytes read never pass the bound.
func FuzzHeadLine(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 Connection establ"))
	f.Add([]byte(strings.Repeat("a", 70000)))
	f.Fuzz(func(t *testing.T, b []byte) {
		hc := newHeadCap(bytes.NewReader(b))
		br := bufio.NewReaderSize(hc, 4096)
		var got int64
		rest := b
		for {
			line, n, err := readHeadLine(br, got)
			if err != nil {
				var cut *CutError
				if errors.As(err, &cut) && cut.Got == 0 {
					t.Fatalf("a cut after 0 bytes: %v", err)
				}
				break
			}
			i := bytes.IndexByte(rest, '\n')
			if i < 0 || strings.Contains(line, "\n") || !strings.HasPrefix(string(rest), line) {
				t.Fatalf("line %q returned from %q", line, rest)
			}
			rest, got = rest[i+1:], n
		}
		if hc.got > maxHead {
			t.Fatalf("read %d bytes, past the %d bound", hc.got, maxHead)
		}
	})
}
