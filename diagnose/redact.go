package diagnose

import (
	"regexp"
	"strings"
)

// Secrets that may appear in text hopscope shows: credentials in URLs, the values of headers
// that carry credentials or sessions, bearer tokens, token and key query parameters, and
// "user:password" given on a command line.
var (
	urlUserinfoRE = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)([^/@\s:]+):([^/@\s]+)@`)
	// The same without a scheme, as logs print an upstream ("gw:secret@10.0.0.2:9000"): a word
	// that opens a field, a colon, then no blank up to an @ and a host.
	bareUserinfoRE = regexp.MustCompile(`(^|[\s"'(\[,=])([A-Za-z0-9._~%-]+):([^/@\s:"']+)@([A-Za-z0-9\[])`)
	// The whole header value goes, not its first word: a Digest value carries username=,
	// response= and more after the scheme, a Cookie header every cookie of the session. A value
	// opened by a quote or a bracket (JSON, Go's printed http.Header) ends at its closing one;
	// any other value runs to the end of the line.
	secretHeaderRE = regexp.MustCompile(`(?i)(?:^|[^a-z0-9-])((?:proxy-)?authorization|(?:set-)?cookie2?|x-api-key|api-key|x-auth-token|x-access-token|x-amz-security-token)"?[ \t]*[:=][ \t]*(?:"[^"\r\n]*"?|\[[^\]\r\n]*\]?|[^\r\n]+)`)
	authSchemeRE   = regexp.MustCompile(`(?i)^["\[]?(basic|bearer|digest|negotiate|ntlm)\b`)
	// A bearer token outside any header: "Bearer eyJ…" quoted in an error or a log line.
	bearerRE = regexp.MustCompile(`(?i)\b(bearer[ \t]+)[A-Za-z0-9\-._~+/]+=*`)
	// Token and key parameters in a query string or a form body (?access_token=…&…), and the
	// same names as JSON fields ("access_token": "…", as an OAuth token answer carries them).
	tokenParamRE = regexp.MustCompile(`(?i)((?:^|[?&;\s"'])(?:access_token|refresh_token|id_token|auth_token|token|api_key|apikey|api-key|client_secret|x-amz-signature|x-amz-security-token)=)[^&\s"'#;,]+`)
	// Names too common to hide everywhere ("exit code=2") are hidden in a query string only.
	queryParamRE = regexp.MustCompile(`(?i)([?&](?:code|key|sig|signature|secret|session_?id|jsessionid|phpsessid)=)[^&\s"'#;,]+`)
	tokenJSONRE  = regexp.MustCompile(`(?i)("(?:access_token|refresh_token|id_token|auth_token|token|api_key|apikey|client_secret|secret|password)"[ \t]*:[ \t]*")[^"]*`)
	passwordKVRE = regexp.MustCompile(`(?i)\b(password\s*[=:]\s*)[^\s"',;]+`)
	// curl's and hopscope's own credential flags: -U/--proxy-user and -u/--user USER:PASSWORD.
	userFlagRE = regexp.MustCompile(`(^|\s)(-[uU][ \t]*|--(?:proxy-)?user[ \t=]+)([^\s:]+):\S+`)
	// A peer's credentials in a proxy's configuration: squid's cache_peer … login=USER:PASSWORD.
	loginRE = regexp.MustCompile(`(?i)\b(login=)([^\s:]+):([^\s]+)`)
	// A line of a password file (htpasswd, /etc/shadow): USER:HASH, the hash in modular crypt
	// form ($apr1$…, $2y$…, $6$…), in {SCHEME} form ({SHA}…, {SSHA}…) or a traditional
	// 13-character crypt alone on its line. The user stays: who may log in is evidence.
	passwdLineRE = regexp.MustCompile(`(?m)^([ \t]*[A-Za-z0-9._@-]+:)(?:\$[0-9a-z]{1,6}\$[^\s:]+|\{[A-Z0-9-]{2,16}\}[^\s:]+|[./0-9A-Za-z]{13}[ \t\r]*$)`)
)

// Redact hides credentials in s: URL passwords; the values of Authorization,
// Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key and similar headers; bearer tokens;
// access_token=, api_key=, sig= and similar parameters (and their JSON fields); password=… pairs
// and the USER:PASSWORD of -U/--proxy-user and -u/--user, login=USER:PASSWORD, and the hash of
// a password file's USER:HASH line. It is safe to call on any text before
// it is shown or written.
func Redact(s string) string {
	if mayHoldPasswdLine(s) {
		s = passwdLineRE.ReplaceAllStringFunc(s, redactPasswdLine)
	}
	if !mayHoldSecret(s) {
		return s
	}
	s = urlUserinfoRE.ReplaceAllString(s, "${1}${2}:[redacted]@")
	s = bareUserinfoRE.ReplaceAllString(s, "${1}${2}:[redacted]@${4}")
	s = secretHeaderRE.ReplaceAllStringFunc(s, redactHeader)
	s = bearerRE.ReplaceAllStringFunc(s, redactBearer)
	s = tokenParamRE.ReplaceAllString(s, "${1}[redacted]")
	s = queryParamRE.ReplaceAllString(s, "${1}[redacted]")
	s = tokenJSONRE.ReplaceAllString(s, "${1}[redacted]")
	s = passwordKVRE.ReplaceAllString(s, "${1}[redacted]")
	s = userFlagRE.ReplaceAllString(s, "${1}${2}${3}:[redacted]")
	s = loginRE.ReplaceAllString(s, "${1}${2}:[redacted]")
	return s
}

// PasswordLine reports whether a line (of a password file) starts USER:HASH, the hash one Redact hides.
func PasswordLine(line string) bool {
	if !mayHoldPasswdLine(line) {
		return false
	}
	m := passwdLineRE.FindString(line)
	return m != "" && redactPasswdLine(m) != m
}

// redactPasswdLine hides the hash of one line matched by passwdLineRE. A traditional crypt is
// 13 characters from a 64-letter alphabet: a word of that length in one case only ("state:
// ESTABLISHED12") is not taken for one.
func redactPasswdLine(m string) string {
	i := strings.IndexByte(m, ':') + 1
	hash := m[i:]
	if c := hash[0]; c != '$' && c != '{' {
		lower, upper := false, false
		for j := 0; j < len(hash); j++ {
			lower = lower || 'a' <= hash[j] && hash[j] <= 'z'
			upper = upper || 'A' <= hash[j] && hash[j] <= 'Z'
		}
		if !lower || !upper {
			return m
		}
	}
	return m[:i] + "[redacted]"
}

// mayHoldPasswdLine is the cheap pre-check of passwdLineRE: some line starts with a user name
// (blanks before it allowed) followed by a colon and a hash's first byte.
func mayHoldPasswdLine(s string) bool {
	for start := 0; start < len(s); {
		i := start
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		j := i
		for j < len(s) && userByte(s[j]) {
			j++
		}
		if j > i && j+1 < len(s) && s[j] == ':' {
			if c := s[j+1]; c == '$' || c == '{' || c == '.' || c == '/' || userByte(c) {
				return true
			}
		}
		nl := strings.IndexByte(s[j:], '\n')
		if nl < 0 {
			return false
		}
		start = j + nl + 1
	}
	return false
}

// userByte reports whether c may be part of a password file's user name.
func userByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '@' || c == '-'
}

// redactHeader replaces the value of one header matched by secretHeaderRE, keeping what led up
// to the name, the scheme (Basic, Digest, …) and a closing quote or bracket: which scheme was
// sent is evidence.
func redactHeader(m string) string {
	loc := secretHeaderRE.FindStringSubmatchIndex(m)
	// The value starts after the name, an optional quote, blanks, the separator and blanks.
	i := loc[3]
	if i < len(m) && m[i] == '"' {
		i++
	}
	for i < len(m) && (m[i] == ' ' || m[i] == '\t') {
		i++
	}
	i++ // ':' or '='
	for i < len(m) && (m[i] == ' ' || m[i] == '\t') {
		i++
	}
	name, value := m[:i], m[i:]
	rest := value
	if rest != "" && (rest[0] == '"' || rest[0] == '[') {
		rest = rest[1:]
	}
	if sm := authSchemeRE.FindStringSubmatchIndex(value); sm != nil {
		rest = strings.TrimLeft(value[sm[1]:], " \t")
	}
	if strings.HasPrefix(value, "[redacted]") || strings.HasPrefix(rest, "[redacted]") {
		return m // redacted already: a second pass changes nothing
	}
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

// redactBearer keeps "Bearer " and hides the token, unless the header pass already did.
func redactBearer(m string) string {
	loc := bearerRE.FindStringSubmatchIndex(m)
	if strings.HasPrefix(m[loc[3]:], "[redacted]") {
		return m
	}
	return m[:loc[3]] + "[redacted]"
}

// secretWords are the words one of which every secret Redact hides is next to (lower case).
// Looked for in one pass so that the common case (no secret) costs no regexp run.
var secretWords = [...]string{"authorization", "password", "cookie", "bearer", "token", "key", "secret",
	"sig", "code=", "session", "-u", "@", "login="}

// secretStart marks the bytes (either case) a secret word starts with.
var secretStart = func() (t [256]bool) {
	for _, w := range secretWords {
		t[w[0]] = true
		if 'a' <= w[0] && w[0] <= 'z' {
			t[w[0]-'a'+'A'] = true
		}
	}
	return t
}()

// mayHoldSecret is a cheap pre-check: false means Redact would change nothing.
func mayHoldSecret(s string) bool {
	for i := 0; i < len(s); i++ {
		if !secretStart[s[i]] {
			continue
		}
		for _, w := range secretWords {
			if hasPrefixFold(s[i:], w) {
				return true
			}
		}
	}
	return false
}

// hasPrefixFold reports whether s starts with the lower-case ASCII word w, ignoring ASCII case.
func hasPrefixFold(s, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for j := 0; j < len(w); j++ {
		c := s[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[j] {
			return false
		}
	}
	return true
}
