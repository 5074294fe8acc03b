package logs

import (
	"bytes"
	"strings"
	"unsafe"
)

// Small byte-scanning helpers shared by the format parsers. They never allocate.

// view returns b as a string without copying it. The string must not outlive b's contents (the
// reader's buffer): the helpers below only search it. Converting []byte(key) for every search
// instead cost a copy per call, 8% of the time per line.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// after returns what follows the first occurrence of key in b, and whether key was found.
func after(b []byte, key string) ([]byte, bool) {
	i := strings.Index(view(b), key)
	if i < 0 {
		return nil, false
	}
	return b[i+len(key):], true
}

// has reports whether b contains s.
func has(b []byte, s string) bool { return strings.Contains(view(b), s) }

// upTo returns b up to the first of any byte in stops (all of b if none occurs).
func upTo(b []byte, stops string) []byte {
	if len(stops) == 1 {
		if i := bytes.IndexByte(b, stops[0]); i >= 0 {
			return b[:i]
		}
		return b
	}
	if i := bytes.IndexAny(b, stops); i >= 0 {
		return b[:i]
	}
	return b
}

// field cuts the next space-separated field from b, skipping leading spaces.
func field(b []byte) (f, rest []byte) {
	i := 0
	for i < len(b) && b[i] == ' ' {
		i++
	}
	b = b[i:]
	// Fields are short (an address, a status, a size): a plain loop beats IndexByte's call.
	for j, c := range b {
		if c == ' ' {
			return b[:j], b[j+1:]
		}
	}
	return b, nil
}

// quoted cuts a double-quoted field (with backslash escapes) from the start of b, skipping leading
// spaces. ok is false when b does not start with a quote.
func quoted(b []byte) (q, rest []byte, ok bool) {
	i := 0
	for i < len(b) && b[i] == ' ' {
		i++
	}
	if i >= len(b) || b[i] != '"' {
		return nil, b, false
	}
	b = b[i+1:]
	for j := 0; j < len(b); {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			break
		}
		j += k
		if !escaped(b, j) {
			return b[:j], b[j+1:], true
		}
		j++
	}
	return b, nil, true
}

// escaped reports whether b[j] is preceded by an odd number of backslashes.
func escaped(b []byte, j int) bool {
	n := 0
	for j > 0 && b[j-1] == '\\' {
		n++
		j--
	}
	return n%2 == 1
}

// atoi reads a non-negative decimal number filling all of b; -1 when b is not one.
func atoi(b []byte) int64 {
	if len(b) == 0 || len(b) > 18 {
		return -1
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int64(c-'0')
	}
	return v
}

// splitRequest splits a request line "GET /path?q HTTP/1.1" into method and path without query.
func splitRequest(req []byte) (method, path []byte) {
	method, rest := field(req)
	i := 0
	for i < len(rest) && rest[i] == ' ' {
		i++
	}
	rest = rest[i:]
	// The path runs to the first space, and its query from the first '?' in it: one pass
	// to whichever comes first.
	for j, c := range rest {
		if c == ' ' || c == '?' {
			return method, rest[:j]
		}
	}
	return method, rest
}

// stripPort removes a ":port" from an IPv4 address or name, or the brackets and port of "[v6]:port".
func stripPort(b []byte) []byte {
	if len(b) > 0 && b[0] == '[' {
		if i := bytes.IndexByte(b, ']'); i > 0 {
			return b[1:i]
		}
		return b
	}
	if i := bytes.LastIndexByte(b, ':'); i >= 0 && bytes.IndexByte(b[:i], ':') < 0 {
		return b[:i]
	}
	return b
}

// hostOfURL returns the host:port of "http://host:port/path" (b unchanged when it has no scheme).
func hostOfURL(b []byte) []byte {
	if i := bytes.Index(b, []byte("://")); i >= 0 {
		b = b[i+3:]
	}
	// nginx writes a Unix socket upstream as "fastcgi://unix:/run/php/php-fpm.sock:": the
	// socket's path is its name.
	if bytes.HasPrefix(b, []byte("unix:")) {
		return bytes.TrimSuffix(upTo(b, " "), []byte(":"))
	}
	return upTo(b, "/ ")
}
