package probe

import (
	"context"
	"net"
	"testing"
	"time"
)

// fakeDNS answers every query on a loopback UDP port with rcode (3 NXDOMAIN, 2 SERVFAIL), or
// not at all when rcode is negative, and returns a resolver that asks only it.
func fakeDNS(t *testing.T, rcode int) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if rcode < 0 || n < 12 {
				continue
			}
			// RFC 1035 §4.1.1: same id and question, QR set, RD and RA set, the rcode, no answers.
			msg := append([]byte(nil), buf[:n]...)
			msg[2] = 0x81
			msg[3] = 0x80 | byte(rcode)
			msg[6], msg[7], msg[8], msg[9], msg[10], msg[11] = 0, 0, 0, 0, 0, 0
			_, _ = pc.WriteTo(msg, from)
		}
	}()
	addr := pc.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", addr)
	}}
}

func TestLookupOutcomes(t *testing.T) {
	for _, tt := range []struct {
		rcode int
		want  DNSOutcome
	}{{3, DNSNXDomain}, {2, DNSServFail}, {-1, DNSTimeout}} {
		r := LookupHost(context.Background(), fakeDNS(t, tt.rcode), "backend.hopscope.invalid", 500*time.Millisecond, time.Now)
		if r.Outcome != tt.want || len(r.Addrs) != 0 {
			t.Errorf("rcode %d: outcome %s (%s), want %s", tt.rcode, r.Outcome, r.Err, tt.want)
		}
		if tt.want == DNSTimeout && r.Took > 2*time.Second {
			t.Errorf("a silent resolver took %s, the deadline is 500ms", r.Took)
		}
	}
	if r := LookupHost(context.Background(), fakeDNS(t, 3), "::1", time.Second, time.Now); r.Outcome != DNSLiteral || r.Addrs[0].String() != "::1" {
		t.Errorf("literal: %+v", r)
	}
}
