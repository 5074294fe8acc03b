package probe

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// connectReq is a CONNECT as a proxy reads it, with the Host header as sent (net/http would
// replace it by the request target).
type connectReq struct{ target, host string }

// fakeProxy answers each CONNECT with answer(request) and then closes the connection.
func fakeProxy(t *testing.T, answer func(connectReq) string) (string, *[]string) {
	var mu sync.Mutex
	var hosts []string
	addr := serve(t, func(c net.Conn) {
		tp := textproto.NewReader(bufio.NewReader(c))
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		f := strings.Fields(line)
		hdr, _ := tp.ReadMIMEHeader()
		req := connectReq{target: f[1], host: hdr.Get("Host")}
		mu.Lock()
		hosts = append(hosts, req.host)
		mu.Unlock()
		_, _ = io.WriteString(c, answer(req))
	})
	return addr, &hosts
}

func TestConnectReadsTheProxysAnswer(t *testing.T) {
	body := "<html>access denied by rule</html>"
	proxy, _ := fakeProxy(t, func(connectReq) string {
		return "HTTP/1.1 403 Forbidden\r\nServer: squid/5.7\r\nX-Squid-Error: ERR_ACCESS_DENIED 0\r\n" +
			"Via: 1.1 proxy (squid/5.7)\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	})
	o := &Options{Target: mustURL(t, "https://backend.test:8443/"), Proxy: mustURL(t, "http://"+proxy),
		ProxyUser: "gw", ProxyPassword: "s3cret", ProxyTimeout: 2 * time.Second}
	r, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Connect
	if c == nil || len(c.Attempts) != 2 {
		t.Fatalf("want two CONNECTs (target's and proxy's name), got %+v", c)
	}
	a := c.Attempts[0]
	if a.Status != 403 || a.StatusLine != "HTTP/1.1 403 Forbidden" || a.Reason != ReasonAccessDenied {
		t.Errorf("attempt %+v", a)
	}
	if len(a.Headers) != 4 || a.Headers[1] != "X-Squid-Error: ERR_ACCESS_DENIED 0" || a.BodyStart != body {
		t.Errorf("headers %q body %q", a.Headers, a.BodyStart)
	}
	if strings.Contains(a.Request, "s3cret") || strings.Contains(a.Request, "Z3c6czNjcmV0") || !strings.Contains(a.Request, "Proxy-Authorization: Basic [redacted]") {
		t.Errorf("request not redacted: %q", a.Request)
	}
	if a.HostHeader != "backend.test:8443" || c.Attempts[1].HostHeader != proxy {
		t.Errorf("hosts %q %q", a.HostHeader, c.Attempts[1].HostHeader)
	}
	if c.Compared != NoDifference || c.Tunnel != -1 || r.TLS != nil {
		t.Errorf("compared %s tunnel %d tls %v", c.Compared, c.Tunnel, r.TLS)
	}
	if n := len(r.Waterfall); n != 3 || r.Waterfall[2].Name != PhaseCONNECT || r.Waterfall[2].OK {
		t.Errorf("waterfall %+v", r.Waterfall)
	}
}

func TestConnectComparesHostHeaders(t *testing.T) {
	proxy, hosts := fakeProxy(t, func(req connectReq) string {
		if req.host != req.target {
			return "HTTP/1.1 403 Request blocked\r\nContent-Length: 0\r\n\r\n"
		}
		return "HTTP/1.1 200 Connection established\r\n\r\n"
	})
	o := &Options{Target: mustURL(t, "https://backend.test/"), Proxy: mustURL(t, "http://"+proxy),
		ProxyTimeout: 2 * time.Second, TLSTimeout: 300 * time.Millisecond}
	r, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Connect.Compared != OnlyProxyNameRefused || r.Connect.Tunnel != 0 {
		t.Fatalf("compared %s tunnel %d, hosts %q", r.Connect.Compared, r.Connect.Tunnel, *hosts)
	}
	if g := r.Connect.Gateway(); g.Status != 403 || g.HostIs != HostIsProxy {
		t.Errorf("gateway's attempt %+v", g)
	}
	// The tunnel was used: the fake proxy closed it, so the handshake through it ends closed (or
	// reset, when the ClientHello arrived before the close).
	if r.TLS == nil || (r.TLS.Outcome != TLSClosed && r.TLS.Outcome != TLSReset) {
		t.Errorf("TLS through the tunnel: %+v", r.TLS)
	}
}

func TestConnectGivenHostIsComparedWithTheTargets(t *testing.T) {
	proxy, hosts := fakeProxy(t, func(req connectReq) string {
		if req.host != req.target {
			return "HTTP/1.1 403 Request blocked\r\nContent-Length: 0\r\n\r\n"
		}
		return "HTTP/1.1 200 Connection established\r\n\r\n"
	})
	o := &Options{Target: mustURL(t, "https://backend.test/"), Proxy: mustURL(t, "http://"+proxy), ConnectHost: proxy,
		TLSTimeout: 300 * time.Millisecond}
	r, _ := Run(context.Background(), o, nil)
	c := r.Connect
	if len(c.Attempts) != 2 || c.Attempts[0].HostIs != HostIsGiven || c.Attempts[1].HostIs != HostIsTarget {
		t.Fatalf("hosts %q attempts %+v", *hosts, c.Attempts)
	}
	if c.Compared != OnlyProxyNameRefused || c.Tunnel != 1 {
		t.Errorf("compared %s tunnel %d", c.Compared, c.Tunnel)
	}
	if g := c.Gateway(); g.HostIs != HostIsGiven || g.Status != 403 {
		t.Errorf("the gateway's attempt is %+v, want the given Host's 403", g)
	}
	if leading(t, r) != "tunnel.forbidden.host-header" {
		t.Errorf("leading cause %s", leading(t, r))
	}
}

func TestConnectGivenTargetHostIsTheOnlyOneSent(t *testing.T) {
	proxy, hosts := fakeProxy(t, func(connectReq) string {
		return "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=x\r\n\r\n"
	})
	o := &Options{Target: mustURL(t, "https://backend.test/"), Proxy: mustURL(t, "http://"+proxy), ConnectHost: "backend.test:443"}
	r, _ := Run(context.Background(), o, nil)
	if len(*hosts) != 1 || (*hosts)[0] != "backend.test:443" || r.Connect.Attempts[0].Reason != ReasonAuthRequired {
		t.Fatalf("hosts %q attempts %+v", *hosts, r.Connect.Attempts)
	}
}

func TestConnectSilentProxy(t *testing.T) {
	proxy := serve(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	const wait = time.Second
	o := &Options{Target: mustURL(t, "https://backend.test/"), Proxy: mustURL(t, "http://"+proxy), ProxyTimeout: wait}
	start := time.Now()
	r, _ := Run(context.Background(), o, nil)
	for _, a := range r.Connect.Attempts {
		if a.Outcome != ProxyNoAnswer {
			t.Errorf("attempt %+v", a)
		}
	}
	if len(r.Connect.Attempts) != 2 {
		t.Errorf("%d attempts, want both Host headers tried", len(r.Connect.Attempts))
	}
	// The two CONNECTs wait side by side: one after the other would take twice as long.
	if took := time.Since(start); took > wait*18/10 {
		t.Errorf("took %s: the second CONNECT must not wait after the first", took)
	}
}

func TestBudgetCutsDefaultDeadlinesOnly(t *testing.T) {
	proxy := serve(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	for _, tc := range []struct {
		name           string
		budget, proxyT time.Duration
		least, most    time.Duration
	}{
		// The default 8 s wait is cut to what remains of a 2 s budget.
		{"default deadline", 2 * time.Second, 0, 1500 * time.Millisecond, 3 * time.Second},
		// A spent budget still leaves a phase minPhase.
		{"spent budget", time.Nanosecond, 0, minPhase, 3 * time.Second},
		// A deadline the operator set is kept, budget or not.
		{"explicit deadline", 100 * time.Millisecond, 1500 * time.Millisecond, 1500 * time.Millisecond, 4 * time.Second},
	} {
		o := &Options{Target: mustURL(t, "https://backend.test/"), Proxy: mustURL(t, "http://"+proxy), ConnectHost: "backend.test:443",
			Budget: tc.budget, ProxyTimeout: tc.proxyT}
		r, _ := Run(context.Background(), o, nil)
		a := r.Connect.Attempts[0]
		if a.Outcome != ProxyNoAnswer || a.Took < tc.least || a.Took > tc.most {
			t.Errorf("%s: CONNECT %s after %s, want no answer after %s–%s", tc.name, a.Outcome, a.Took, tc.least, tc.most)
		}
	}
}

func TestUnreachableProxy(t *testing.T) {
	o := &Options{Target: mustURL(t, "https://backend.test/"), Proxy: mustURL(t, "http://"+closedPort(t))}
	r, _ := Run(context.Background(), o, nil)
	if r.Connect.TCP.Outcome() != TCPRefused || len(r.Connect.Attempts) != 0 {
		t.Fatalf("%+v", r.Connect)
	}
}

func TestCancelStopsAWaitingCheck(t *testing.T) {
	proxy := serve(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	r, _ := Run(ctx, &Options{Target: mustURL(t, "https://backend.test/"), Proxy: mustURL(t, "http://"+proxy)}, nil)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("cancel took %s", d)
	}
	if r.Connect.Attempts[0].Outcome != ProxyCanceled {
		t.Errorf("outcome %s", r.Connect.Attempts[0].Outcome)
	}
}

func TestUntilStopsAfterTheCheck(t *testing.T) {
	accepted := make(chan struct{}, 4)
	addr := serve(t, func(c net.Conn) {
		accepted <- struct{}{}
		_, _ = io.Copy(io.Discard, c)
	})
	var started []string
	h := &Hooks{CheckStart: func(c string) { started = append(started, c) }}
	r, err := Run(context.Background(), &Options{Target: mustURL(t, "https://"+addr+"/"), Until: CheckTCP}, h)
	if err != nil {
		t.Fatal(err)
	}
	if r.TCP == nil || r.TCP.Outcome() != TCPConnected || r.TLS != nil || strings.Join(started, ",") != "dns,tcp" {
		t.Fatalf("checks started %q, result %+v", started, r)
	}
}

func TestClassifyConnectByErrno(t *testing.T) {
	dialErr := func(errno syscall.Errno) error {
		// As net.Dialer returns it on Linux.
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}
	}
	for _, tc := range []struct {
		errno syscall.Errno
		want  TCPOutcome
	}{
		{syscall.ECONNREFUSED, TCPRefused},
		{syscall.EHOSTUNREACH, TCPUnreachable},
		{syscall.ENETUNREACH, TCPUnreachable},
		{syscall.EINVAL, TCPUnreachable}, // ip route add blackhole …
		{syscall.EACCES, TCPUnreachable}, // ip route add prohibit …
		{syscall.ETIMEDOUT, TCPTimeout},
		{syscall.EMFILE, TCPError},
	} {
		if got := classifyConnect(context.Background(), dialErr(tc.errno)); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.errno, got, tc.want)
		}
	}
}
