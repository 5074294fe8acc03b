package diagnose

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	cases := []struct{ in, secret, keep string }{
		{"proxy http://alice:hunter2@proxy:3128", "hunter2", "alice"},
		{"Proxy-Authorization: Basic YWxpY2U6aHVudGVyMg==", "YWxpY2U6aHVudGVyMg==", "Proxy-Authorization"},
		{"authorization: Bearer eyJhbGciOi.x.y", "eyJhbGciOi", "Bearer"},
		{"HTTPClient.proxy.password=hunter2", "hunter2", "proxy.password"},
		{`Proxy-Authorization: Digest username="alice", response="6629fae49393a053"`, "6629fae4", "Digest"},
		{`{"Authorization": "Basic YWxpY2U6aHVudGVyMg==", "status": 407}`, "YWxpY2U6", `"status": 407`},
		{"map[Proxy-Authorization:[Basic YWxpY2U6aHVudGVyMg==]]", "YWxpY2U6", "Basic"},
		{"Authorization: Basic YWxpY2U6aHVudGVyMg==\r\nHost: backend", "YWxpY2U6", "Host: backend"},
		{"curl -U alice:hunter2 -x http://proxy:3128", "hunter2", "alice"},
		{"hopscope check --proxy-user=alice:hunter2", "hunter2", "alice"},
		{"Cookie: JSESSIONID=7f3a9c0e; theme=dark", "7f3a9c0e", "Cookie"},
		{"Set-Cookie: sid=c0ffee42; Path=/; HttpOnly", "c0ffee42", "Set-Cookie"},
		{`{"Cookie": "sid=c0ffee42", "status": 200}`, "c0ffee42", `"status": 200`},
		{"GET /v1/orders?access_token=tok3n99&x=1 HTTP/1.1", "tok3n99", "x=1"},
		{"plain line with no secret", "", "plain line with no secret"},
	}
	for _, tc := range cases {
		got := Redact(tc.in)
		if tc.secret != "" && strings.Contains(got, tc.secret) {
			t.Errorf("Redact(%q) = %q still holds the secret", tc.in, got)
		}
		if !strings.Contains(got, tc.keep) {
			t.Errorf("Redact(%q) = %q lost %q", tc.in, got, tc.keep)
		}
	}
}

func BenchmarkRedactNoSecret(b *testing.B) {
	line := "[Sat Nov 21 10:01:02 2026] [proxy:error] [pid 4242] (111)Connection refused: AH00957: HTTP: attempt to connect to 127.0.0.1:8081 failed"
	b.ReportAllocs()
	for b.Loop() {
		_ = Redact(line)
	}
}
