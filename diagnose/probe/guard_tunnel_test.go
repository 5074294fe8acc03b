package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hopscope/hopscope/knowledge"
)

// recordingProxy is a forward proxy on loopback that writes down every CONNECT it is sent and
// opens the tunnel; inside it, it answers every HTTP request with 200 itself.
type recordingProxy struct {
	addr string
	mu   sync.Mutex
	sent []string // "CONNECT target HTTP/1.1|Host: …", one per request
}

func newRecordingProxy(t *testing.T) *recordingProxy {
	p := &recordingProxy{}
	p.addr = serve(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		head, err := readTestHead(br)
		if err != nil {
			return
		}
		p.mu.Lock()
		p.sent = append(p.sent, head[0]+"|"+hostOf(head))
		p.mu.Unlock()
		if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
			return
		}
		for {
			if _, err := readTestHead(br); err != nil {
				return
			}
			if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); err != nil {
				return
			}
		}
	})
	return p
}

func (p *recordingProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.sent...)
}

// readTestHead reads a request's lines up to the blank one.
func readTestHead(br *bufio.Reader) ([]string, error) {
	var head []string
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			return head, nil
		}
		head = append(head, l)
	}
}

func hostOf(head []string) string {
	for _, l := range head[1:] {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, "Host") {
			return "Host: " + strings.TrimSpace(v)
		}
	}
	return ""
}

// TestGuardTunnelNameNotResolvedHere: through a proxy, a target name that the list does not
// name is refused even when it resolves here into an allowed network: the proxy resolves the
// name again on its own and may get another answer. Nothing reaches the proxy. A name the list
// names is sent as typed.
func TestGuardTunnelNameNotResolvedHere(t *testing.T) {
	proxy := newRecordingProxy(t)
	// localhost resolves here (hosts file) to loopback, which the list allows.
	guard, err := ParseAllowList("127.0.0.0/8,::1")
	if err != nil {
		t.Fatal(err)
	}
	o := &Options{Target: mustURL(t, "http://localhost:9/"), Proxy: mustURL(t, "http://"+proxy.addr), Guard: guard,
		Until: CheckConnect, ProxyTimeout: 2 * time.Second}
	res, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Connect.NotAllowed == "" || !strings.Contains(res.Connect.NotAllowed, "localhost:9") {
		t.Errorf("a target name outside the list went to the proxy: %+v", res.Connect)
	}
	if got := proxy.requests(); len(got) != 0 {
		t.Errorf("the proxy was sent %q", got)
	}

	named, _ := ParseAllowList(proxy.addr + ",localhost:9")
	o.Guard = named
	res, _ = Run(context.Background(), o, nil)
	if res.Connect.NotAllowed != "" {
		t.Fatalf("a target the list names was refused: %s", res.Connect.NotAllowed)
	}
	for _, r := range proxy.requests() {
		if !strings.HasPrefix(r, "CONNECT localhost:9 HTTP/1.1|") {
			t.Errorf("the proxy was sent %q, want the name as typed", r)
		}
	}
}

// TestGuardConnectHost: the Host header the operator gives for the CONNECT is asked of the
// guard too (a proxy may route by it); refused, nothing is sent and the refusal names it.
func TestGuardConnectHost(t *testing.T) {
	proxy := newRecordingProxy(t)
	guard, _ := ParseAllowList("127.0.0.1/32")
	o := &Options{Target: mustURL(t, "http://127.0.0.1:9/"), Proxy: mustURL(t, "http://"+proxy.addr), Guard: guard,
		ConnectHost: "db.internal:5432", Until: CheckConnect, ProxyTimeout: 2 * time.Second}
	res, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Connect.NotAllowed, "db.internal:5432") {
		t.Errorf("the CONNECT Host was not refused: %+v", res.Connect)
	}
	if got := proxy.requests(); len(got) != 0 {
		t.Errorf("the proxy was sent %q", got)
	}
	if ref := Refusals(res.Connect); len(ref) != 1 || !strings.Contains(ref[0], "db.internal:5432") {
		t.Errorf("Refusals = %q", ref)
	}

	o.ConnectHost = "127.0.0.1:9"
	res, _ = Run(context.Background(), o, nil)
	if res.Connect.NotAllowed != "" || len(proxy.requests()) != 1 {
		t.Errorf("an allowed CONNECT Host: %+v, proxy got %q", res.Connect, proxy.requests())
	}
}

// countingGuard allows what its list allows, counts the tunnels asked for, and refuses every
// tunnel after the first allowTunnels.
type countingGuard struct {
	list         *AllowList
	allowTunnels int32
	tunnels      atomic.Int32
	lookups      atomic.Int32
}

func (g *countingGuard) AllowLookup(host string, port int) error {
	g.lookups.Add(1)
	return g.list.AllowLookup(host, port)
}

func (g *countingGuard) AllowDial(host string, addr netip.AddrPort) error {
	return g.list.AllowDial(host, addr)
}

func (g *countingGuard) AllowTunnel(host string, port int) error {
	if n := g.tunnels.Add(1); n > g.allowTunnels {
		return fmt.Errorf("tunnel %d: %w", n, ErrNotAllowed)
	}
	return g.list.AllowTunnel(host, port)
}

// TestGuardSecondTunnel: the keep-alive and upload checks open a tunnel of their own; the guard
// is asked again for it, and a refusal then sends nothing to the proxy.
func TestGuardSecondTunnel(t *testing.T) {
	proxy := newRecordingProxy(t)
	list, _ := ParseAllowList("127.0.0.1/32")
	g := &countingGuard{list: list, allowTunnels: 1}
	o := &Options{Target: mustURL(t, "http://127.0.0.1:9/"), Proxy: mustURL(t, "http://"+proxy.addr), Guard: g,
		ConnectHost: "127.0.0.1:9", KeepaliveIdle: 10 * time.Millisecond, ProxyTimeout: 2 * time.Second}
	res, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.HTTP == nil || res.HTTP.Outcome != HTTPAnswered {
		t.Fatalf("the first tunnel did not carry the request: %+v %+v", res.Connect, res.HTTP)
	}
	if n := g.tunnels.Load(); n < 2 {
		t.Errorf("the guard was asked for %d tunnels, want the keep-alive check's too", n)
	}
	if got := proxy.requests(); len(got) != 1 {
		t.Errorf("the proxy got %d CONNECTs, want the first only: %q", len(got), got)
	}
	if res.Keepalive == nil || res.Keepalive.Outcome != ReuseError || !strings.Contains(res.Keepalive.Err, "not among") {
		t.Errorf("keep-alive: %+v", res.Keepalive)
	}
}

// TestGuardZonedAddress: a link-local address with its zone is held by a network that holds it
// without the zone.
func TestGuardZonedAddress(t *testing.T) {
	l, err := ParseAllowList("fe80::/10")
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort("[fe80::1%eth0]:443")
	if err := l.AllowDial("fe80::1%eth0", ap); err != nil {
		t.Errorf("a zoned address in an allowed network was refused: %v", err)
	}
	if err := l.AllowTunnel("fe80::1%eth0", 443); err != nil {
		t.Errorf("a zoned tunnel target in an allowed network was refused: %v", err)
	}
	if err := l.AllowDial("fec0::1%eth0", netip.MustParseAddrPort("[fec0::1%eth0]:443")); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("a zoned address outside the network: %v", err)
	}
	one, _ := ParseAllowList("[fe80::1]:443")
	if err := one.AllowDial("fe80::1%eth0", ap); err != nil {
		t.Errorf("a zoned address its entry names without the zone was refused: %v", err)
	}
}

// TestGuardNoLookupOfUnlistedName: a name that no entry names is not looked up when the list
// holds no network or address its addresses could fall in (the query alone would tell the
// name's addresses to whoever typed it); it is when an entry names it or a network may hold it.
func TestGuardNoLookupOfUnlistedName(t *testing.T) {
	var queries atomic.Int32
	r := aDNS(t, netip.MustParseAddr("127.0.0.1"))
	inner := r.Dial
	r.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		queries.Add(1)
		return inner(ctx, network, addr)
	}
	port := closedPort(t)[len("127.0.0.1:"):]
	for _, tt := range []struct {
		list, target, proxy string
		lookup              bool
	}{
		{"", "http://named.hopscope.test:" + port + "/", "", false},
		{"proxy.corp:3128", "http://named.hopscope.test:" + port + "/", "", false},
		{"named.hopscope.test:1", "http://named.hopscope.test:" + port + "/", "", false},
		{"named.hopscope.test:" + port, "http://named.hopscope.test:" + port + "/", "", true},
		{"127.0.0.1/32", "http://named.hopscope.test:" + port + "/", "", true},
		{"127.0.0.1:" + port, "http://127.0.0.1:" + port + "/", "http://proxy.hopscope.test:3128", false},
		{"127.0.0.1:" + port + ",proxy.hopscope.test:3128", "http://127.0.0.1:" + port + "/", "http://proxy.hopscope.test:3128", true},
	} {
		queries.Store(0)
		l, err := ParseAllowList(tt.list)
		if err != nil {
			t.Fatal(err)
		}
		o := &Options{Target: mustURL(t, tt.target), Guard: l, Resolver: r, Until: CheckConnect, ConnectTimeout: time.Second, ProxyTimeout: time.Second}
		if tt.proxy != "" {
			o.Proxy = mustURL(t, tt.proxy)
		}
		res, err := Run(context.Background(), o, nil)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("list %q, %s via %q", tt.list, tt.target, tt.proxy)
		if got := queries.Load() > 0; got != tt.lookup {
			t.Errorf("%s: looked up %v, want %v", name, got, tt.lookup)
		}
		if tt.lookup {
			continue
		}
		var refused []string
		if tt.proxy == "" {
			if res.DNS == nil || res.DNS.Outcome != DNSNotAllowed || res.TCP != nil {
				t.Errorf("%s: dns %+v, tcp %+v", name, res.DNS, res.TCP)
			}
			refused = Refusals(res.DNS)
		} else {
			refused = Refusals(res.Connect)
		}
		if len(refused) != 1 || !strings.Contains(refused[0], "not among the targets") {
			t.Errorf("%s: refusals %q", name, refused)
		}
	}
	// A refused lookup is no evidence about the hop (no "does not resolve").
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	empty, _ := ParseAllowList("")
	for _, target := range []string{"http://named.hopscope.test/", "http://127.0.0.1:1/"} {
		o := &Options{Target: mustURL(t, target), Guard: empty, Resolver: r}
		if target == "http://127.0.0.1:1/" {
			o.Proxy = mustURL(t, "http://proxy.hopscope.test:3128")
		}
		res, _ := Run(context.Background(), o, nil)
		for _, ev := range Evidence(kb, res) {
			if !strings.HasPrefix(ev.Signal, "hop.") {
				t.Errorf("%s: a refused lookup became evidence %s", target, ev.Signal)
			}
		}
	}
}
