package logs

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// accessLog writes a combined access log, one request per second, from a list of "METHOD PATH STATUS".
func accessLog(reqs []string) string {
	var b strings.Builder
	for i, r := range reqs {
		f := strings.Fields(r)
		fmt.Fprintf(&b, "10.0.0.1 - - [21/Nov/2026:10:%02d:%02d +0000] \"%s %s HTTP/1.1\" %s 10 \"-\" \"t\"\n", i/60, i%60, f[0], f[1], f[2])
	}
	return b.String()
}

func repeat(n int, s string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestPatternShapes(t *testing.T) {
	ok, bad := "GET /a 200", "GET /a 503"
	var sporadic []string
	for i := 0; i < 100; i++ {
		if i%25 == 7 {
			sporadic = append(sporadic, bad)
		} else {
			sporadic = append(sporadic, ok)
		}
	}
	var mixed []string
	for i := 0; i < 60; i++ {
		if i%3 == 0 {
			mixed = append(mixed, "POST /upload 502")
		} else {
			mixed = append(mixed, "GET /page 200")
		}
	}
	tests := []struct {
		name string
		reqs []string
		want string
	}{
		{"all failing", concat(repeat(2, ok), repeat(40, bad)), "all-failing"},
		{"clustered", concat(repeat(30, ok), repeat(8, bad), repeat(30, ok), repeat(6, bad), repeat(30, ok)), "clustered"},
		{"sporadic", sporadic, "sporadic"},
		{"one request shape", mixed, "request-correlated"},
		{"no failures", repeat(20, ok), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAnalyzer()
			if _, err := a.ReadFile(context.Background(), "access.log", strings.NewReader(accessLog(tt.reqs)), Access, Options{}); err != nil {
				t.Fatal(err)
			}
			p := a.files[0].req.pattern(false)
			if p.Shape != tt.want {
				t.Fatalf("shape %q, want %q (%s)", p.Shape, tt.want, p)
			}
			var got []string
			for _, ev := range a.Evidence() {
				if strings.HasPrefix(ev.Signal, "log.pattern.") {
					got = append(got, ev.Signal)
				}
			}
			if tt.want == "" && len(got) != 0 || tt.want != "" && (len(got) != 1 || got[0] != "log.pattern."+tt.want) {
				t.Fatalf("pattern evidence %v, want log.pattern.%s", got, tt.want)
			}
		})
	}
}

func TestAggregationIsBounded(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "2026/11/21 10:%02d:%02d [error] 1#1: *%d connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: , request: \"GET / HTTP/1.1\", upstream: \"http://10.0.0.5:8080/\", host: \"x\"\n", (i/60)%60, i%60, i)
	}
	a := NewAnalyzer()
	st, err := a.ReadFile(context.Background(), "error.log", strings.NewReader(b.String()), NginxError, Options{})
	if err != nil || st.Parsed != 5000 {
		t.Fatalf("parsed %d, err %v", st.Parsed, err)
	}
	evs := a.Evidence()
	if len(evs) > 2*(keepPerSignal+1)+1 {
		t.Fatalf("%d evidence for 5000 identical lines", len(evs))
	}
	var summary bool
	for _, ev := range evs {
		if strings.HasPrefix(ev.Detail, "5000 lines") {
			summary = true
		}
	}
	if !summary {
		t.Fatalf("no summary with the count among %v", evs)
	}
}

func TestUnknownAndBinaryLines(t *testing.T) {
	in := "2026/11/21 10:00:00 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 1.1.1.1, server: , request: \"GET / HTTP/1.1\", upstream: \"http://10.0.0.5:8080/\", host: \"x\"\n" +
		"not a log line\n" +
		"2026/11/21 10:00:01 [notice] 1#1: signal process started\n" +
		"\x00\x00\x00binary\n" +
		"2026/11/21 10:00:02 [error] 1#1: *2 connect() failed (111: Connection refused) while connecting to upstream\n"
	a := NewAnalyzer()
	st, err := a.ReadFile(context.Background(), "e.log", strings.NewReader(in), NginxError, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Parsed != 2 || st.Unknown != 1 || st.FirstUnknown != 2 || st.BinaryAt != 4 {
		t.Fatalf("stats %+v", st)
	}
	if w := st.Warnings(); len(w) != 2 || !strings.Contains(w[1], "binary data at line 4") {
		t.Fatalf("warnings %q", w)
	}
}
