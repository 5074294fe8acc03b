package diagnose

// SecretHeaderName reports whether a header of this name (no colon) carries a credential or a
// session, as Redact reads header names: Authorization and Cookie with any prefix, API keys,
// names ending in a word that says secret after a prefix (Private-Token, X-Amz-Security-Token),
// and X- headers named after a key, an auth or a session. The captures' maskers use it on raw
// bytes: it allocates nothing.
func SecretHeaderName(name []byte) bool {
	if len(name) < 3 {
		return false
	}
	// Every word below ends in one of these pairs of letters: most names are ruled out here.
	// (|0x20 lowers a letter's case and leaves a digit as it is.)
	switch uint16(name[len(name)-2]|0x20)<<8 | uint16(name[len(name)-1]|0x20) {
	case 'o'<<8 | 'n', 'i'<<8 | 'e', 'e'<<8 | '2', 'e'<<8 | 'y', 'e'<<8 | 'n', 'e'<<8 | 't', 'r'<<8 | 'd',
		'r'<<8 | 'e', 'a'<<8 | 'l', 'l'<<8 | 's', 'i'<<8 | 'd', 't'<<8 | 'h':
	default:
		return false
	}
	// The name's end in lower case, once, so that each word is a plain comparison.
	var buf [24]byte
	tail := buf[:min(len(name), len(buf))]
	for i := range tail {
		c := name[len(name)-len(tail)+i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		tail[i] = c
	}
	whole := len(name) == len(tail)
	// ends reports whether the name ends in the word w (the whole name, or after a '-') with at
	// least prefix bytes before it.
	ends := func(w string, prefix int) bool {
		i := len(tail) - len(w)
		if i < 0 || string(tail[i:]) != w {
			return false
		}
		if i == 0 {
			return whole && prefix == 0
		}
		return tail[i-1] == '-' && (!whole || i >= prefix)
	}
	for _, w := range [...]string{"authorization", "cookie", "cookie2", "api-key", "apikey", "subscription-key"} {
		if ends(w, 0) {
			return true
		}
	}
	for _, w := range [...]string{"token", "secret", "password", "signature", "credential", "credentials", "session-id", "sessionid"} {
		if ends(w, 1) {
			return true
		}
	}
	if len(name) > 2 && name[0]|0x20 == 'x' && name[1] == '-' {
		for _, w := range [...]string{"key", "auth", "session"} {
			if ends(w, 2) {
				return true
			}
		}
	}
	return false
}

// The parameter names (lower case) whose value the captures' maskers hide, shared so a saved
// bundle and the hex view hide the same things. SecretParamNames are secret wherever a field
// opens (after ?, &, ;, a blank, a quote or at a line's start); SecretQueryNames, too common as
// words, only inside a URL's query (after ? or &, and ; for a path parameter).
var (
	SecretParamNames = []string{"access_token", "refresh_token", "id_token", "auth_token", "token", "api_key", "apikey",
		"api-key", "client_secret", "password", "passwd", "x-amz-signature", "x-amz-security-token",
		"session_id", "sessionid", "session_token"}
	SecretQueryNames = []string{"code", "key", "sig", "signature", "secret", "session", "jsessionid", "phpsessid"}
)
