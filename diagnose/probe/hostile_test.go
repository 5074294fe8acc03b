package probe

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// hostileBytes bounds what a hostile server sends: far past maxHead, so a probe without the
// bound would buffer hundreds of MB, yet finite, so a broken probe fails instead of taking the
// machine down.
const hostileBytes = 256 << 20

// endless writes prefix and then a line that never ends, until hostileBytes or the client goes.
func endless(c net.Conn, prefix string) {
	if _, err := io.WriteString(c, prefix); err != nil {
		return
	}
	chunk := []byte(strings.Repeat("a", 32<<10))
	for sent := 0; sent < hostileBytes; sent += len(chunk) {
		if _, err := c.Write(chunk); err != nil {
			return
		}
	}
}

// readHead reads a request's or a CONNECT's head (up to its blank line) and returns its first line.
func readHead(br *bufio.Reader) string {
	first := ""
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return first
		}
		if first == "" {
			first = strings.TrimRight(l, "\r\n")
		}
		if l == "\r\n" || l == "\n" {
			return first
		}
	}
}

// hostileServer answers every request (or CONNECT) on a connection with answer, which may
// stream forever; a nil answer ends the connection.
func hostileServer(t testing.TB, answer func(c net.Conn, first string, n int)) string {
	return serve(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for n := 0; ; n++ {
			first := readHead(br)
			if first == "" {
				return
			}
			answer(c, first, n)
		}
	})
}

// tunnelThen answers a CONNECT with 200 and then plays answer as the backend on the tunnel.
func tunnelThen(backend string) func(net.Conn, string, int) {
	return func(c net.Conn, first string, n int) {
		if n == 0 {
			_, _ = io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
			return
		}
		endless(c, backend)
	}
}

// cut writes s and closes the connection.
func cut(c net.Conn, s string) {
	_, _ = io.WriteString(c, s)
	c.Close()
}

func ok(c net.Conn, _ string, _ int) {
	_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
}

func TestHostileAnswersAreBounded(t *testing.T) {
	tests := []struct {
		name   string
		answer func(net.Conn, string, int)
		proxy  bool
		want   func(*Result) (string, bool)
	}{
		{"endless status line", func(c net.Conn, _ string, _ int) { endless(c, "HTTP/1.1 200 ") }, false, httpIs(HTTPTooLarge)},
		{"endless header", func(c net.Conn, _ string, _ int) { endless(c, "HTTP/1.1 200 OK\r\nX-Long: ") }, false, httpIs(HTTPTooLarge)},
		{"endless headers, each short", func(c net.Conn, _ string, _ int) {
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\n")
			for i := 0; i < hostileBytes/16; i++ {
				if _, err := io.WriteString(c, "X-Many: aaaaaa\r\n"); err != nil {
					return
				}
			}
		}, false, httpIs(HTTPTooLarge)},
		{"status line cut by a close", func(c net.Conn, _ string, _ int) { cut(c, "HTTP/1.1 200 O") }, false, httpIs(HTTPCut)},
		{"headers cut by a close", func(c net.Conn, _ string, _ int) {
			cut(c, "HTTP/1.1 200 OK\r\nContent-Le")
		}, false, httpIs(HTTPCut)},
		{"proxy: endless status line", func(c net.Conn, _ string, _ int) { endless(c, "HTTP/1.1 200 ") }, true, connectIs(ProxyTooLarge)},
		{"proxy: endless header", func(c net.Conn, _ string, _ int) { endless(c, "HTTP/1.1 403 Forbidden\r\nX-Long: ") }, true, connectIs(ProxyTooLarge)},
		{"proxy: 200 cut mid-line by a close", func(c net.Conn, _ string, _ int) {
			cut(c, "HTTP/1.1 200 Connection establ")
		}, true, connectIs(ProxyCut)},
		{"proxy: 200 cut mid-line, then silence", func(c net.Conn, _ string, _ int) {
			_, _ = io.WriteString(c, "HTTP/1.1 200 Connection establ")
			time.Sleep(time.Second)
		}, true, connectIs(ProxyCut)},
		{"proxy: 200 without the blank line", func(c net.Conn, _ string, _ int) {
			cut(c, "HTTP/1.1 200 Connection established\r\n")
		}, true, connectIs(ProxyCut)},
		{"tunnel: 200, then an endless line from the backend", tunnelThen("HTTP/1.1 200 "), true, httpIs(HTTPTooLarge)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := hostileServer(t, tt.answer)
			o := &Options{Target: mustURL(t, "http://"+addr+"/"), ProxyTimeout: 500 * time.Millisecond, HTTPTimeout: 2 * time.Second}
			if tt.proxy {
				o.Target, o.Proxy = mustURL(t, "http://backend.test/"), mustURL(t, "http://"+addr)
				o.ConnectHost = "backend.test:80"
			}
			r, err := Run(context.Background(), o, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := tt.want(r); !ok {
				t.Fatalf("got %s", got)
			}
		})
	}
}

func httpIs(want HTTPOutcome) func(*Result) (string, bool) {
	return func(r *Result) (string, bool) {
		if r.HTTP == nil {
			return "no HTTP check", false
		}
		h := r.HTTP
		return string(h.Outcome) + " (" + h.Err + ")", h.Outcome == want && h.Status == 0 && h.Err != ""
	}
}

// connectIs wants the CONNECT to end with want and no tunnel to be opened (so no check follows).
func connectIs(want ProxyOutcome) func(*Result) (string, bool) {
	return func(r *Result) (string, bool) {
		if r.Connect == nil || len(r.Connect.Attempts) == 0 {
			return "no CONNECT", false
		}
		a := r.Connect.Attempts[0]
		return string(a.Outcome) + " (" + a.Err + ")", a.Outcome == want && !a.Accepted() && r.Connect.Tunnel == -1 && r.HTTP == nil && a.Err != ""
	}
}

func TestCutErrorSaysHowFarTheAnswerGot(t *testing.T) {
	addr := hostileServer(t, func(c net.Conn, _ string, _ int) { cut(c, "HTTP/1.1 200 Connection establ") })
	o := &Options{Target: mustURL(t, "http://backend.test/"), Proxy: mustURL(t, "http://"+addr), ConnectHost: "backend.test:80", ProxyTimeout: time.Second}
	r, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := r.Connect.Attempts[0]
	if a.Status != 0 || a.StatusLine != "" || !strings.Contains(a.Err, "after 30 bytes") {
		t.Fatalf("attempt %+v", a)
	}
	if ev := Evidence(kb(t), r); hasSignal(ev, "proxy.connect.status.200") {
		t.Fatalf("a cut status line counted as a 200: %+v", ev)
	}
}

func TestUploadAndReuseAnswersAreBounded(t *testing.T) {
	addr := hostileServer(t, func(c net.Conn, first string, n int) {
		if strings.HasPrefix(first, "POST") || n > 0 {
			endless(c, "HTTP/1.1 100 ")
			return
		}
		ok(c, first, n)
	})
	o := &Options{Target: mustURL(t, "http://"+addr+"/"), BodySize: 1 << 10, KeepaliveIdle: 10 * time.Millisecond, HTTPTimeout: 2 * time.Second}
	r, err := Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Body == nil || r.Body.Outcome != BodyBadAnswer || !strings.Contains(r.Body.Err, ErrHeadTooLarge.Error()) {
		t.Errorf("upload %+v", r.Body)
	}
	if r.Keepalive == nil || r.Keepalive.Outcome != ReuseFailed || r.Keepalive.Second.Outcome != HTTPTooLarge {
		t.Errorf("reuse %+v", r.Keepalive)
	}
}

// TestHostilePeakMemory runs the checks in a child process against servers that send endless
// lines (direct, and through a tunnel) and asserts the child's peak resident memory.
func TestHostilePeakMemory(t *testing.T) {
	if os.Getenv("HOPSCOPE_HOSTILE_CHILD") != "" {
		return
	}
	direct := hostileServer(t, func(c net.Conn, _ string, _ int) { endless(c, "HTTP/1.1 200 OK\r\nX-Long: ") })
	proxy := hostileServer(t, func(c net.Conn, _ string, _ int) { endless(c, "HTTP/1.1 200 ") })
	tunnel := hostileServer(t, tunnelThen("HTTP/1.1 200 "))
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostileChild$", "-test.v")
	cmd.Env = append(os.Environ(), "HOPSCOPE_HOSTILE_CHILD="+direct+","+proxy+","+tunnel)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // kB on Linux
	t.Logf("child peak RSS %.1f MB", float64(peak)/(1<<20))
	// A test binary idles at about 15 MB; each answer may cost maxHead and a buffer. Without
	// the bound the child reads the servers' 3 × 256 MB.
	if peak > 64<<20 {
		t.Fatalf("child peak RSS %.1f MB, want at most 64 MB", float64(peak)/(1<<20))
	}
	if !strings.Contains(string(out), "outcomes too-large too-large too-large") {
		t.Fatalf("child did not report the three bounded answers:\n%s", out)
	}
}

// TestHostileChild is the child of TestHostilePeakMemory.
func TestHostileChild(t *testing.T) {
	env := os.Getenv("HOPSCOPE_HOSTILE_CHILD")
	if env == "" {
		t.Skip("run by TestHostilePeakMemory")
	}
	addrs := strings.Split(env, ",")
	var got []string
	for i, o := range []*Options{
		{Target: mustURL(t, "http://"+addrs[0]+"/")},
		{Target: mustURL(t, "http://backend.test/"), Proxy: mustURL(t, "http://"+addrs[1]), ConnectHost: "backend.test:80"},
		{Target: mustURL(t, "http://backend.test/"), Proxy: mustURL(t, "http://"+addrs[2]), ConnectHost: "backend.test:80"},
	} {
		r, err := Run(context.Background(), o, nil)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case i == 1 && r.Connect != nil && len(r.Connect.Attempts) > 0:
			got = append(got, string(r.Connect.Attempts[0].Outcome))
		case r.HTTP != nil:
			got = append(got, string(r.HTTP.Outcome))
		default:
			got = append(got, "none")
		}
	}
	t.Logf("outcomes %s", strings.Join(got, " "))
}

// BenchmarkHostileHead reads an endless status line: the bytes allocated per read stay near
// maxHead whatever the server sends.
func BenchmarkHostileHead(b *testing.B) {
	addr := hostileServer(b, func(c net.Conn, _ string, _ int) { endless(c, "HTTP/1.1 200 ") })
	b.ReportAllocs()
	for b.Loop() {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
		res, _ := RoundTrip(context.Background(), conn, nil, req, &Options{Target: req.URL}, nil)
		conn.Close()
		if res.Outcome != HTTPTooLarge {
			b.Fatalf("outcome %s", res.Outcome)
		}
	}
}

func hasSignal(ev []diagnose.Evidence, signal string) bool {
	for _, e := range ev {
		if e.Signal == signal {
			return true
		}
	}
	return false
}
