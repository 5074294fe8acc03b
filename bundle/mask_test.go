package bundle

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hopscope/hopscope/diagnose"
)

// TestMaskPayloadShapes: the shapes Redact hides in text are masked in a capture's payload too,
// in place, and what only looks alike (an e-mail address, a plain header) is left.
func TestMaskPayloadShapes(t *testing.T) {
	cases := []struct{ in, want string }{
		{"GET http://u:p@ss@host/x HTTP/1.1\r\n", "GET http://u:****@host/x HTTP/1.1\r\n"},
		{"X-Goog-Api-Key: AIzaK1\r\n", "X-Goog-Api-Key: ******\r\n"},
		{"x-amz-security-token: FwoG\r\n", "x-amz-security-token: ****\r\n"},
		{"X-Auth-Token: t0k\r\nHost: b\r\n", "X-Auth-Token: ***\r\nHost: b\r\n"},
		{"Private-Token: glpat\r\n", "Private-Token: *****\r\n"},
		{"X-Api-Key: k-77\r\n", "X-Api-Key: ****\r\n"},
		{"GET /v1?access_token=tok9&page=2 HTTP/1.1\r\n", "GET /v1?access_token=****&page=2 HTTP/1.1\r\n"},
		{"GET /cb?code=4%2F0A&state=x HTTP/1.1\r\n", "GET /cb?code=******&state=x HTTP/1.1\r\n"},
		{"POST /t HTTP/1.1\r\n\r\ngrant_type=refresh_token&refresh_token=1//0g&client_secret=GOC", "POST /t HTTP/1.1\r\n\r\ngrant_type=refresh_token&refresh_token=*****&client_secret=***"},
		{"GET /app;jsessionid=AB12?x=1 HTTP/1.1\r\n", "GET /app;jsessionid=****?x=1 HTTP/1.1\r\n"},
		// Left alone.
		{"From: joe@example.com\r\nX-Request-Id: 42\r\n", "From: joe@example.com\r\nX-Request-Id: 42\r\n"},
		{"keepalive timeout=5, code=2 key=3\r\n", "keepalive timeout=5, code=2 key=3\r\n"},
		{"Referer: mailto:joe@example.com\r\n", "Referer: mailto:joe@example.com\r\n"},
	}
	for _, tc := range cases {
		b := []byte(tc.in)
		MaskPayload(b)
		if got := string(b); got != tc.want {
			t.Errorf("MaskPayload(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// A payload cut anywhere (a segment boundary) is masked without a panic.
	whole := "GET /v1?access_token=abc&x=1 HTTP/1.1\r\nX-Goog-Api-Key: k\r\nReferer: http://u:p@h@x/\r\n"
	for n := range len(whole) {
		b := []byte(whole[:n])
		MaskPayload(b)
		if len(b) != n || strings.Contains(string(b), "abc&") {
			t.Fatalf("cut at %d: %q", n, b)
		}
	}
}

// TestMaskPayloadSharedNames masks the value of every parameter name the hex view masks too.
func TestMaskPayloadSharedNames(t *testing.T) {
	for _, name := range append(append([]string(nil), diagnose.SecretParamNames...), diagnose.SecretQueryNames...) {
		b := []byte("GET /x?a=1&" + name + "=s3cretvalue HTTP/1.1\r\nHost: h\r\n\r\n")
		MaskPayload(b)
		if bytes.Contains(b, []byte("s3cretvalue")) {
			t.Errorf("%s: %q", name, b)
		}
	}
}
