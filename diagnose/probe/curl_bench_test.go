package probe

import (
	"context"
	"crypto/x509"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hopscope/hopscope/internal/testenv"
)

// startSServer runs `openssl s_server -www` on a free loopback port with a fresh certificate for
// 127.0.0.1 and returns its URL and the certificate's path.
func startSServer(tb testing.TB) (string, string) {
	tb.Helper()
	testenv.RequireCommand(tb, "openssl")
	dir := tb.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	gen := exec.CommandContext(ctx, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
		"-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert)
	if out, err := gen.CombinedOutput(); err != nil {
		tb.Fatalf("openssl req: %v\n%s", err, out)
	}
	addr := closedPortTB(tb)
	srv := exec.Command("openssl", "s_server", "-accept", addr, "-cert", cert, "-key", key, "-www", "-quiet")
	if err := srv.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return "https://" + addr + "/", cert
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("openssl s_server did not listen on %s", addr)
	return "", ""
}

func closedPortTB(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// phaseEnds are the cumulative times curl's -w reports: name looked up, connected, TLS done,
// first byte.
type phaseEnds [4]time.Duration

func curlEnds(tb testing.TB, target, cacert string) phaseEnds {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "curl", "-s", "-o", "/dev/null", "--cacert", cacert, "-w",
		"%{time_namelookup} %{time_connect} %{time_appconnect} %{time_starttransfer}", target).Output()
	if err != nil {
		tb.Fatalf("curl: %v", err)
	}
	var e phaseEnds
	for i, f := range strings.Fields(string(out)) {
		s, _ := strconv.ParseFloat(f, 64)
		e[i] = time.Duration(s * float64(time.Second))
	}
	return e
}

func hopscopeEnds(tb testing.TB, target string, roots *x509.CertPool) phaseEnds {
	u, _ := url.Parse(target)
	r, err := Run(context.Background(), &Options{Target: u, Roots: roots}, nil)
	if err != nil || r.HTTP == nil || r.HTTP.Status != 200 {
		tb.Fatalf("check: %v %+v", err, r)
	}
	var e phaseEnds
	for _, p := range r.Waterfall {
		i := slices.Index([]string{PhaseDNS, PhaseConnect, PhaseTLS, PhaseFirstByte}, p.Name)
		e[i] = p.End()
	}
	return e
}

// BenchmarkPhasesAgainstCurl times the same local TLS server with hopscope's checks and with
// curl -w, alternately, and reports the median of each cumulative phase end for both and the
// median of their differences (hopscope minus curl), in milliseconds.
func BenchmarkPhasesAgainstCurl(b *testing.B) {
	testenv.RequireCommand(b, "curl")
	target, cacert := startSServer(b)
	pem, err := os.ReadFile(cacert)
	if err != nil {
		b.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	var hs, cs [4][]float64
	var diff [4][]float64
	// The request's round trip (first byte minus TLS done) is the same wire events for both;
	// the TLS phase is not quite, since curl's time_appconnect includes OpenSSL's set-up before
	// the ClientHello leaves.
	var reqDiff []float64
	for b.Loop() {
		h, c := hopscopeEnds(b, target, roots), curlEnds(b, target, cacert)
		for i := range h {
			hs[i] = append(hs[i], ms64(h[i]))
			cs[i] = append(cs[i], ms64(c[i]))
			diff[i] = append(diff[i], ms64(h[i]-c[i]))
		}
		reqDiff = append(reqDiff, ms64((h[3]-h[2])-(c[3]-c[2])))
	}
	b.ReportMetric(median(reqDiff), "diff-request-ms")
	for i, name := range []string{"dns", "connect", "tls", "firstbyte"} {
		b.ReportMetric(median(hs[i]), "hopscope-"+name+"-ms")
		b.ReportMetric(median(cs[i]), "curl-"+name+"-ms")
		b.ReportMetric(median(diff[i]), "diff-"+name+"-ms")
	}
}

func ms64(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
