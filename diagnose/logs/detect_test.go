package logs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		file string
		opts Options
		want Format
	}{
		{"apache22-error.log", Options{}, ApacheError},
		{"apache24-error.log", Options{}, ApacheError},
		{"nginx-error.log", Options{}, NginxError},
		{"apache-access.log", Options{}, Access},
		{"nginx-access.log", Options{}, Access},
		{"router-access.log", Options{}, RouterAccess},
		{"squid-access.log", Options{}, SquidAccess},
		{"mp-system.log", Options{}, MPSystem},
		{"nginx-access.log", Options{LogFormat: `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`}, CustomAccess},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			head, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := Detect(head, tt.opts)
			if !ok || got != tt.want {
				t.Fatalf("Detect = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

func TestDetectLeavesTextAlone(t *testing.T) {
	for _, text := range []string{
		"HTTP/1.1 502 Bad Gateway\nContent-Type: application/json\n\n{\"fault\":{\"faultstring\":\"Bad Gateway\"}}\n",
		"curl: (56) CONNECT tunnel failed, response 403\n",
		"",
		"hello\nworld\n2026/11/21 09:20:06 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream\nmore\ntext\n",
	} {
		if f, ok := Detect([]byte(text), Options{}); ok {
			t.Errorf("Detect(%q) = %q, want no log format", text, f)
		}
	}
}

func TestRouterFaultsAfterManySuccesses(t *testing.T) {
	var b []byte
	for i := 0; i < 100; i++ {
		b = append(b, `10.0.0.9 - - [21/Nov/2026:10:00:00 +0000] "GET /v1/health HTTP/1.1" 200 2 "-" "app/1.0" "rrt-1-1" "-" "-"`+"\n"...)
	}
	b = append(b, `10.0.0.9 - - [21/Nov/2026:10:00:01 +0000] "POST /v1/orders HTTP/1.1" 503 212 "-" "app/1.0" "rrt-1-2" "protocol.http.ProxyTunnelCreationFailed" "target"`+"\n"...)
	f, ok := Detect(b, Options{})
	if !ok {
		t.Fatal("not detected")
	}
	a := NewAnalyzer()
	if _, err := a.ReadFile(context.Background(), "router.log", bytes.NewReader(b), f, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, ev := range a.Evidence() {
		if ev.Signal == "gateway.fault.tunnel-failed" && ev.Line == 101 {
			return
		}
	}
	t.Fatalf("the fault on line 101 was not read (format %s)", f)
}
