package bundle

// MaskPayload overwrites, in place and without changing any length, the credentials a packet may
// carry in clear text: the values of Authorization, Proxy-Authorization, Cookie and Set-Cookie
// header lines, and the password of a URL's user:password@. The headers' names stay, so the next
// reader still sees that credentials were sent. It allocates nothing: it runs on every kept packet.
func MaskPayload(b []byte) {
	for _, name := range maskedHeaders {
		for i := 0; ; {
			j := indexFold(b[i:], name)
			if j < 0 {
				break
			}
			start := i + j
			// A header name opens a line (or the payload, which indexFold cannot know; the
			// colon right after the name makes a stray match in a body unlikely and harmless).
			v := start + len(name)
			if start > 0 && b[start-1] != '\n' && b[start-1] != ' ' && b[start-1] != '"' && b[start-1] != '-' {
				i = v
				continue
			}
			for v < len(b) && (b[v] == ' ' || b[v] == '\t') {
				v++
			}
			v = skipScheme(b, v)
			for ; v < len(b) && b[v] != '\r' && b[v] != '\n'; v++ {
				b[v] = '*'
			}
			i = v
		}
	}
	maskUserinfo(b)
}

// maskedHeaders are matched without regard to case; each includes its colon.
var maskedHeaders = []string{"authorization:", "cookie:"}

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
