package capture

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/hopscope/hopscope/capture/internal/synth"
)

// TestDescribeQuotesRequestsSafely: a request line is redacted before it is cut (a password
// whose @ lies past the cut stays hidden) and its controls are escaped.
func TestDescribeQuotesRequestsSafely(t *testing.T) {
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	var buf bytes.Buffer
	w, _ := synth.NewWriter(&buf, layers.LinkTypeEthernet, false)
	conn := w.NewConn(t0, netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:8080"))
	conn.Handshake(0, ms)
	long := "GET http://gw:" + strings.Repeat("s", 190) + "PLANTEDsecret@backend:8080/ HTTP/1.1\r\nHost: b\r\n\r\n"
	conn.Data(2*ms, true, []byte(long))
	conn.Data(3*ms, true, []byte("GET /\x1b]0;owned\a\x1b[2J HTTP/1.1\r\nHost: b\r\n\r\n"))
	rd, err := NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var infos []string
	for {
		p, err := rd.Next()
		if err != nil {
			break
		}
		if in := Describe(&p).Info; strings.HasPrefix(in, "GET") {
			infos = append(infos, in)
		}
	}
	if len(infos) != 2 {
		t.Fatalf("infos %q", infos)
	}
	if strings.Contains(infos[0], "sss") || !strings.Contains(infos[0], "gw:[redacted]@") || len(infos[0]) > 200 {
		t.Errorf("long request described as %q", infos[0])
	}
	if strings.ContainsAny(infos[1], "\x1b\a") || !strings.Contains(infos[1], `\x1b]0;owned\x07\x1b[2J`) {
		t.Errorf("request with controls described as %q", infos[1])
	}
}
