package diagnose

import (
	"regexp"
	"strings"
)

// Secrets that may appear in text hopscope shows: credentials in URLs, the values of headers
// that carry credentials or sessions, bearer tokens, token and key query parameters, and
// "user:password" given on a command line.
//
// A quoted value ends at its closing quote and not at an escaped one (\" inside JSON), so the
// patterns below spell a double-quoted string with its escapes; a line cut short may lack the
// closing quote.
const (
	quotedRE = `"(?:[^"\\\r\n]|\\.)*"?`
	// The inside of a double-quoted string, without its quotes.
	inQuotesRE = `(?:[^"\\\s]|\\.)(?:[^"\\\r\n]|\\.)*`
	// Header names that carry a credential or a session: Authorization and Cookie with any
	// prefix (Proxy-, Set-), the API keys (X-Goog-Api-Key, Ocp-Apim-Subscription-Key), names
	// ending in a word that says secret (X-Amz-Security-Token, Private-Token, X-Csrf-Token), and
	// the X- headers named after a key, an auth or a session (X-Auth, X-Session).
	headerNameRE = `((?:[a-z0-9]+-)*(?:authorization|cookie2?|api-?key|apikey|subscription-key)|` +
		`(?:[a-z0-9]+-)+(?:token|secret|password|signature|credentials?|session-?id)|` +
		`x-(?:[a-z0-9]+-)*(?:key|auth|session))`
	// A header's value after the name: a quoted string (JSON), a single-quoted one (a Python
	// dict), a bracket (Go's printed http.Header) or, unquoted, the rest of the line: a Digest
	// value carries username=, response= and more after the scheme, a Cookie header every
	// cookie of the session. An unquoted value goes on over the lines that continue it (a line
	// break then a blank: the obs-fold of HTTP/1.1, as a long header is wrapped).
	headerValueRE = `(` + quotedRE + `|'[^'\r\n]*'?|\[[^\]\r\n]*\]?|[^ \t\r\n][^\r\n]*` + foldRE + `)`
	// The lines that continue a header's value, and the blanks after its colon, which may be
	// such a fold.
	foldRE   = `(?:\r?\n[ \t][^\r\n]*)*`
	afterSep = `(?:[ \t]|\r?\n[ \t])*`
)

var (
	// The user may be empty (https://:TOKEN@host). The password runs to the last @ before the path or a blank: curl takes an @ in it unescaped.
	urlUserinfoRE = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)([^/@\s:]*):([^/\s]+)@`)
	// The same without a scheme, as logs print an upstream ("gw:secret@10.0.0.2:9000"): a word
	// that opens a field, a colon, then no blank or quote up to the last @ before a host. The
	// password may hold colons and @ as well.
	bareUserinfoRE = regexp.MustCompile(`(^|[\s"'(\[,=])([A-Za-z0-9._~%-]+):([^/\s"']+)@([A-Za-z0-9\[])`)
	// A secret header in three settings, tried in this order at each position:
	//  1. a quoted key, maybe escaped: "Cookie": "…", \"Cookie\": …, 'Cookie': '…';
	//  2. a header quoted whole inside a field, as logfmt writes reason="Cookie: a=b": the value
	//     ends at the field's closing quote, and the fields after it stay;
	//  3. anywhere else, the name opening a word or a line, also one whose line ending is
	//     written escaped (a request head printed with %q: "…HTTP/1.1\r\nCookie: …"). Such a header may still sit inside a quoted
	//     field (msg="sent Cookie: …"); its unquoted value runs to the end of the line all the
	//     same, since a quote inside it (Digest's username="…") does not say where it ends:
	//     hiding too much beats guessing.
	secretHeaderRE = regexp.MustCompile(`(?i)` +
		`(?:\\?["'])` + headerNameRE + `\\?["'][ \t]*[:=][ \t]*` + headerValueRE +
		`|"` + headerNameRE + `[ \t]*[:=][ \t]*(` + inQuotesRE + `)` +
		`|'` + headerNameRE + `[ \t]*[:=][ \t]*([^'\s][^'\r\n]*)` +
		`|(?:^|[^a-z0-9"'-]|\\[rnt])` + headerNameRE + `[ \t]*[:=]` + afterSep + headerValueRE)
	authSchemeRE = regexp.MustCompile(`(?i)^(basic|bearer|digest|negotiate|ntlm)\b[ \t]*`)
	// A bearer token outside any header: "Bearer eyJ…" quoted in an error or a log line.
	bearerRE = regexp.MustCompile(`(?i)\b(bearer[ \t]+)[A-Za-z0-9\-._~+/]+=*`)
	// Token and key parameters in a query string, a form body or a logfmt line
	// (?access_token=…&…, session_id=…). A value runs to &, a blank, a quote, # or ;: a comma
	// is part of it.
	tokenParamRE = regexp.MustCompile(`(?i)((?:^|[?&;\s"'])(?:access_token|refresh_token|id_token|auth_token|token|api_key|apikey|api-key|client_secret|x-amz-signature|x-amz-security-token|session_?id|session_token)=)[^&\s"'#;]+`)
	// Names too common to hide everywhere ("exit code=2", "session=3" counting sessions) are
	// hidden in a URL only: after ? or &, or ; for a Java session id in the path.
	queryParamRE = regexp.MustCompile(`(?i)([?&;](?:code|key|sig|signature|secret|session(?:_?id)?|jsessionid|phpsessid)=)[^&\s"'#;]+`)
	tokenJSONRE  = regexp.MustCompile(`(?i)("(?:access_token|refresh_token|id_token|auth_token|token|api_key|apikey|client_secret|secret|password|passwd|session_?id)"[ \t]*:[ \t]*")(?:[^"\\\r\n]|\\.)*`)
	// password=…, passwd: … with the value bare (to a blank, &, ; or a quote), or quoted whole.
	passwordKVRE = regexp.MustCompile(`(?i)\b((?:password|passwd)[ \t]*[=:][ \t]*)(?:(")(?:[^"\\\r\n]|\\.)*("?)|(')[^'\r\n]*('?)|[^\s"'&;]+)`)
	// curl's and hopscope's own credential flags: -U/--proxy-user and -u/--user USER:PASSWORD,
	// quoted as a shell quotes it (then the password may hold blanks, up to the closing quote).
	userFlagRE = regexp.MustCompile(`(^|\s)(-[uU][ \t]*|--(?:proxy-)?user[ \t=]+)(?:(["'])([^\s:"']+):[^"'\r\n]*(["']?)|([^\s:]+):\S+)`)
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
// a password file's USER:HASH line. Each is replaced by [redacted]; what names it (the header,
// the parameter, the user, an auth scheme) stays. Redact is idempotent and safe to call on any
// text before it is shown or written. E-mail addresses (user@host, mailto:user@host) hold no
// password and are kept.
func Redact(s string) string {
	if mayHoldPasswdLine(s) {
		s = passwdLineRE.ReplaceAllStringFunc(s, redactPasswdLine)
	}
	seen := secretHints(s)
	if seen == 0 {
		return s
	}
	if seen&hintAt != 0 {
		s = replaceFunc(urlUserinfoRE, s, redactURLUserinfo)
		s = replaceFunc(bareUserinfoRE, s, redactBareUserinfo)
	}
	if seen&hintHeader != 0 {
		s = replaceFunc(secretHeaderRE, s, redactHeader)
	}
	if seen&hintBearer != 0 {
		s = replaceFunc(bearerRE, s, redactBearer)
	}
	if seen&hintParam != 0 {
		s = replace(tokenParamRE, s, "${1}[redacted]")
	}
	if seen&hintQuery != 0 {
		s = replace(queryParamRE, s, "${1}[redacted]")
	}
	if seen&hintJSON != 0 {
		s = replace(tokenJSONRE, s, "${1}[redacted]")
	}
	if seen&hintPassword != 0 {
		s = replace(passwordKVRE, s, "${1}${2}${4}[redacted]${3}${5}")
	}
	if seen&hintUserFlag != 0 {
		s = replace(userFlagRE, s, "${1}${2}${3}${4}${6}:[redacted]${5}")
	}
	if seen&hintLogin != 0 {
		s = replace(loginRE, s, "${1}${2}:[redacted]")
	}
	return s
}

// replace is re.ReplaceAllString that costs no copy of s when re does not match, the common case.
func replace(re *regexp.Regexp, s, repl string) string {
	if !re.MatchString(s) {
		return s
	}
	return re.ReplaceAllString(s, repl)
}

// replaceFunc replaces each match of re in s by what fn makes of it; fn gets s and the match's
// submatch indices.
func replaceFunc(re *regexp.Regexp, s string, fn func(s string, loc []int) string) string {
	if !re.MatchString(s) {
		return s
	}
	var b strings.Builder
	last := 0
	for _, loc := range re.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(s[last:loc[0]])
		b.WriteString(fn(s, loc))
		last = loc[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// redactURLUserinfo hides the password of one urlUserinfoRE match. Where the password taken
// holds a quote with an @ before it, the URL most likely ended at that quote ("http://u:p@host",
// then more quoted text with an @ in it): the password ends at that @, and the rest is kept
// as it was (it holds no "://", so no URL of its own; the passes after this one see it).
func redactURLUserinfo(s string, loc []int) string {
	pw := s[loc[6]:loc[7]]
	if q := strings.IndexByte(pw, '"'); q >= 0 {
		if at := strings.LastIndexByte(pw[:q], '@'); at >= 0 {
			return s[loc[0]:loc[6]] + "[redacted]" + s[loc[6]+at:loc[1]]
		}
	}
	return s[loc[0]:loc[6]] + "[redacted]@"
}

// redactBareUserinfo hides the password of one bareUserinfoRE match, except in a mailto: link,
// where what follows the colon is an e-mail address.
func redactBareUserinfo(s string, loc []int) string {
	m := s[loc[0]:loc[1]]
	if strings.EqualFold(s[loc[4]:loc[5]], "mailto") {
		return m
	}
	return s[loc[0]:loc[5]] + ":[redacted]@" + s[loc[8]:loc[9]]
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
// to it, the scheme (Basic, Digest, …) and the quotes or bracket around it: which scheme was
// sent is evidence.
func redactHeader(s string, loc []int) string {
	// The value is the last group that took part: each setting has its name and value groups.
	vs, ve := -1, -1
	for g := len(loc)/2 - 1; g > 0; g-- {
		if loc[2*g] >= 0 {
			vs, ve = loc[2*g], loc[2*g+1]
			break
		}
	}
	value := s[vs:ve]
	if cut := valueEnd(value); cut < len(value) {
		// The value ends before the next header: what follows is redacted on its own.
		return redactHeader(s[:vs+cut], cutLoc(loc, vs+cut)) + replaceFunc(secretHeaderRE, s[vs+cut:loc[1]], redactHeader)
	}
	open, inner, closing := "", value, ""
	if c := value[0]; c == '"' || c == '\'' || c == '[' {
		open, inner = value[:1], value[1:]
		end := byte(c)
		if c == '[' {
			end = ']'
		}
		if n := len(inner); n > 0 && inner[n-1] == end && (c != '"' || !escaped(inner, n-1)) {
			inner, closing = inner[:n-1], inner[n-1:]
		}
	}
	scheme, rest := "", value[len(open):]
	if sm := authSchemeRE.FindStringIndex(inner); sm != nil {
		scheme = strings.TrimRight(inner[:sm[1]], " \t") + " "
		rest = rest[sm[1]:]
	}
	if strings.HasPrefix(value, "[redacted]") || strings.HasPrefix(rest, "[redacted]") {
		return s[loc[0]:loc[1]] // redacted already: a second pass changes nothing
	}
	return s[loc[0]:vs] + open + scheme + "[redacted]" + closing + s[ve:loc[1]]
}

// valueEnd is where an unquoted header value taken to the end of its folded lines really ends:
// at a line ending written escaped (\r\n or \n, in a head printed with %q), or before a continued
// line that is empty or reads as a header of its own ("  Host: x" in an indented dump), which
// is not a fold. len(value) when it runs to its end.
func valueEnd(value string) int {
	if c := value[0]; c == '"' || c == '\'' || c == '[' {
		return len(value)
	}
	end := len(value)
	if i := strings.Index(value, `\n`); i >= 0 {
		end = i
		if i > 0 && strings.HasSuffix(value[:i], `\r`) {
			end = i - 2
		}
	}
	for i := 0; i < end; i++ {
		if value[i] != '\n' {
			continue
		}
		nl := i
		if nl > 0 && value[nl-1] == '\r' {
			nl--
		}
		if headerLike(value[i+1:]) {
			return nl
		}
	}
	return end
}

// headerLike reports whether a line (blanks first) is empty or starts NAME: as a header does.
func headerLike(line string) bool {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	j := i
	for j < len(line) && nameByte(line[j]) {
		j++
	}
	return i == len(line) || line[i] == '\r' || line[i] == '\n' || j > i && j < len(line) && line[j] == ':'
}

// cutLoc is loc of a header match with its value, the last group that took part, ending at end.
func cutLoc(loc []int, end int) []int {
	c := append([]int(nil), loc...)
	for g := len(c)/2 - 1; g > 0; g-- {
		if c[2*g] >= 0 {
			c[2*g+1] = end
			break
		}
	}
	c[1] = end
	return c
}

// escaped reports whether the byte at i of a quoted string's inside is escaped by an odd run of
// backslashes before it.
func escaped(inner string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && inner[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// redactBearer keeps "Bearer " and hides the token, unless the header pass already did.
func redactBearer(s string, loc []int) string {
	if strings.HasPrefix(s[loc[3]:], "[redacted]") {
		return s[loc[0]:loc[1]]
	}
	return s[loc[0]:loc[3]] + "[redacted]"
}

// Hints say which patterns may match: each is run only when a word it needs is in the text.
const (
	hintAt = 1 << iota
	hintHeader
	hintBearer
	hintParam
	hintQuery
	hintJSON
	hintPassword
	hintUserFlag
	hintLogin
)

// secretWords are the words (lower case) one of which every secret Redact hides is next to,
// with the patterns each may open; an @ after a colon opens the userinfo ones. Looked for in one pass so that the common case (no secret)
// costs no regexp run, and a line with one word runs only the patterns that need it.
//
// A name word (auth, key, …) counts only where it ends a name followed by the separator the
// patterns need, ':' or '=' (after a closing quote for a JSON key): "session key rotated" runs
// no pattern, "session_id=" and "X-Api-Key:" do.
var secretWords = [...]struct {
	word  string
	name  bool
	hints int
}{
	{"auth", true, hintHeader | hintParam},
	{"cookie", true, hintHeader},
	{"credential", true, hintHeader},
	{"key", true, hintHeader | hintParam | hintQuery | hintJSON},
	{"token", true, hintHeader | hintParam | hintJSON},
	{"secret", true, hintHeader | hintParam | hintQuery | hintJSON},
	{"sig", true, hintHeader | hintParam | hintQuery},
	{"sess", true, hintHeader | hintParam | hintQuery | hintJSON},
	{"passw", true, hintHeader | hintPassword | hintJSON},
	{"code=", false, hintQuery},
	{"bearer", false, hintBearer},
	{"-u", false, hintUserFlag},
	{"login=", false, hintLogin},
}

// wordsByFirst lists, for each byte (either case), the secret words that start with it.
var wordsByFirst = func() (t [256][]uint8) {
	for i, w := range secretWords {
		c := w.word[0]
		t[c] = append(t[c], uint8(i))
		if 'a' <= c && c <= 'z' {
			t[c-'a'+'A'] = append(t[c-'a'+'A'], uint8(i))
		}
	}
	return t
}()

// secretHints is the cheap pre-check: the hints of the secret words in s, 0 when Redact would
// change nothing.
func secretHints(s string) int {
	hints := 0
	colon, blank := -1, -1 // where the last ':' and the last blank are
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':':
			colon = i
		case ' ', '\t', '\n', '\r', '\f':
			blank = i
		case '@':
			// A password before an @ follows a colon in the same word: an e-mail address
			// ("user=ops@example.com") runs no userinfo pattern.
			if colon > blank {
				hints |= hintAt
			}
			continue
		}
		for _, w := range wordsByFirst[s[i]] {
			sw := &secretWords[w]
			if hasPrefixFold(s[i:], sw.word) && (!sw.name || endsName(s[i+len(sw.word):])) {
				hints |= sw.hints
			}
		}
	}
	return hints
}

// endsName reports whether s, what follows a name word, runs to the end of the name (letters,
// digits, '-', '_') and then, after an optional escaped or plain quote and blanks, to ':' or '='.
func endsName(s string) bool {
	i := 0
	for i < len(s) && (nameByte(s[i]) || s[i] == '_') {
		i++
	}
	if i < len(s) && s[i] == '\\' {
		i++
	}
	if i < len(s) && (s[i] == '"' || s[i] == '\'') {
		i++
	}
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i < len(s) && (s[i] == ':' || s[i] == '=')
}

// nameByte reports whether c may be part of a header or parameter name.
func nameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-'
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
