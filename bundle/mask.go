package bundle

import "bytes"

// MaskPayload overwrites, in place and without changing any length, the credentials a packet may
// carry in clear text: the values of Authorization, Proxy-Authorization, Cookie and Set-Cookie
// header lines, and the password of a URL's user:password@. The headers' names stay, so the next
// reader still sees that credentials were sent. It allocates nothing: it runs on every kept packet.
func MaskPayload(b []byte) {
	// One pass over the lines: a header opens a line (or the payload); the first byte rules most
	// lines out at once.
	for start := 0; start < len(b); {
		end := bytes.IndexByte(b[start:], '\n')
		if end < 0 {
			end = len(b)
		} else {
			end += start
		}
		maskHeaderLine(b[start:end])
		start = end + 1
	}
	if bytes.Contains(b, []byte("://")) {
		maskUserinfo(b)
	}
}

// maskHeaderLine masks the value of one line if it is a credential-carrying header.
func maskHeaderLine(line []byte) {
	if len(line) < len("cookie:") {
		return
	}
	switch line[0] | 0x20 {
	case 'a', 'p', 'c', 's':
	default:
		return
	}
	for _, name := range maskedHeaders {
		if len(line) < len(name) || indexFold(line[:len(name)], name) != 0 {
			continue
		}
		v := len(name)
		for v < len(line) && (line[v] == ' ' || line[v] == '\t') {
			v++
		}
		v = skipScheme(line, v)
		for ; v < len(line) && line[v] != '\r'; v++ {
			line[v] = '*'
		}
		return
	}
}

// maskedHeaders are matched without regard to case; each includes its colon.
var maskedHeaders = []string{"authorization:", "proxy-authorization:", "cookie:", "set-cookie:"}

// skipScheme keeps an authorization scheme (Basic, Digest, Bearer …) readable: which one was
// sent is evidence, the credentials after it are not.
func skipScheme(b []byte, v int) int {
	for _, s := range []string{"basic ", "bearer ", "digest ", "negotiate ", "ntlm "} {
		if v+len(s) <= len(b) && indexFold(b[v:v+len(s)], s) == 0 {
			return v + len(s)
		}
	}
	return v
}

// maskUserinfo masks the password in every "scheme://user:password@" of b.
func maskUserinfo(b []byte) {
	for i := 0; i+3 <= len(b); i++ {
		if b[i] != ':' || b[i+1] != '/' || b[i+2] != '/' {
			continue
		}
		colon := -1
		for k := i + 3; k < len(b); k++ {
			c := b[k]
			if c == '/' || c == ' ' || c == '\r' || c == '\n' || c == '"' {
				break
			}
			if c == ':' && colon < 0 {
				colon = k
			}
			if c == '@' {
				if colon >= 0 {
					for x := colon + 1; x < k; x++ {
						b[x] = '*'
					}
				}
				break
			}
		}
	}
}

// indexFold is bytes.Index for a lower-case ASCII word, ignoring ASCII case in b.
func indexFold(b []byte, w string) int {
	for i := 0; i+len(w) <= len(b); i++ {
		j := 0
		for ; j < len(w); j++ {
			c := b[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != w[j] {
				break
			}
		}
		if j == len(w) {
			return i
		}
	}
	return -1
}
