package probe

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hopscope/hopscope/knowledge"
)

// aDNS answers A queries for any name with addrs and AAAA queries with nothing, on a loopback
// UDP port, and returns a resolver that asks only it.
func aDNS(t *testing.T, addrs ...netip.Addr) *net.Resolver {
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
			if n < 12 {
				continue
			}
			// The question's name ends at its zero label; its type follows (RFC 1035 §4.1.2).
			end := 12
			for end < n && buf[end] != 0 {
				end += int(buf[end]) + 1
			}
			if end+5 > n {
				continue
			}
			qtype := int(buf[end+1])<<8 | int(buf[end+2])
			msg := append([]byte(nil), buf[:end+5]...)
			msg[2], msg[3] = 0x81, 0x80
			msg[8], msg[9], msg[10], msg[11] = 0, 0, 0, 0
			if qtype == 1 {
				msg[7] = byte(len(addrs))
				for _, a := range addrs {
					ip := a.As4()
					msg = append(msg, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ip[0], ip[1], ip[2], ip[3])
				}
			} else {
				msg[7] = 0
			}
			_, _ = pc.WriteTo(msg, from)
		}
	}()
	addr := pc.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", addr)
	}}
}

// countingListener accepts on addr and counts the connections it was given.
func countingListener(t *testing.T, addr string) (port int, accepted *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = new(atomic.Int32)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, accepted
}

func TestParseAllowList(t *testing.T) {
	l, err := ParseAllowList("10.0.0.0/8, 192.0.2.7:8443,[::1]:9000,fd00::/8 Backend.Internal.,proxy.corp:3128")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		host string
		addr string
		ok   bool
	}{
		{"10.1.2.3", "10.1.2.3:443", true},
		{"x", "11.1.2.3:443", false},
		{"192.0.2.7", "192.0.2.7:8443", true},
		{"192.0.2.7", "192.0.2.7:22", false},
		{"::1", "[::1]:9000", true},
		{"::1", "[::1]:22", false},
		{"x", "[fd12::1]:22", true},
		{"x", "[::ffff:10.9.9.9]:80", true}, // an IPv4-mapped address is its IPv4 address
		{"backend.internal", "203.0.113.5:1", true},
		{"proxy.corp", "203.0.113.6:3128", true},
		{"proxy.corp", "203.0.113.6:3129", false},
	} {
		err := l.AllowDial(tt.host, netip.MustParseAddrPort(tt.addr))
		if (err == nil) != tt.ok {
			t.Errorf("%s (%s): allowed %v, want %v (%v)", tt.addr, tt.host, err == nil, tt.ok, err)
		}
		if err != nil && !errors.Is(err, ErrNotAllowed) {
			t.Errorf("%s: the refusal does not wrap ErrNotAllowed: %v", tt.addr, err)
		}
	}
	if got := l.String(); got != "10.0.0.0/8,192.0.2.7:8443,[::1]:9000,fd00::/8,backend.internal,proxy.corp:3128" {
		t.Errorf("String() = %q", got)
	}
	for _, bad := range []string{"10.0.0.0/33", "host:0", "host:http", "a b/c", "bad$name", "10.0.0.0/8:443"} {
		if _, err := ParseAllowList(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
	empty, err := ParseAllowList("")
	if err != nil || !empty.Empty() {
		t.Fatalf("empty list: %v %v", empty, err)
	}
	if err := empty.AllowDial("127.0.0.1", netip.MustParseAddrPort("127.0.0.1:80")); err == nil || !strings.Contains(err.Error(), "no target is allowed") {
		t.Errorf("the empty list let a dial through or did not say why: %v", err)
	}
}

// TestGuardEveryAddress: a name that resolves to an allowed and a disallowed address reaches
// only the allowed one, and the attempt for the other says it was refused and sends nothing.
func TestGuardEveryAddress(t *testing.T) {
	port, onAllowed := countingListener(t, "127.0.0.1:0")
	other, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.2", "0"))
	if err != nil {
		t.Skipf("no 127.0.0.2 on loopback: %v", err)
	}
	other.Close()
	_, onRefused := countingListener(t, net.JoinHostPort("127.0.0.2", itoa(port)))

	guard, err := ParseAllowList("127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	o := &Options{Target: mustURL(t, "http://mixed.hopscope.test:"+itoa(port)+"/"), Guard: guard, Until: CheckTCP,
		Resolver: aDNS(t, netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.1")), ConnectTimeout: 2 * time.Second}
	res, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.TCP == nil || len(res.TCP.Attempts) != 2 {
		t.Fatalf("want two attempts, got %+v (dns %+v)", res.TCP, res.DNS)
	}
	if a := res.TCP.Attempts[0]; a.Outcome != TCPNotAllowed || !strings.Contains(a.Err, "127.0.0.2") {
		t.Errorf("the disallowed address: %+v", a)
	}
	if a := res.TCP.Attempts[1]; a.Outcome != TCPConnected {
		t.Errorf("the allowed address: %+v", a)
	}
	time.Sleep(50 * time.Millisecond)
	if n := onRefused.Load(); n != 0 {
		t.Errorf("the disallowed address got %d connections", n)
	}
	if n := onAllowed.Load(); n != 1 {
		t.Errorf("the allowed address got %d connections, want 1", n)
	}

	// Every address refused: nothing is dialled, and the refusal is no evidence about the hop.
	none, _ := ParseAllowList("192.0.2.0/24")
	o.Guard = none
	res, _ = Run(context.Background(), o, nil)
	if res.TCP.Outcome() != TCPNotAllowed {
		t.Errorf("outcome %s, want not-allowed", res.TCP.Outcome())
	}
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range Evidence(kb, res) {
		if strings.HasPrefix(ev.Signal, "tcp.") {
			t.Errorf("a refused dial became evidence: %s", ev.Signal)
		}
	}
	if onRefused.Load() != 0 || onAllowed.Load() != 1 {
		t.Errorf("a refused run connected: %d %d", onRefused.Load(), onAllowed.Load())
	}
}

// TestGuardTunnel: through a proxy, the CONNECT's target must be allowed too (the proxy would
// open it); a refused target sends nothing to the proxy, an allowed one goes through.
func TestGuardTunnel(t *testing.T) {
	proxyPort, proxied := countingListener(t, "127.0.0.1:0")
	guard, _ := ParseAllowList("127.0.0.1:" + itoa(proxyPort))
	for _, target := range []string{"https://10.0.0.1/", "https://spread.hopscope.test/", "https://127.0.0.1:1/"} {
		o := &Options{Target: mustURL(t, target), Proxy: mustURL(t, "http://127.0.0.1:"+itoa(proxyPort)), Guard: guard, Until: CheckConnect}
		res, err := Run(context.Background(), o, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Connect == nil || res.Connect.NotAllowed == "" || res.Connect.TCP != nil {
			t.Errorf("%s through the proxy was not refused: %+v", target, res.Connect)
		}
	}
	if n := proxied.Load(); n != 0 {
		t.Errorf("the proxy got %d connections for refused targets", n)
	}
	allowed, _ := ParseAllowList("127.0.0.1:" + itoa(proxyPort) + ",backend.hopscope.test:443")
	o := &Options{Target: mustURL(t, "https://backend.hopscope.test/"), Proxy: mustURL(t, "http://127.0.0.1:"+itoa(proxyPort)),
		Guard: allowed, Until: CheckConnect, ProxyTimeout: time.Second}
	res, _ := Run(context.Background(), o, nil)
	if res.Connect.NotAllowed != "" || res.Connect.TCP == nil || res.Connect.TCP.Outcome() != TCPConnected {
		t.Errorf("an allowed target through an allowed proxy: %+v", res.Connect)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
