package logs

import (
	"bytes"
	"context"
	"testing"
)

// FuzzScan feeds arbitrary bytes to every format's reader and to detection: they must neither
// panic nor hang, whatever the input.
func FuzzScan(f *testing.F) {
	for _, seed := range []string{
		"[Sat Nov 21 09:20:02.894876 2026] [proxy:error] [pid 1:tid 2] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:1 (x) failed\n",
		"2026/11/21 09:20:06 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 1.1.1.1, server: , request: \"GET / HTTP/1.1\", upstream: \"http://1.1.1.1:1/\"\n",
		`127.0.0.1 - - [21/Nov/2026:09:20:02 +0000] "GET / HTTP/1.1" 503 339 "-" "c" "rrt-1" "protocol.http.X" "target"` + "\n",
		"1795252826.278      0 127.0.0.1 TCP_DENIED/403 3413 CONNECT b:443 - HIER_NONE/- text/html\n",
		"2026-11-21 10:00:55,221 org:a messageid:rrt-1 handshakeTimeout() Remote:1.1.1.1:443] age=55221ms\n",
		"[", "\"", "(", "AH", "\n\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		Detect(data, Options{})
		for _, format := range []Format{ApacheError, NginxError, Access, SquidAccess, MPSystem} {
			a := NewAnalyzer()
			a.ReadFile(context.Background(), "f", bytes.NewReader(data), format, Options{})
			a.Evidence()
		}
	})
}
