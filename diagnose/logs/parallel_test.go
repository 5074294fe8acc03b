package logs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seen is what a scan handed on, for comparing the sequential and the parallel reads.
type seen struct {
	line    int64
	event   Event
	at      string
	backend string
	status  int
	text    string
}

func TestParallelReadsLikeSequential(t *testing.T) {
	var mixed bytes.Buffer
	long := strings.Repeat("x", maxLine+10)
	for i := 0; mixed.Len() < 5*maxLine; i++ {
		switch {
		case i == 7, i == 40000:
			mixed.WriteString(long + "\n") // over maxLine: skipped and counted
		case i == 9000:
			mixed.WriteString(long[:maxLine] + "\n") // one byte over maxLine with its line end
		case i == 9001:
			mixed.WriteString(long[:maxLine-1] + "\n") // maxLine with its line end: read
		case i == 9002, i == 20000:
			mixed.WriteString(long[:3*blockSize] + "\n") // longer than a block: read
		case i%97 == 0:
			mixed.WriteString("not a log line\r\n")
		case i%13 == 0:
			mixed.WriteString("\n")
		default:
			fmt.Fprintf(&mixed, "2026/11/21 10:%02d:%02d [error] 1#1: *%d connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.%d, server: , request: \"GET /x HTTP/1.1\", upstream: \"http://10.0.0.5:%d/\", host: \"x\"\r\n", (i/60)%60, i%60, i, i%200, 8000+i%3)
		}
	}
	mixed.WriteString("2026/11/21 11:00:00 [error] 1#1: *9 upstream timed out (110: Connection timed out) while connecting to upstream") // no final newline
	binary := append(append([]byte{}, mixed.Bytes()[:3*maxLine/2]...), []byte("\x00\x00 garbage\n"+string(mixed.Bytes()[:1000]))...)
	// Apache writes an IPv6 backend without brackets on a status-line error; the parser writes it
	// with them, into memory of its own that each line must not share with the lines before it.
	var v6 bytes.Buffer
	for i := 0; v6.Len() < 3*maxLine; i++ {
		fmt.Fprintf(&v6, "[Sat Nov 21 09:20:%02d.%06d 2026] [proxy_http:error] [pid 1:tid 2] (104)Connection reset by peer: [client 10.1.1.%d:5] AH01102: error reading status line from remote server fd00::%d:%d\n", i%60, i, i%250, i%7, 8000+i%1000)
	}
	cases := map[string]struct {
		data   []byte
		format Format
	}{
		"mixed":       {mixed.Bytes(), NginxError},
		"binary":      {binary, NginxError},
		"apache IPv6": {v6.Bytes(), ApacheError},
		"long last":   {append(append([]byte{}, mixed.Bytes()[:2*maxLine+100]...), []byte("\n"+long+long+"\n")...), NginxError},
	}
	fixtures, _ := filepath.Glob("testdata/scenarios/*/*/*.log")
	for _, p := range fixtures {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := Detect(b, Options{})
		cases[p] = struct {
			data   []byte
			format Format
		}{b, f}
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			collect := func(scan func(context.Context, *bytes.Reader, Format, Options, func(*Record)) (Stats, error)) ([]seen, Stats) {
				var out []seen
				st, err := scan(context.Background(), bytes.NewReader(c.data), c.format, Options{}, func(r *Record) {
					out = append(out, seen{r.Line, r.Event, r.Time.String(), string(r.Backend), r.Status, string(r.Text)})
				})
				if err != nil {
					t.Fatal(err)
				}
				return out, st
			}
			seq, sst := collect(func(ctx context.Context, r *bytes.Reader, f Format, o Options, fn func(*Record)) (Stats, error) {
				return scanSequential(ctx, r, f, o, fn)
			})
			par, pst := collect(func(ctx context.Context, r *bytes.Reader, f Format, o Options, fn func(*Record)) (Stats, error) {
				return scanParallel(ctx, r, f, o, fn)
			})
			sst.Bytes, pst.Bytes = 0, 0
			if sst != pst {
				t.Fatalf("stats differ:\nsequential %+v\nparallel   %+v", sst, pst)
			}
			if len(seq) != len(par) {
				t.Fatalf("%d records sequentially, %d in parallel", len(seq), len(par))
			}
			for i := range seq {
				if seq[i] != par[i] {
					t.Fatalf("record %d differs:\nsequential %+v\nparallel   %+v", i, seq[i], par[i])
				}
			}
		})
	}
}

func TestParallelStopsWithContext(t *testing.T) {
	data := benchLog(Access, 8*blockSize)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := scanParallel(ctx, bytes.NewReader(data), Access, Options{}, func(*Record) {
		n++
		if n == 1000 {
			cancel()
		}
	})
	if err != context.Canceled {
		t.Fatalf("err %v after cancelling", err)
	}
}
