package packets

import "bytes"

// Where a packet's payload carries secrets, for the hex view: header lines whose value is a
// credential or a session, bearer tokens, token and key parameters in a URL, and a URL's
// password. The view masks them byte for byte, so every offset in the dump stays true.
var (
	// maskHeaders are the header names (lower case, with the colon) whose whole value is masked.
	maskHeaders = [][]byte{[]byte("authorization:"), []byte("proxy-authorization:"), []byte("cookie:"),
		[]byte("set-cookie:"), []byte("cookie2:"), []byte("x-api-key:"), []byte("api-key:"),
		[]byte("x-auth-token:"), []byte("x-access-token:"), []byte("x-amz-security-token:")}
	// maskParams are the query or form parameters (lower case, with the '=') whose value is masked
	// after a '?', '&', ';', blank or line start; maskQueryParams only after '?' or '&' (a name
	// as common as "code" is a secret in a query string, not in every text).
	maskParams = [][]byte{[]byte("access_token="), []byte("refresh_token="), []byte("id_token="),
		[]byte("auth_token="), []byte("token="), []byte("api_key="), []byte("apikey="),
		[]byte("client_secret="), []byte("password=")}
	maskQueryParams = [][]byte{[]byte("key="), []byte("secret="), []byte("sig="), []byte("signature="), []byte("code="),
		[]byte("session_id="), []byte("sessionid="), []byte("jsessionid=")}
	bearer = []byte("bearer ")
)

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
	for _, name := range maskHeaders {
		for i := 0; ; {
			j := bytes.Index(lower[i:], name)
			if j < 0 {
				break
			}
			at := i + j
			i = at + len(name)
			// A header starts a line (or the payload, for a segment that opens with it).
			if at > 0 && at != payloadAt && lower[at-1] != '\n' {
				continue
			}
			for i < len(out) && (out[i] == ' ' || out[i] == '\t') {
				i++
			}
			for _, sc := range authSchemes {
				if bytes.HasPrefix(lower[i:], sc) {
					i += len(sc)
					break
				}
			}
			i = maskUntil(out, i, "\r\n")
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

// maskURLPasswords masks the password of every scheme://user:password@host in out.
func maskURLPasswords(out []byte) {
	for i := 0; ; {
		j := bytes.Index(out[i:], []byte("://"))
		if j < 0 {
			return
		}
		start := i + j + 3
		end := start
		for end < len(out) && bytes.IndexByte([]byte("/@ \r\n?#"), out[end]) < 0 {
			end++
		}
		if end < len(out) && out[end] == '@' {
			if c := bytes.IndexByte(out[start:end], ':'); c >= 0 {
				for k := start + c + 1; k < end; k++ {
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
