package diagnose

import (
	"regexp"
	"strings"
)

// Secrets that may appear in text hopscope shows: credentials in URLs, Authorization and
// Proxy-Authorization headers, and "user:password" given on a command line.
var (
	urlUserinfoRE = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)([^/@\s:]+):([^/@\s]+)@`)
	// The whole header value goes, not its first word: a Digest value carries username=,
	// response= and more after the scheme. A value opened by a quote or a bracket (JSON, Go's
	// printed http.Header) ends at its closing one; any other value runs to the end of the line.
	authHeaderRE = regexp.MustCompile(`(?i)\b((?:proxy-)?authorization"?[ \t]*[:=][ \t]*)(?:"[^"\r\n]*"?|\[[^\]\r\n]*\]?|[^\r\n]+)`)
	authSchemeRE = regexp.MustCompile(`(?i)^["\[]?(basic|bearer|digest|negotiate|ntlm)\b`)
	passwordKVRE = regexp.MustCompile(`(?i)\b(password\s*[=:]\s*)[^\s"',;]+`)
	// Cookie and Set-Cookie values are session tokens: the whole value goes, up to a closing
	// quote or the end of the line.
	cookieRE = regexp.MustCompile(`(?i)\b((?:set-)?cookie"?[ \t]*:[ \t]*)(?:"[^"\r\n]*"?|[^\r\n]+)`)
	// A token in a query string or a key=value pair (access_token=, api_key=, …).
	tokenKVRE = regexp.MustCompile(`(?i)\b((?:access_|refresh_|id_)?token|api[_-]?key|apikey|client_secret)(=)[^\s&"',;]+`)
	// curl's and hopscope's own credential flags: -U/--proxy-user and -u/--user USER:PASSWORD.
	userFlagRE = regexp.MustCompile(`(^|\s)(-[uU][ \t]*|--(?:proxy-)?user[ \t=]+)([^\s:]+):\S+`)
)

// Redact hides credentials in s: URL passwords, Authorization and Proxy-Authorization header
// values, Cookie and Set-Cookie values, password=… and token=… pairs and the USER:PASSWORD of -U/--proxy-user and -u/--user. It is safe to call on any text before it is shown or written.
func Redact(s string) string {
	if !mayHoldSecret(s) {
		return s
	}
	s = urlUserinfoRE.ReplaceAllString(s, "${1}${2}:[redacted]@")
	s = authHeaderRE.ReplaceAllStringFunc(s, redactAuthHeader)
	s = passwordKVRE.ReplaceAllString(s, "${1}[redacted]")
	s = cookieRE.ReplaceAllStringFunc(s, func(m string) string {
		loc := cookieRE.FindStringSubmatchIndex(m)
		if v := m[loc[3]:]; len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
			return m[:loc[3]] + `"[redacted]"`
		}
		return m[:loc[3]] + "[redacted]"
	})
	s = tokenKVRE.ReplaceAllString(s, "${1}${2}[redacted]")
	s = userFlagRE.ReplaceAllString(s, "${1}${2}${3}:[redacted]")
	return s
}

// redactAuthHeader replaces the value of one Authorization header matched by authHeaderRE, keeping
// the scheme (Basic, Digest, …) and a closing quote or bracket: which scheme was sent is evidence.
func redactAuthHeader(m string) string {
	loc := authHeaderRE.FindStringSubmatchIndex(m)
	name, value := m[:loc[3]], m[loc[3]:]
	out := name
	if sm := authSchemeRE.FindStringSubmatchIndex(value); sm != nil {
		out += value[:sm[1]] + " "
	} else if value != "" && (value[0] == '"' || value[0] == '[') {
		out += value[:1]
	}
	out += "[redacted]"
	if n := len(value); n > 1 && (value[0] == '"' && value[n-1] == '"' || value[0] == '[' && value[n-1] == ']') {
		out += value[n-1:]
	}
	return out
}

// mayHoldSecret is a cheap pre-check so that the common case (no secret) costs no regexp run.
func mayHoldSecret(s string) bool {
	return strings.IndexByte(s, '@') >= 0 || containsFold(s, "authorization") || containsFold(s, "password") ||
		containsFold(s, "-u") || containsFold(s, "cookie") || containsFold(s, "token") || containsFold(s, "key=") ||
		containsFold(s, "secret=")
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
