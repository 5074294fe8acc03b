package logs

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestCleanIsReset parses every line of the recorded logs (and a few lines the parsers refuse
// half-way) with each parser that clears records itself, cleans the record and checks it is
// exactly a freshly reset one: a field a parser writes and its clean forgets would carry one
// line's value into the next.
func TestCleanIsReset(t *testing.T) {
	var files []string
	for _, pat := range []string{"testdata/*.log", "testdata/scenarios/*/*/*.log", "../../testdata/*/*.log", "../../analyze/testdata/*/*.log"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	lines := [][]byte{
		[]byte(`10.0.0.9 - - [21/Nov/2026:10:00:03 +0000] "POST /v1/orders HTTP/1.1" 503 212 "-" "app/1.0" "rrt-4a1b-1" "protocol.http.ProxyTunnelCreationFailed" "target"`),
		[]byte(`10.0.0.9 - - [21/Nov/2026:10:00:03 +0000] "GET /a?b HTTP/1.1" 200 1 fault_code=messaging.adaptors.http.flow.BadGateway fault_source=target message_id=rrt-9`),
		[]byte(`10.0.0.9 - - [21/Nov/2026:10:00:03 +0000] "GET /a HTTP/1.1" 2000 1`),
		[]byte(`[Sat Nov 21 09:20:02.894876 2026] [proxy:error] [client 10.1.1.1:5] x`),
		[]byte(`2026/11/21 09:20:06 [error] 1#1: *1 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 127.0.0.1, server: , request: "POST /upload/1 HTTP/1.1", upstream: "http://[::1]:9000/upload/1", host: "x"`),
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, bytes.Split(b, []byte("\n"))...)
	}
	for _, f := range []Format{ApacheError, NginxError, Access, RouterAccess} {
		p, err := newParser(f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		c, ok := p.(cleaner)
		if !ok {
			t.Fatalf("%s: the parser clears no record itself", f)
		}
		read := 0
		for _, line := range lines {
			var r, want Record
			r.reset(7, line)
			if p.parse(line, &r) {
				read++
			}
			r.reuse(8, []byte("next"), c, true)
			want.reset(8, []byte("next"))
			if !reflect.DeepEqual(r, want) {
				t.Fatalf("%s: after %q the cleaned record is\n%+v\nnot\n%+v", f, line, r, want)
			}
		}
		if read < 20 {
			t.Errorf("%s: only %d lines read: the test sees too little", f, read)
		}
	}
}
