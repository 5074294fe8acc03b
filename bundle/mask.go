package bundle

import (
	"bytes"

	"github.com/hopscope/hopscope/diagnose"
)

// MaskPayload overwrites, in place and without changing any length, the credentials a packet may
// carry in clear text: the values of the header lines Redact hides (Authorization,
// Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key, X-Goog-Api-Key, X-Amz-Security-Token and
// the like), the password of a URL's user:password@, and token parameters (access_token=,
// client_secret=, and code=, sig=, jsessionid= in a URL). The names stay, so the next reader
// still sees that credentials were sent. It allocates nothing: it runs on every kept packet.
func MaskPayload(b []byte) {
	// One pass over the lines: a header opens a line (or the payload).
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
	if bytes.IndexByte(b, '=') >= 0 {
		maskParams(b)
	}
}

// maskHeaderLine masks the value of one line if it is a credential-carrying header.
func maskHeaderLine(line []byte) {
	n := 0
	for n < len(line) && nameByte(line[n]) {
		n++
	}
	if n == 0 || n >= len(line) || line[n] != ':' || !diagnose.SecretHeaderName(line[:n]) {
		return
	}
	v := n + 1
	for v < len(line) && (line[v] == ' ' || line[v] == '\t') {
		v++
	}
	v = skipScheme(line, v)
	for ; v < len(line) && line[v] != '\r'; v++ {
		line[v] = '*'
	}
}

// nameByte reports whether c may be part of a header or parameter name.
func nameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// Token parameters: paramNames wherever a field opens (after ?, &, ;, a blank, a quote or at a
// line's start), queryNames, too common as words, only in a URL (after ?, & or ;).
var (
	paramNames = diagnose.SecretParamNames
	queryNames = diagnose.SecretQueryNames
)

// maskParams masks the value of every token parameter in b, up to &, a blank, a quote, #, ; or ?.
func maskParams(b []byte) {
	for i := 0; i < len(b); i++ {
		if b[i] != '=' {
			continue
		}
		start := i
		for start > 0 && nameByte(b[start-1]) {
			start--
		}
		if start == i {
			continue
		}
		name := b[start:i]
		var before byte = '\n'
		if start > 0 {
			before = b[start-1]
		}
		secret := false
		switch before {
		case '?', '&', ';':
			secret = oneOfFold(name, paramNames) || oneOfFold(name, queryNames)
		case ' ', '\t', '\r', '\n', '"', '\'':
			secret = oneOfFold(name, paramNames)
		}
		if !secret {
			continue
		}
		for i++; i < len(b); i++ {
			switch b[i] {
			case '&', ' ', '\t', '\r', '\n', '"', '\'', '#', ';', '?':
			default:
				b[i] = '*'
				continue
			}
			break
		}
		i-- // the stop byte may open the next parameter
	}
}

// oneOfFold reports whether name is one of the lower-case words, ignoring case.
func oneOfFold(name []byte, words []string) bool {
	for _, w := range words {
		if len(name) == len(w) && indexFold(name, w) == 0 {
			return true
		}
	}
	return false
}

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

// maskUserinfo masks the password in every "scheme://user:password@" of b: from the first colon
// to the last @ before the path, a blank or a quote, since an @ may sit unescaped in a password.
func maskUserinfo(b []byte) {
	for i := 0; i+3 <= len(b); i++ {
		if b[i] != ':' || b[i+1] != '/' || b[i+2] != '/' {
			continue
		}
		colon, at := -1, -1
		for k := i + 3; k < len(b); k++ {
			c := b[k]
			if c == '/' || c == ' ' || c == '\r' || c == '\n' || c == '"' {
				break
			}
			if c == ':' && colon < 0 {
				colon = k
			}
			if c == '@' {
				at = k
			}
		}
		if colon >= 0 && at > colon {
			for x := colon + 1; x < at; x++ {
				b[x] = '*'
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
