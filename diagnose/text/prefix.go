package text

import "strings"

// stripPrefix returns a line without the prefix another program's log put before the text it
// carries: timestamps, a level, bracketed fields, a "name:" or "kid1|" tag. Patterns anchored at
// the start of a line (a status line from curl -v) then match inside such a log too. It returns a
// substring of s and allocates nothing.
func stripPrefix(s string) string {
	for range 8 {
		s = strings.TrimLeft(s, " \t")
		tok, rest, _ := strings.Cut(s, " ")
		switch {
		case tok == "" || tok == "<" || tok == ">" || tok == "*":
			return s
		case tok[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 || end > 64 {
				return s
			}
			s = s[end+1:]
			continue
		case isStamp(tok), isLevel(tok), isMonth(tok):
		case len(tok) <= 40 && (strings.HasSuffix(tok, ":") || strings.HasSuffix(tok, "|")) && !strings.HasPrefix(tok, "HTTP/"):
		default:
			return s
		}
		s = rest
	}
	return s
}

// isStamp reports whether a token is made of a date's or time's characters only (2026-11-21,
// 10:00:01.123Z, 2026/11/21, +0000) and holds a digit.
func isStamp(tok string) bool {
	digit := false
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case strings.IndexByte("-:./TZ+,", c) >= 0:
		default:
			return false
		}
	}
	return digit
}

// levels are the severity words logs put before a message, in any case.
var levels = [...]string{"TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING", "ERR", "ERROR", "SEVERE", "CRIT", "CRITICAL", "FATAL", "ALERT", "EMERG"}

func isLevel(tok string) bool {
	tok = strings.TrimRight(tok, ":")
	for _, l := range levels {
		if strings.EqualFold(tok, l) {
			return true
		}
	}
	return false
}

func isMonth(tok string) bool {
	switch tok {
	case "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec":
		return true
	}
	return false
}
