package logs

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hopscope/hopscope/diagnose"
)

// readAttempts reads logs (name, format, text) into one analyzer and returns the attempts it
// reported, after Flush.
func readAttempts(t *testing.T, opts Options, files ...[3]string) []diagnose.Attempt {
	t.Helper()
	an := NewAnalyzer()
	var got []diagnose.Attempt
	an.SetAttempts(func(a diagnose.Attempt) { got = append(got, a) }, 0)
	for _, f := range files {
		if _, err := an.ReadFile(context.Background(), f[0], strings.NewReader(f[2]), Format(f[1]), opts); err != nil {
			t.Fatal(err)
		}
	}
	an.Flush()
	return got
}

// tally counts attempts by hop and outcome: "backend 10.0.0.3:8080 failed" → n.
func tally(atts []diagnose.Attempt) map[string]int {
	out := map[string]int{}
	for _, a := range atts {
		o := "worked"
		if a.Failed {
			o = "failed"
		}
		out[a.Hop.String()+" "+o]++
	}
	return out
}

func apacheRefused(sec int, backend string) string {
	return fmt.Sprintf("[Sat Nov 21 09:52:%02d.221346 2026] [proxy:error] [pid 12669:tid 12696] (111)Connection refused: AH00957: http: attempt to connect to %s (%s) failed\n"+
		"[Sat Nov 21 09:52:%02d.221437 2026] [proxy_http:error] [pid 12669:tid 12696] [client 10.0.0.9:59930] AH01114: HTTP: failed to make connection to backend: %s\n",
		sec, backend, backend, sec, backend[:strings.IndexByte(backend, ':')])
}

func accessLine(sec int, path string, status int) string {
	return fmt.Sprintf("10.0.0.9 - - [21/Nov/2026:09:52:%02d +0000] \"GET %s HTTP/1.1\" %d 339 \"-\" \"curl/8\"\n", sec, path, status)
}

// An Apache error log naming one backend and an access log without backends: the error lines are
// the backend hop's failures, the requests that worked under the failing path its control group,
// the failing access lines the same failures (left out), and the requests under other paths, served
// by a backend no log names, the front hop's.
func TestApacheLogsBecomeAttemptsOnTheBackendTheyName(t *testing.T) {
	var errLog, access strings.Builder
	for i := range 20 {
		switch {
		case i%5 == 4:
			errLog.WriteString(apacheRefused(10+i, "10.0.0.3:8080"))
			access.WriteString(accessLine(10+i, fmt.Sprintf("/api/orders/%d", i), 503))
		case i%2 == 0:
			access.WriteString(accessLine(10+i, fmt.Sprintf("/api/orders/%d", i), 200))
		default:
			access.WriteString(accessLine(10+i, "/shop/cart", 200))
		}
	}
	// The access log first, as a folder walk reads it: its requests wait for the error log.
	got := tally(readAttempts(t, Options{}, [3]string{"access.log", string(Access), access.String()},
		[3]string{"error.log", string(ApacheError), errLog.String()}))
	want := map[string]int{
		"backend 10.0.0.3:8080 failed": 4,
		"backend 10.0.0.3:8080 worked": 8,
		"front proxy worked":           8,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("attempts %v, want %v", got, want)
	}
}

// The failing attempt of an error line carries its signals, phase, line and client.
func TestErrorLineAttempt(t *testing.T) {
	atts := readAttempts(t, Options{}, [3]string{"error.log", string(ApacheError), apacheRefused(37, "10.0.0.3:8080")})
	if len(atts) != 1 {
		t.Fatalf("%d attempts, want 1 (the AH01114 companion is the same failure)", len(atts))
	}
	a := atts[0]
	if !a.Failed || a.Phase != diagnose.PhaseTCP || a.Failure != "log.proxy.connect-refused" || a.Where() != "error.log:1" ||
		a.Upstream != frontHop || a.At.Second() != 37 || !strings.Contains(a.Detail, "AH00957") {
		t.Errorf("attempt %+v", a)
	}
}

// With two failing backends and no backend on the access lines, the requests cannot be told
// apart: they are all the front hop's, failures included.
func TestSeveralBackendsKeepRequestsOnTheFront(t *testing.T) {
	errLog := apacheRefused(10, "10.0.0.3:8080") + apacheRefused(11, "10.0.0.4:8080")
	access := accessLine(10, "/api/1", 503) + accessLine(11, "/api/2", 503) + accessLine(12, "/api/3", 200)
	got := tally(readAttempts(t, Options{}, [3]string{"error.log", string(ApacheError), errLog},
		[3]string{"access.log", string(Access), access}))
	want := map[string]int{
		"backend 10.0.0.3:8080 failed": 1,
		"backend 10.0.0.4:8080 failed": 1,
		"front proxy failed":           2,
		"front proxy worked":           1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("attempts %v, want %v", got, want)
	}
}

// An nginx access log whose format names the upstream puts each request on its backend's hop;
// the failing access line and the error line of the same request carry the same key.
func TestNginxUpstreamAddrPutsRequestsOnTheirBackend(t *testing.T) {
	const format = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$upstream_addr"`
	errLog := `2026/11/21 09:52:41 [error] 13099#13099: *2 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.9, server: , request: "GET /api/orders/1 HTTP/1.1", upstream: "http://10.0.0.3:8080/api/orders/1", host: "gw:8080"` + "\n"
	access := `10.0.0.9 - - [21/Nov/2026:09:52:41 +0000] "GET /api/orders/1 HTTP/1.1" 502 157 "10.0.0.3:8080"` + "\n" +
		`10.0.0.9 - - [21/Nov/2026:09:52:42 +0000] "GET /shop/1 HTTP/1.1" 200 157 "10.0.0.4:8080"` + "\n" +
		`10.0.0.9 - - [21/Nov/2026:09:52:43 +0000] "GET /shop/2 HTTP/1.1" 200 157 "10.0.0.4:8080"` + "\n"
	atts := readAttempts(t, Options{LogFormat: format}, [3]string{"error.log", string(NginxError), errLog},
		[3]string{"access.log", string(CustomAccess), access})
	got := tally(atts)
	want := map[string]int{
		"backend 10.0.0.3:8080 failed": 2, // one request, seen in both logs (one attempt for the incident)
		"backend 10.0.0.4:8080 worked": 2,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("attempts %v, want %v", got, want)
	}
	var keys []uint64
	for _, a := range atts {
		if a.Failed {
			keys = append(keys, a.Key)
		}
	}
	if keys[0] == 0 || keys[0] != keys[1] {
		t.Errorf("keys %x: the error line and the access line of one request should share a nonzero key", keys)
	}
	in := diagnose.NewIncident()
	for _, a := range atts {
		in.Add(a)
	}
	for _, h := range in.Hops() {
		if h.Key.Server == "10.0.0.3:8080" && (h.Failed != 1 || h.Worked != 0) {
			t.Errorf("hop %s: %d failed, %d worked; want the one request once", h.Key, h.Failed, h.Worked)
		}
	}
}

// squid's CONNECTs are attempts on the forward-proxy hop to their target.
func TestSquidConnectsAreForwardProxyAttempts(t *testing.T) {
	access := "1795256819.164      0 10.0.0.9 TCP_DENIED/403 3463 CONNECT 10.0.0.5:443 - HIER_NONE/- text/html\n" +
		"1795256819.266     12 10.0.0.9 TCP_TUNNEL/200 3463 CONNECT 10.0.0.5:443 - HIER_DIRECT/10.0.0.5 -\n" +
		"1795256819.367     12 10.0.0.9 TCP_TUNNEL/200 3463 CONNECT 10.0.0.6:443 - HIER_DIRECT/10.0.0.6 -\n" +
		"1795256819.467     12 10.0.0.9 TCP_MISS/200 3463 GET http://10.0.0.6/ - HIER_DIRECT/10.0.0.6 text/html\n"
	atts := readAttempts(t, Options{}, [3]string{"access.log", string(SquidAccess), access})
	got := tally(atts)
	want := map[string]int{
		"forward-proxy squid → 10.0.0.5:443 failed": 1,
		"forward-proxy squid → 10.0.0.5:443 worked": 1,
		"forward-proxy squid → 10.0.0.6:443 worked": 1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("attempts %v, want %v", got, want)
	}
	if a := atts[0]; a.Phase != diagnose.PhaseConnect || a.Failure != "proxy.connect.status.403" {
		t.Errorf("refused CONNECT %+v", a)
	}
}

// Turning a line into an attempt allocates nothing once its backend, method and path were seen.
func TestLineAttemptAllocatesNothing(t *testing.T) {
	an := NewAnalyzer()
	n := 0
	an.SetAttempts(func(diagnose.Attempt) { n++ }, 0)
	fs := an.file("error.log", NginxError)
	var p nginxError
	var r Record
	line := []byte(`2026/11/21 09:52:41 [error] 13099#13099: *2 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.9, server: , request: "GET /api/orders/1 HTTP/1.1", upstream: "http://10.0.0.3:8080/api/orders/1", host: "gw:8080"`)
	parse := func() {
		r.reset(1, line)
		if !p.parse(line, &r) {
			t.Fatal("line not parsed")
		}
	}
	parse()
	an.observe(fs, &r)
	sigs := lineSignals(NginxError, &r)
	bs := an.backend(r.Backend)
	allocs := testing.AllocsPerRun(100, func() {
		parse()
		an.observeAttempt(fs, &r, sigs, bs)
	})
	// Past the first few failures of a hop, a failure showing signals seen before is quoted no more.
	if allocs > 0 || n < 100 {
		t.Errorf("%.1f allocations a failing line (%d attempts), want none", allocs, n)
	}
}

func BenchmarkAccessLineAttempt(b *testing.B) {
	an := NewAnalyzer()
	an.SetAttempts(func(diagnose.Attempt) {}, 0)
	an.att.decided = true // attach at once, as after Flush
	fs := an.file("access.log", Access)
	var p access
	var r Record
	line := []byte(`10.0.0.9 - - [21/Nov/2026:09:52:41 +0000] "GET /api/orders/1 HTTP/1.1" 200 157 "-" "curl/8"`)
	b.ReportAllocs()
	for b.Loop() {
		r.reset(1, line)
		p.parse(line, &r)
		an.observeAttempt(fs, &r, nil, nil)
	}
}

// A sink that keeps every attempt gets at most perHop of each outcome per hop.
func TestAttemptsPerHopBound(t *testing.T) {
	an := NewAnalyzer()
	n := map[bool]int{}
	an.SetAttempts(func(a diagnose.Attempt) { n[a.Failed]++ }, 5)
	var access strings.Builder
	for i := range 40 {
		status := 200
		if i%2 == 0 {
			status = 503
		}
		access.WriteString(accessLine(i%60, "/api/x", status))
	}
	if _, err := an.ReadFile(context.Background(), "access.log", strings.NewReader(access.String()), Access, Options{}); err != nil {
		t.Fatal(err)
	}
	an.Flush()
	if n[true] != 5 || n[false] != 5 {
		t.Errorf("%d failing and %d working attempts reported, want 5 of each", n[true], n[false])
	}
}

// BenchmarkAnalyzeWithAttempts is BenchmarkAnalyze with every line's attempt reported (to a sink
// that keeps nothing, as a session folding them would): the cost of turning lines into attempts.
func BenchmarkAnalyzeWithAttempts(b *testing.B) {
	for _, f := range []Format{Access, ApacheError, NginxError} {
		data := benchLog(f, 8<<20)
		lines := bytes.Count(data, []byte("\n"))
		b.Run(string(f), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			a := NewAnalyzer()
			n := 0
			a.SetAttempts(func(diagnose.Attempt) { n++ }, 0)
			for b.Loop() {
				if _, err := a.ReadFile(context.Background(), "bench.log", bytes.NewReader(data), f, Options{}); err != nil {
					b.Fatal(err)
				}
				a.Flush()
			}
			b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}
