package packets

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hopscope/hopscope/diagnose"
)

// frame is an Ethernet/IPv4/TCP frame as a capture holds it: the link, IP and TCP headers carry
// bytes that are not UTF-8 (MACs, 192.168.x.x, sequence numbers) before the HTTP payload.
func frame(payload string) []byte {
	f := []byte{
		0x02, 0x42, 0xac, 0x11, 0x00, 0x02, 0xf4, 0x8e, 0x38, 0xc9, 0xa1, 0xfe, 0x08, 0x00, // Ethernet
		0x45, 0x00, 0x00, 0x00, 0xbe, 0xef, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, // IPv4
		0xc0, 0xa8, 0x8c, 0x0a, 0xc0, 0xa8, 0x8c, 0xfe,
		0xd4, 0x31, 0x0c, 0x38, 0x9a, 0xe3, 0xf0, 0x81, 0xb7, 0xc4, 0xff, 0x9e, // TCP
		0x80, 0x18, 0x01, 0xf6, 0xfe, 0xed, 0x00, 0x00,
		0x01, 0x01, 0x08, 0x0a, 0xe8, 0x9d, 0xc3, 0xb1, 0x8f, 0xa0, 0xd2, 0xe5,
	}
	return append(f, payload...)
}

func TestMaskSecretsKeepsOffsetsInRealFrames(t *testing.T) {
	payload := "CONNECT backend:443 HTTP/1.1\r\nHost: backend:443\r\n" +
		"Proxy-Authorization: Basic Z3c6aHVudGVyMg==\r\nCookie: sid=c0ffee42\r\n" +
		"User-Agent: curl/8.5\r\n\r\n"
	data := frame(payload)
	out := maskSecrets(data, len(data)-len(payload))
	if len(out) != len(data) {
		t.Fatalf("masked %d bytes into %d", len(data), len(out))
	}
	for _, secret := range []string{"Z3c6aHVudGVyMg==", "sid=c0ffee42"} {
		at := bytes.Index(data, []byte(secret))
		for k := at; k < at+len(secret); k++ {
			if out[k] != '*' {
				t.Fatalf("byte %d of %q shows %q: the mask landed elsewhere\n%s", k-at, secret, out[k], strings.Join(hexDump(out), "\n"))
			}
		}
	}
	// Everything else, the binary headers and the header names included, is left as it was.
	for k := range data {
		if out[k] != data[k] && out[k] != '*' {
			t.Fatalf("byte %d changed from %#x to %#x", k, data[k], out[k])
		}
	}
	if n := bytes.Count(out, []byte("*")); n != len("Z3c6aHVudGVyMg==")+len("sid=c0ffee42") {
		t.Errorf("%d bytes masked", n)
	}
	for _, keep := range []string{"Proxy-Authorization: Basic ", "Cookie: ", "User-Agent: curl/8.5"} {
		if !bytes.Contains(out, []byte(keep)) {
			t.Errorf("lost %q", keep)
		}
	}
}

func TestMaskSecretsInURLsAndTokens(t *testing.T) {
	for _, tc := range []struct{ in, secret, keep string }{
		{"GET /v1/orders?access_token=ya29.a0Af&page=2 HTTP/1.1\r\n", "ya29.a0Af", "&page=2 HTTP/1.1"},
		{"GET http://gw:hunter2@proxy:3128/ HTTP/1.1\r\n", "hunter2", "gw:"},
		{"X-Api-Key: k-77aa99\r\nHost: b\r\n", "k-77aa99", "Host: b"},
		{"\r\nx-debug: token Bearer eyJhbGciOi.e30 seen\r\n", "eyJhbGciOi", " seen"},
		// An @ inside the password: masked up to the last @ before the path.
		{"GET http://gw:p@PLANTat@proxy:3128/ HTTP/1.1\r\n", "PLANTat", "gw:*********@proxy:3128/"},
		// Vendor-prefixed key and token headers, as Redact names them.
		{"X-Goog-Api-Key: AIzaPLANT\r\nHost: b\r\n", "AIzaPLANT", "X-Goog-Api-Key: *********\r\nHost: b"},
		{"Host: b\r\nPrivate-Token: glpatPLANT\r\n", "glpatPLANT", "Private-Token: **********"},
		{"Host: b\r\nX-Vault-Token: hvsPLANT\r\n\r\n", "hvsPLANT", "X-Vault-Token: ********"},
	} {
		out := string(maskSecrets(frame(tc.in), len(frame(""))))
		if strings.Contains(out, tc.secret) || !strings.Contains(out, tc.keep) {
			t.Errorf("masked %q: %q", tc.in, out)
		}
	}
}

// TestMaskSecretsSharedNames masks the value of every parameter name a saved bundle masks too.
func TestMaskSecretsSharedNames(t *testing.T) {
	for _, name := range append(append([]string(nil), diagnose.SecretParamNames...), diagnose.SecretQueryNames...) {
		b := []byte("GET /x?a=1&" + name + "=s3cretvalue HTTP/1.1\r\nHost: h\r\n\r\n")
		if out := maskSecrets(b, 0); bytes.Contains(out, []byte("s3cretvalue")) {
			t.Errorf("%s: %q", name, out)
		}
	}
}
