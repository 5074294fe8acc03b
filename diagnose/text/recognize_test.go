package text

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

func signals(t *testing.T, input string) ([]string, error) {
	t.Helper()
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	_, err = Read(kb, "paste", strings.NewReader(input), func(ev diagnose.Evidence) { got = append(got, ev.Signal) })
	return got, err
}

func TestRecognize(t *testing.T) {
	cases := []struct {
		name, input string
		want, not   []string
	}{
		{"fault string", `{"fault":{"faultstring":"Proxy refused to create tunnel with response status 504"}}`,
			[]string{"proxy.connect.status.504"}, nil},
		{"CONNECT answered", "> CONNECT api:443 HTTP/1.1\n> Host: proxy:3128\n< HTTP/1.1 403 Forbidden\n< X-Squid-Error: ERR_ACCESS_DENIED 0\n",
			[]string{"proxy.connect.status.403", "proxy.error.access-denied"}, nil},
		{"status without CONNECT is not the proxy's", "< HTTP/1.1 403 Forbidden\n",
			nil, []string{"proxy.connect.status.403"}},
		{"apache 2.2", "[Sat Nov 21 10:00:00 2026] [error] (111)Connection refused: proxy: HTTP: attempt to connect to 10.0.0.5:8080 (backend) failed",
			[]string{"log.proxy.connect-refused", "log.proxy.connect-failed"}, nil},
		{"nginx tls", "2026/11/21 10:00:00 [error] 7#7: *1 upstream timed out (110: Connection timed out) while SSL handshaking to upstream, client: 127.0.0.1",
			[]string{"log.proxy.tls-handshake-timeout"}, nil},
		{"unreachable proxy", "* connect to proxy 127.0.0.1:3129 failed after 0s: dial tcp 127.0.0.1:3129: connect: connection refused",
			[]string{"proxy.unreachable.refused"}, []string{"tcp.connect.refused"}},
		{"refused backend", "dial tcp 10.0.0.5:8443: connect: connection refused",
			[]string{"tcp.connect.refused"}, []string{"proxy.unreachable.refused"}},
		{"wrapped in the middle of a word", "javax.net.ssl.SSLHandshakeException: Received fatal al\nert: handshake_failure\n",
			[]string{"tls.alert.received"}, nil},
		{"wrapped at a space", "2026-11-21T10:00:03Z ERROR sync: Get \"https://orders:8443/\": remote error:\n  tls: protocol version not supported\n",
			[]string{"tls.alert.received"}, nil},
		{"status line behind a log prefix", "2026-11-21T10:00:03.120Z [info] gw: > CONNECT api:443 HTTP/1.1\n2026-11-21T10:00:03.121Z [info] gw: < HTTP/1.1 407 Proxy Authentication Required\n",
			[]string{"proxy.connect.status.407"}, nil},
		{"Go log with a level is not nginx's", "2026/11/21 10:00:03 [error] call: remote error: tls: handshake failure",
			[]string{"tls.alert.received"}, nil},
		{"refused only when Host names the proxy",
			"> CONNECT api:443 HTTP/1.1\n> Host: api:443\n< HTTP/1.1 200 Connection established\n> CONNECT api:443 HTTP/1.1\n> Host: proxy:3128\n< HTTP/1.1 403 Forbidden\n",
			[]string{"proxy.host-header.only-proxy-name-refused", "proxy.host-header.names-proxy", "proxy.host-header.names-target"}, []string{"proxy.host-header.no-difference"}},
		{"refused whatever the Host",
			"> CONNECT api:443 HTTP/1.1\n> Host: api:443\n< HTTP/1.1 403 Forbidden\n> CONNECT api:443 HTTP/1.1\n> Host: proxy:3128\n< HTTP/1.1 403 Forbidden\n",
			[]string{"proxy.host-header.no-difference"}, []string{"proxy.host-header.only-proxy-name-refused"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := signals(t, tc.input)
			if err != nil && tc.want != nil {
				t.Fatal(err)
			}
			have := strings.Join(got, " ")
			for _, w := range tc.want {
				if !strings.Contains(have, w) {
					t.Errorf("missing %s in %v", w, got)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(have, n) {
					t.Errorf("unexpected %s in %v", n, got)
				}
			}
		})
	}
}

func TestNotText(t *testing.T) {
	_, err := signals(t, "line one\nbinary \x00 here\n")
	if !errors.Is(err, ErrNotText) {
		t.Errorf("err = %v, want ErrNotText", err)
	}
	_, err = signals(t, "hello\nworld\n")
	if !errors.Is(err, ErrNothingRecognised) {
		t.Errorf("err = %v, want ErrNothingRecognised", err)
	}
	_, err = signals(t, "\n  \n\t\n")
	if !errors.Is(err, ErrEmpty) {
		t.Errorf("err = %v, want ErrEmpty for white space only", err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add("HTTP/1.1 503\n> CONNECT a:1 HTTP/1.1\n< HTTP/1.1 407\n")
	f.Add("\xff\xfe\x00")
	kb, err := knowledge.Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		Read(kb, "fuzz", strings.NewReader(s), func(diagnose.Evidence) {})
	})
}

// TestRepeatedLinesAggregate pastes the same error many times: the first lines are evidence one
// by one, the rest one summary with their count, so the ledger stays short.
func TestRepeatedLinesAggregate(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	const n = 10000
	line := "* connect to proxy 127.0.0.1:3129 failed after 0s: dial tcp 127.0.0.1:3129: connect: connection refused\n"
	var evs []diagnose.Evidence
	res, err := Read(kb, "paste", strings.NewReader(strings.Repeat(line, n)), func(ev diagnose.Evidence) { evs = append(evs, ev) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Recognised != n {
		t.Errorf("recognised %d lines, want %d", res.Recognised, n)
	}
	per := map[string]int{}
	for _, ev := range evs {
		per[ev.Signal]++
	}
	if len(per) == 0 {
		t.Fatal("no evidence")
	}
	for sig, k := range per {
		if k != perRecognizer+1 {
			t.Errorf("%s: %d evidence, want %d one by one and one summary", sig, k, perRecognizer+1)
		}
	}
	last := evs[len(evs)-1]
	want := fmt.Sprintf("%d more lines like it (lines %d–%d)", n-perRecognizer, perRecognizer+1, n)
	if !strings.Contains(last.Detail, want) || last.Source != fmt.Sprintf("paste:%d", perRecognizer+1) {
		t.Errorf("summary %s %q, want %q from paste:%d", last.Source, last.Detail, want, perRecognizer+1)
	}
}

// TestOneMoreLineIsOneLine: a single line past those kept one by one is summed up as one line,
// not as a range of one.
func TestOneMoreLineIsOneLine(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	line := "* connect to proxy 127.0.0.1:3129 failed after 0s: dial tcp 127.0.0.1:3129: connect: connection refused\n"
	var evs []diagnose.Evidence
	if _, err := Read(kb, "paste", strings.NewReader(strings.Repeat(line, perRecognizer+1)), func(ev diagnose.Evidence) { evs = append(evs, ev) }); err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	want := fmt.Sprintf(": 1 more line like it (line %d)", perRecognizer+1)
	if !strings.HasSuffix(last.Detail, want) {
		t.Errorf("summary %q, want it to end %q", last.Detail, want)
	}
}

// TestDamagedTextIsReadWithAWarning gives a line past maxLine and a line in another encoding: what
// can be read is, and each damage is named in a warning.
func TestDamagedTextIsReadWithAWarning(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	refused := "* connect to proxy 127.0.0.1:3129 failed after 0s: dial tcp 127.0.0.1:3129: connect: connection refused\n"
	tests := []struct {
		name, input, warning string
	}{
		{"long line", strings.Repeat("x", 3*maxLine) + "\n" + refused, "line 1 is longer than"},
		{"long last line", refused + strings.Repeat("x", maxLine+10), "line 2 is longer than"},
		{"latin-1", "caf\xe9 au lait\n" + refused, "line 1 is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			res, err := Read(kb, "paste", strings.NewReader(tt.input), func(ev diagnose.Evidence) { got = append(got, ev.Signal) })
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(got, " "), "proxy.unreachable.refused") {
				t.Errorf("signals %v, want proxy.unreachable.refused", got)
			}
			if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], tt.warning) {
				t.Errorf("warnings %q, want one starting %q", res.Warnings, tt.warning)
			}
			if res.Lines != 2 {
				t.Errorf("%d lines, want 2", res.Lines)
			}
		})
	}
}

// BenchmarkReadNoise reads lines like most of a pasted log: nothing in them is an error.
func BenchmarkReadNoise(b *testing.B) {
	kb, err := knowledge.Default()
	if err != nil {
		b.Fatal(err)
	}
	line := "2026-11-21T10:00:03.120Z INFO orders-sync GET /v1/orders/12345 200 in 12ms (cache miss, 3 items)\n"
	in := strings.Repeat(line, 1000)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for range b.N {
		Read(kb, "paste", strings.NewReader(in), func(diagnose.Evidence) {})
	}
}

// BenchmarkReadErrors reads a paste of one error repeated, every line matched.
func BenchmarkReadErrors(b *testing.B) {
	kb, err := knowledge.Default()
	if err != nil {
		b.Fatal(err)
	}
	line := "* connect to proxy 127.0.0.1:3129 failed after 0s: dial tcp 127.0.0.1:3129: connect: connection refused\n"
	in := strings.Repeat(line, 1000)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for range b.N {
		Read(kb, "paste", strings.NewReader(in), func(diagnose.Evidence) {})
	}
}
