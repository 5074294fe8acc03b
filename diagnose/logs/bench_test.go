package logs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"testing"
)

// benchLog builds about size bytes of a log from a few line templates, each line stamped with
// its own second so the time cache is exercised as in a real log.
func benchLog(format Format, size int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < size; i++ {
		// About fifty lines a second, as in a busy proxy's log.
		t := i / 50
		s, m, h := t%60, (t/60)%60, (t/3600)%24
		switch format {
		case Access:
			status := 200
			if i%50 == 7 {
				status = 502
			}
			fmt.Fprintf(&b, "10.1.%d.%d - - [21/Nov/2026:%02d:%02d:%02d +0000] \"GET /api/v1/items/%d?page=2 HTTP/1.1\" %d 5123 \"https://example.test/start\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\"\n", i%256, (i/256)%256, h, m, s, i%1000, status)
		case ApacheError:
			if i%2 == 0 {
				fmt.Fprintf(&b, "[Sat Nov 21 %02d:%02d:%02d.%06d 2026] [proxy:error] [pid 10586:tid 10621] (111)Connection refused: AH00957: http: attempt to connect to 10.0.0.%d:8080 (10.0.0.5:8080) failed\n", h, m, s, i%1000000, i%4)
			} else {
				fmt.Fprintf(&b, "[Sat Nov 21 %02d:%02d:%02d.%06d 2026] [proxy_http:error] [pid 10586:tid 10621] [client 10.1.1.%d:54544] AH01114: HTTP: failed to make connection to backend: 10.0.0.%d\n", h, m, s, i%1000000, i%256, i%4)
			}
		case NginxError:
			fmt.Fprintf(&b, "2026/11/21 %02d:%02d:%02d [error] 10523#10523: *%d upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.1.1.%d, server: , request: \"GET /x/%d HTTP/1.1\", upstream: \"http://10.0.0.%d:8080/x\", host: \"example.test\"\n", h, m, s, i, i%256, i%100, i%4)
		}
	}
	return b.Bytes()
}

// repeatReader serves buf n times without copying it into one large slice.
type repeatReader struct {
	buf []byte
	off int
	n   int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := copy(p, r.buf[r.off:])
	r.off += k
	if r.off == len(r.buf) {
		r.off = 0
		r.n--
	}
	return k, nil
}

func BenchmarkAnalyze(b *testing.B) {
	for _, f := range []Format{Access, ApacheError, NginxError} {
		data := benchLog(f, 8<<20)
		lines := bytes.Count(data, []byte("\n"))
		b.Run(string(f), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			a := NewAnalyzer()
			for b.Loop() {
				if _, err := a.ReadFile(context.Background(), "bench.log", bytes.NewReader(data), f, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

// TestAnalyzeAllocatesNothingPerLine reads a log long enough to fill every bounded store (kept
// evidence, the lines kept for linking), then one twice as long, and checks the allocations do not
// grow with the length: past those stores a line costs no allocation.
func TestAnalyzeAllocatesNothingPerLine(t *testing.T) {
	for _, f := range []Format{Access, ApacheError, NginxError} {
		data := benchLog(f, 1<<20)
		allocs := func(times int) float64 {
			return testing.AllocsPerRun(1, func() {
				a := NewAnalyzer()
				if _, err := a.ReadFile(context.Background(), "x.log", &repeatReader{buf: data, n: times}, f, Options{}); err != nil {
					t.Fatal(err)
				}
			})
		}
		const passes = 12 // 12 × ~100 failed requests: past maxLinkRequests
		once, twice := allocs(passes), allocs(2*passes)
		lines := float64(bytes.Count(data, []byte("\n")))
		if per := (twice - once) / (passes * lines); per > 0.001 {
			t.Errorf("%s: %.4f allocations per line (%.0f for %d passes, %.0f for %d)", f, per, once, passes, twice, 2*passes)
		}
	}
}

// BenchmarkAnalyzeFile reads the log named by HOPSCOPE_BENCH_LOG (make one with
// internal/genlog) as analyze does, format detected; skipped when the variable is not set.
func BenchmarkAnalyzeFile(b *testing.B) {
	path := os.Getenv("HOPSCOPE_BENCH_LOG")
	if path == "" {
		b.Skip("HOPSCOPE_BENCH_LOG names no log (go run ./diagnose/logs/internal/genlog > FILE)")
	}
	var lines int64
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		head := make([]byte, 64<<10)
		n, _ := f.ReadAt(head, 0)
		format, ok := Detect(head[:n], Options{})
		if !ok {
			b.Fatalf("%s: no known log format", path)
		}
		st, err := NewAnalyzer().ReadFile(context.Background(), path, f, format, Options{})
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(st.Bytes)
		lines += st.Lines
	}
	b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
}
