package diagnose

import (
	"regexp"
	"strings"
)

// Secrets that may appear in text hopscope shows: credentials in URLs, Authorization and
// Proxy-Authorization headers, and "user:password" given on a command line.
var (
	urlUserinfoRE = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)([^/@\s:]+):([^/@\s]+)@`)
	authHeaderRE  = regexp.MustCompile(`(?i)\b((?:proxy-)?authorization\s*[:=]\s*)(?:(basic|bearer|digest|negotiate|ntlm)\s+)?[^\s"',;]+`)
	passwordKVRE  = regexp.MustCompile(`(?i)\b(password\s*[=:]\s*)[^\s"',;]+`)
)

// Redact hides credentials in s: URL passwords, Authorization and Proxy-Authorization header
// values, and password=… pairs. It is safe to call on any text before it is shown or written.
func Redact(s string) string {
	if !mayHoldSecret(s) {
		return s
	}
	s = urlUserinfoRE.ReplaceAllString(s, "${1}${2}:[redacted]@")
	s = authHeaderRE.ReplaceAllString(s, "${1}${2} [redacted]")
	s = passwordKVRE.ReplaceAllString(s, "${1}[redacted]")
	return s
}

// mayHoldSecret is a cheap pre-check so that the common case (no secret) costs no regexp run.
func mayHoldSecret(s string) bool {
	return strings.IndexByte(s, '@') >= 0 || containsFold(s, "authorization") || containsFold(s, "password")
}

// containsFold reports whether s contains the lower-case ASCII word w, ignoring ASCII case.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for ; j < len(w); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != w[j] {
				break
			}
		}
		if j == len(w) {
			return true
		}
	}
	return false
}
