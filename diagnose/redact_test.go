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
		if again := Redact(got); again != got {
			t.Errorf("Redact is not idempotent: %q, then %q", got, again)
		}
	}
}

// TestRedactPasswordFiles: the hash of a password file's line goes, whatever its scheme; the user
// stays, and lines that only look alike (a header, a time, a log's host:port) are kept.
func TestRedactPasswordFiles(t *testing.T) {
	cases := []struct{ in, secret, keep string }{
		{"gateway:$apr1$d1hWfK8n$9ohoPZj9fGohnFvTHBccn1", "9ohoPZj9fGohnFvTHBccn1", "gateway:"},
		{"gateway:$apr1$d1hWfK8n$9ohoPZj9fGohnFvTHBccn1\n", "d1hWfK8n", "gateway:[redacted]"},
		{"alice:$2y$05$R3dHq9PLANTEDbcryptHashValueXXXXXXXXXXXXXXXXXXXXXXXX", "PLANTEDbcrypt", "alice:"},
		{"bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "bob:"},
		{"carol:rqXexS6ZhobKA", "rqXexS6ZhobKA", "carol:"},
		{"carol:rqXexS6ZhobKA\r\n", "rqXexS6ZhobKA", "carol:"},
		{"root:$6$saltsalt$Q9yPLANTEDsha512crypt:19700:0:99999:7:::", "PLANTEDsha512", "root:[redacted]:19700"},
		{"# users\n  svc-gw:$1$abcd$PLANTEDmd5crypt00\nother line", "PLANTEDmd5crypt", "other line"},
		{"cache_peer 10.0.0.2 parent 3128 0 login=gw:PLANTEDpeerpw", "PLANTEDpeerpw", "login=gw:"},
		{"Host:backend.internal", "", "Host:backend.internal"},
		{"10:01:02 upstream 127.0.0.1:8081 failed", "", "127.0.0.1:8081 failed"},
		{"state:ESTABLISHED12", "", "state:ESTABLISHED12"},
	}
	for _, tc := range cases {
		got := Redact(tc.in)
		if tc.secret != "" && strings.Contains(got, tc.secret) {
			t.Errorf("Redact(%q) = %q still holds the secret", tc.in, got)
		}
		if tc.secret == "" && got != tc.in {
			t.Errorf("Redact(%q) = %q changed a line with no secret", tc.in, got)
		}
		if !strings.Contains(got, tc.keep) {
			t.Errorf("Redact(%q) = %q lost %q", tc.in, got, tc.keep)
		}
		if again := Redact(got); again != got {
			t.Errorf("Redact is not idempotent: %q, then %q", got, again)
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

// TestRedactSessionsAndTokens covers the secrets beyond passwords: cookies, API keys, bare
// bearer tokens and token parameters, in the shapes they take in logs, headers and JSON.
func TestRedactSessionsAndTokens(t *testing.T) {
	cases := []struct{ in, secret, keep string }{
		{"Cookie: SESSION=c0ffee42; theme=dark", "c0ffee42", "Cookie: "},
		{"set-cookie: sid=c0ffee42; Path=/; HttpOnly", "c0ffee42", "set-cookie"},
		{`{"Set-Cookie": "sid=c0ffee42", "status": 200}`, "c0ffee42", `"status": 200`},
		{"map[Cookie:[sid=c0ffee42] Accept:[*/*]]", "c0ffee42", "Accept"},
		{"X-Api-Key: k-77aa99", "k-77aa99", "X-Api-Key"},
		{"x-api-key=k-77aa99", "k-77aa99", "x-api-key"},
		{"upstream said: invalid token Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "eyJhbGciOi", "Bearer [redacted]"},
		{`GET /v1/orders?access_token=ya29.a0Af&page=2 HTTP/1.1`, "ya29.a0Af", "page=2"},
		{`"GET /cb?code=4%2F0Ad&state=xyz HTTP/1.1" 302`, "4%2F0Ad", "state=xyz"},
		{"https://store.blob.example/c/f?sv=2022&sig=Zm9vYmFy%3D&se=2026", "Zm9vYmFy", "se=2026"},
		{"POST body: grant_type=refresh_token&refresh_token=1//0gdX&client_secret=GOCSPX-abc", "1//0gdX", "grant_type=refresh_token"},
		{"POST body: grant_type=refresh_token&refresh_token=1//0gdX&client_secret=GOCSPX-abc", "GOCSPX-abc", "grant_type"},
		{`{"access_token": "ya29.a0Af", "expires_in": 3599}`, "ya29.a0Af", `"expires_in": 3599`},
		{"GET /?key=AIzaSyA-1 HTTP/1.1", "AIzaSyA-1", "GET /?key="},
		{"Authorization: Bearer eyJhbGciOi.x.y", "eyJhbGciOi", "Authorization: Bearer [redacted]"},
		{"keepalive timeout=5, max=100", "", "keepalive timeout=5, max=100"},
		{"tokens are fine as a word; session ended", "", "tokens are fine as a word; session ended"},
		{`upstream: "gw:s3cr3t@127.0.0.1:9000"`, "s3cr3t", `upstream: "gw:[redacted]@127.0.0.1:9000"`},
		{"mail alice@example.com at 10:00:01", "", "mail alice@example.com at 10:00:01"},
		{"child exited with code=2 key=value", "", "child exited with code=2 key=value"},
	}
	for _, tc := range cases {
		got := Redact(tc.in)
		if tc.secret != "" && strings.Contains(got, tc.secret) {
			t.Errorf("Redact(%q) = %q still holds the secret", tc.in, got)
		}
		if !strings.Contains(got, tc.keep) {
			t.Errorf("Redact(%q) = %q lost %q", tc.in, got, tc.keep)
		}
		if again := Redact(got); again != got {
			t.Errorf("Redact is not idempotent: %q, then %q", got, again)
		}
	}
}
