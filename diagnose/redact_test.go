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

// BenchmarkRedactLogLines runs Redact over lines as the logs pane gets them: most hold no secret
// but many hold a word the pre-check stops at (a port's colon, "key", an e-mail's @).
func BenchmarkRedactLogLines(b *testing.B) {
	lines := []string{
		`127.0.0.1 - - [21/Nov/2026:10:01:02 +0000] "GET /api/orders?page=2 HTTP/1.1" 502 341 "-" "curl/8.5.0"`,
		`2026/11/21 10:01:02 [error] 4242#4242: *17 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 127.0.0.1, server: gw, request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:8081/", host: "gw:8080"`,
		`1763719262.123    501 127.0.0.1 TCP_TUNNEL/503 0 CONNECT backend.internal:443 alice HIER_NONE/- -`,
		`time=2026-11-21T10:01:02Z level=warn msg="session key rotated" user=ops@example.com`,
		`[Sat Nov 21 10:01:02 2026] [proxy:error] [pid 4242] (111)Connection refused: AH00957: HTTP: attempt to connect to 127.0.0.1:8081 failed`,
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			_ = Redact(l)
		}
	}
}

// TestRedactHostileShapes: quoting, escapes and separators that once let part of a secret
// through, and look-alikes (e-mail addresses, a logfmt session counter) that must stay.
func TestRedactHostileShapes(t *testing.T) {
	cases := []struct {
		in      string
		secrets []string
		want    string // the whole output, when it is pinned
	}{
		// An escaped quote inside a JSON string does not end it.
		{`{"Cookie": "a=\"x\"; session=topsecret"}`, []string{"topsecret", `a=\"x`}, `{"Cookie": "[redacted]"}`},
		{`{"token":"ab\"cdsecret"}`, []string{"cdsecret", "ab"}, `{"token":"[redacted]"}`},
		{`{"password": "p\\\"w\"rest", "user": "bob"}`, []string{"rest"}, `{"password": "[redacted]", "user": "bob"}`},
		{`{"Authorization": "Bearer ab\"cdPLANT", "n": 1}`, []string{"cdPLANT"}, `{"Authorization": "Bearer [redacted]", "n": 1}`},
		{`log: {\"Cookie\": \"sid=PLANTesc\"}`, []string{"PLANTesc"}, ""},
		// An @ inside a URL's password: the password runs to the last @ before the path.
		{"http://user:p@ss@host/x", []string{"ss@", "p@"}, "http://user:[redacted]@host/x"},
		{"proxy http://gw:a@b@c@10.0.0.2:3128 failed", []string{"a@b", "b@c"}, "proxy http://gw:[redacted]@10.0.0.2:3128 failed"},
		{"https://u:pw@host/path@notpw", []string{"pw@host"}, "https://u:[redacted]@host/path@notpw"},
		{`{"a":"http://u:p@h","b":"http://v:q@k/"}`, []string{`:p@`, `:q@`}, `{"a":"http://u:[redacted]@h","b":"http://v:[redacted]@k/"}`},
		{`{"url":"http://gw:pw@h:1","mail":"a@b"}`, []string{"pw"}, `{"url":"http://gw:[redacted]@h:1","mail":"a@b"}`},
		// The same without a scheme, with a colon or an @ in the password.
		{"upstream gw:se:cret@10.0.0.2:9000 refused", []string{"se:cret", "cret"}, "upstream gw:[redacted]@10.0.0.2:9000 refused"},
		{`upstream: "gw:p@ss@10.0.0.2:9000"`, []string{"p@ss"}, `upstream: "gw:[redacted]@10.0.0.2:9000"`},
		// Header names with a vendor prefix.
		{"X-Goog-Api-Key: AIzaPLANTgoog", []string{"AIzaPLANTgoog"}, "X-Goog-Api-Key: [redacted]"},
		{"X-Amz-Security-Token: FwoGPLANTamz", []string{"FwoGPLANTamz"}, "X-Amz-Security-Token: [redacted]"},
		{"x-auth-token: PLANTauth", []string{"PLANTauth"}, "x-auth-token: [redacted]"},
		{"Private-Token: glpat-PLANTgl", []string{"glpat-PLANTgl"}, "Private-Token: [redacted]"},
		{"X-Vault-Token: hvs.PLANTvault", []string{"hvs.PLANTvault"}, "X-Vault-Token: [redacted]"},
		{"map[X-Goog-Api-Key:[AIzaPLANTmap] Accept:[*/*]]", []string{"AIzaPLANTmap"}, "map[X-Goog-Api-Key:[[redacted]] Accept:[*/*]]"},
		{`{'Cookie': 'sid=PLANTpy', 'n': 1}`, []string{"PLANTpy"}, `{'Cookie': '[redacted]', 'n': 1}`},
		{`curl -H 'Authorization: Bearer PLANTc1' -H 'X-Api-Key: PLANTc2' https://b/`, []string{"PLANTc1", "PLANTc2"},
			`curl -H 'Authorization: Bearer [redacted]' -H 'X-Api-Key: [redacted]' https://b/`},
		{`"Cookie": `, nil, `"Cookie": `},
		{`reason="Cookie: " n=1`, nil, `reason="Cookie: " n=1`},
		// A password value runs to a blank, &, ; or a quote, not to a comma.
		{"password=abc,def123 next", []string{"abc", "def123"}, "password=[redacted] next"},
		{"db password=abc,def&x=1", []string{"def"}, "db password=[redacted]&x=1"},
		{`login password="s3 cr,et" user=bob`, []string{"s3", "cr,et"}, `login password="[redacted]" user=bob`},
		{"passwd=PLANTpasswd", []string{"PLANTpasswd"}, "passwd=[redacted]"},
		{"?access_token=abc,PLANTcomma&x=1", []string{"PLANTcomma"}, "?access_token=[redacted]&x=1"},
		// A header quoted inside a logfmt field is redacted inside its quotes only.
		{`level=warn reason="Cookie: a=b" session=3`, []string{"a=b"}, `level=warn reason="Cookie: [redacted]" session=3`},
		{`msg="sent Authorization: Basic PLANTlf==" status=407`, []string{"PLANTlf"}, ""},
		{`msg="Cookie: a=\"q\" PLANTq" ok=1`, []string{"PLANTq"}, `msg="Cookie: [redacted]" ok=1`},
		// Session ids are secrets under a name that says so; a bare session= is not.
		{"user=bob session_id=PLANTsid ok", []string{"PLANTsid"}, "user=bob session_id=[redacted] ok"},
		{"GET /x?PHPSESSID=PLANTphp HTTP/1.1", []string{"PLANTphp"}, "GET /x?PHPSESSID=[redacted] HTTP/1.1"},
		{"GET /x?session=PLANTsess&y=1 HTTP/1.1", []string{"PLANTsess"}, "GET /x?session=[redacted]&y=1 HTTP/1.1"},
		{"level=info session=3 closed", nil, "level=info session=3 closed"},
		// E-mail addresses hold no password.
		{"contact mailto:joe@example.com now", nil, "contact mailto:joe@example.com now"},
		{`<a href="mailto:joe@example.com">`, nil, `<a href="mailto:joe@example.com">`},
		{"from user@example.com at 10:00:01", nil, "from user@example.com at 10:00:01"},
		{"10:00:01 user@example.com", nil, "10:00:01 user@example.com"},
		{"mailto:joe@example.com", nil, "mailto:joe@example.com"},
	}
	for _, tc := range cases {
		got := checkRedact(t, tc.in, tc.secrets, tc.want)
		if !strings.Contains(got, "[redacted]") && tc.secrets != nil {
			t.Errorf("Redact(%q) = %q has no marker", tc.in, got)
		}
	}
}

// BenchmarkRedactSecretLines: lines that do hold a secret, each redacted.
func BenchmarkRedactSecretLines(b *testing.B) {
	lines := []string{
		`127.0.0.1 - gw [21/Nov/2026:10:00:01 +0000] "GET /v1?access_token=abc123&page=2 HTTP/1.1" 502 157 "http://gw:pw@app/" "curl/8.5"`,
		`2026/11/21 10:00:01 [error] 12#12: *1 connect() failed, upstream: "http://gw:secret@127.0.0.1:9000/v1", host: "127.0.0.1:8080"`,
		`level=warn reason="Cookie: sid=c0ffee" session=3 password=hunter2`,
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			_ = Redact(l)
		}
	}
}

// FuzzRedact: Redact never panics and a second pass changes nothing.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{`{"Cookie": "a=\"x\"; s=y"}`, "http://u:p@ss@h/x", `r="Cookie: a=b" s=3`,
		"gw:se:cret@10.0.0.2:9000", "password=abc,def", "map[X-Goog-Api-Key:[k]]", "mailto:joe@example.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Redact(s)
		if twice := Redact(once); twice != once {
			t.Fatalf("Redact(%q) = %q, then %q", s, once, twice)
		}
	})
}

// TestRedactFoldsAndQuotes: a header value folded onto the next line (obs-fold, as a proxy or a
// dump wraps a long header), a request head printed with its line endings escaped (Go's %q, a
// JSON field), a URL with a password and no user, and a quoted -u/-U value with a blank in it.
func TestRedactFoldsAndQuotes(t *testing.T) {
	cases := []struct {
		in      string
		secrets []string
		want    string
	}{
		{"Proxy-Authorization:\r\n Basic PLANTfold1\r\nHost: x", []string{"PLANTfold1"}, "Proxy-Authorization:\r\n Basic [redacted]\r\nHost: x"},
		{"Proxy-Authorization: Basic\r\n\tPLANTfold2\r\nHost: x", []string{"PLANTfold2"}, "Proxy-Authorization: Basic [redacted]\r\nHost: x"},
		{"Cookie: a=b;\n c=PLANTfold3\nnext: 1", []string{"PLANTfold3"}, "Cookie: [redacted]\nnext: 1"},
		{`GET / HTTP/1.1\r\nCookie: sid=PLANTesc1\r\nHost: x`, []string{"PLANTesc1"}, ""},
		{`"CONNECT x:443 HTTP/1.1\r\nX-Api-Key: PLANTesc2\r\n"`, []string{"PLANTesc2"}, ""},
		{"http://:PLANTnouser@host/x", []string{"PLANTnouser"}, "http://:[redacted]@host/x"},
		{"https://:ghp_PLANTgh@github.com/o/r.git", []string{"PLANTgh"}, "https://:[redacted]@github.com/o/r.git"},
		{"curl -U 'alice:pa PLANTq1' -x http://p:3128 http://b/", []string{"PLANTq1", "pa "}, "curl -U 'alice:[redacted]' -x http://p:3128 http://b/"},
		{`curl -u "alice:PLANTq2" http://b/`, []string{"PLANTq2"}, `curl -u "alice:[redacted]" http://b/`},
		{`hopscope check --proxy-user='gw:a b PLANTq3' x`, []string{"PLANTq3"}, `hopscope check --proxy-user='gw:[redacted]' x`},
		// Kept: a header on its own line after a secret one, an indented line after a plain header.
		{"Host: x\r\n Cookie2 is not a fold", nil, "Host: x\r\n Cookie2 is not a fold"},
	}
	for _, tc := range cases {
		checkRedact(t, tc.in, tc.secrets, tc.want)
	}
}

// TestRedactFoldEnds: a value ends before a line that is a header of its own, and at a line
// ending written escaped; the header after it is judged on its own.
func TestRedactFoldEnds(t *testing.T) {
	cases := []struct{ in, want string }{
		{"  Proxy-Authorization: Basic PLANT1\n  Host: backend\n  Cookie: sid=PLANT2\n  Accept: */*",
			"  Proxy-Authorization: Basic [redacted]\n  Host: backend\n  Cookie: [redacted]\n  Accept: */*"},
		{`GET / HTTP/1.1\r\nCookie: sid=PLANT3\r\nHost: x\r\nX-Api-Key: PLANT4\r\n\r\n`,
			`GET / HTTP/1.1\r\nCookie: [redacted]\r\nHost: x\r\nX-Api-Key: [redacted]\r\n\r\n`},
		{`msg="GET / HTTP/1.1\nAuthorization: Bearer PLANT5\nHost: x" n=1`,
			`msg="GET / HTTP/1.1\nAuthorization: Bearer [redacted]\nHost: x" n=1`},
		{"Cookie: a=PLANT6\r\n\r\nbody", "Cookie: [redacted]\r\n\r\nbody"},
	}
	for _, tc := range cases {
		got := Redact(tc.in)
		if got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(got, "PLANT") {
			t.Errorf("Redact(%q) = %q holds a secret", tc.in, got)
		}
		if again := Redact(got); again != got {
			t.Errorf("Redact is not idempotent: %q, then %q", got, again)
		}
	}
}

// checkRedact redacts in and fails the test if a secret is left, the result is not want (when want
// is given) or a second pass changes it; it returns the result.
func checkRedact(t *testing.T, in string, secrets []string, want string) string {
	t.Helper()
	got := Redact(in)
	for _, s := range secrets {
		if strings.Contains(got, s) {
			t.Errorf("Redact(%q) = %q still holds %q", in, got, s)
		}
	}
	if want != "" && got != want {
		t.Errorf("Redact(%q) = %q, want %q", in, got, want)
	}
	if again := Redact(got); again != got {
		t.Errorf("Redact is not idempotent: %q, then %q", got, again)
	}
	return got
}
