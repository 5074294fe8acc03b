package packets

import (
	"bytes"

	"github.com/hopscope/hopscope/diagnose"
)

// Where a packet's payload carries secrets, for the hex view: header lines whose value is a
// credential or a session, bearer tokens, token and key parameters in a URL, and a URL's
// password. The view masks them byte for byte, so every offset in the dump stays true.
var (
	// maskParams are the query or form parameters (lower case, with the '=') whose value is masked
	// after a '?', '&', ';', blank or line start; maskQueryParams only after '?' or '&' (a name
	// as common as "code" is a secret in a query string, not in every text).
	maskParams      = withEquals(diagnose.SecretParamNames)
	maskQueryParams = withEquals(diagnose.SecretQueryNames)
	bearer          = []byte("bearer ")
)

// withEquals returns each name followed by '=', as the payload carries it.
func withEquals(names []string) [][]byte {
	out := make([][]byte, len(names))
	for i, n := range names {
		out[i] = []byte(n + "=")
	}
	return out
}

// authSchemes are the schemes (lower case, with the space) left visible before a credential:
// which scheme was sent is evidence, as the redacted text views show it.
var authSchemes = [][]byte{[]byte("basic "), []byte("bearer "), []byte("digest "), []byte("negotiate "), []byte("ntlm ")}

// maskSecrets returns a copy of data with the secrets in it replaced by '*', byte for byte.
// payloadAt is where the TCP payload starts in data: a header line may open the payload.
func maskSecrets(data []byte, payloadAt int) []byte {
	out := append([]byte(nil), data...)
	// ASCII-only case folding keeps every offset: bytes.ToLower decodes UTF-8 and writes each
	// invalid byte as a 3-byte U+FFFD, so on binary payloads its offsets drift past out's.
	lower := asciiLower(data)
	// A header starts a line (or the payload, for a segment that opens with it); its name is
	// judged as Redact judges it.
	for at := 0; at < len(out); at++ {
		if at != 0 && at != payloadAt && out[at-1] != '\n' {
			continue
		}
		n := at
		for n < len(out) && nameByte(out[n]) {
			n++
		}
		if n > at && n < len(out) && out[n] == ':' && diagnose.SecretHeaderName(out[at:n]) {
			at = maskHeaderValue(out, lower, n+1)
		}
	}
	maskAfter(out, lower, maskParams, "?&; \n")
	maskAfter(out, lower, maskQueryParams, "?&")
	for i := 0; ; {
		j := bytes.Index(lower[i:], bearer)
		if j < 0 {
			break
		}
		i = maskUntil(out, i+j+len(bearer), " \r\n,;\"'")
		i++
	}
	maskURLPasswords(out)
	return out
}

// maskHeaderValue masks a header's value from i (after its colon) to the end of its line,
// leaving an auth scheme visible, and returns where it stopped.
func maskHeaderValue(out, lower []byte, i int) int {
	for i < len(out) && (out[i] == ' ' || out[i] == '\t') {
		i++
	}
	for _, sc := range authSchemes {
		if bytes.HasPrefix(lower[i:], sc) {
			i += len(sc)
			break
		}
	}
	return maskUntil(out, i, "\r\n")
}

// nameByte reports whether c may be part of a header name.
func nameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// maskAfter masks the value of every parameter of names found right after one of the bytes of
// before.
func maskAfter(out, lower []byte, names [][]byte, before string) {
	for _, name := range names {
		for i := 0; ; {
			j := bytes.Index(lower[i:], name)
			if j < 0 {
				break
			}
			at := i + j
			i = at + len(name)
			if at > 0 && bytes.IndexByte([]byte(before), lower[at-1]) >= 0 {
				i = maskUntil(out, i, "& \r\n#;\"'")
			}
		}
	}
}

// maskUntil masks out from i to the first byte among stops (or the end) and returns that offset.
func maskUntil(out []byte, i int, stops string) int {
	for ; i < len(out) && bytes.IndexByte([]byte(stops), out[i]) < 0; i++ {
		out[i] = '*'
	}
	return i
}

// maskURLPasswords masks the password of every scheme://user:password@host in out: from the
// first colon to the last @ before the path, a blank or a quote, since an @ may sit unescaped in
// a password.
func maskURLPasswords(out []byte) {
	for i := 0; ; {
		j := bytes.Index(out[i:], []byte("://"))
		if j < 0 {
			return
		}
		start := i + j + 3
		end, at := start, -1
		for end < len(out) && bytes.IndexByte([]byte("/ \t\r\n\""), out[end]) < 0 {
			if out[end] == '@' {
				at = end
			}
			end++
		}
		if at >= 0 {
			if c := bytes.IndexByte(out[start:at], ':'); c >= 0 {
				for k := start + c + 1; k < at; k++ {
					out[k] = '*'
				}
			}
		}
		i = start
	}
}

// asciiLower returns a copy of b with A–Z folded to a–z and every other byte as it is.
func asciiLower(b []byte) []byte {
	l := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		l[i] = c
	}
	return l
}

// payloadOffset returns where payload, a sub-slice of data, starts in it (0 when it is not one).
func payloadOffset(data, payload []byte) int {
	if at := cap(data) - cap(payload); len(payload) > 0 && at >= 0 && at <= len(data) {
		return at
	}
	return 0
}
