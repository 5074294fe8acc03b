package capture

import (
	"bytes"
	"strconv"
)

// maxValue bounds the header values kept (Host, a CONNECT target, X-Squid-Error, Proxy-Status).
const maxValue = 256

// Request is an HTTP/1.x request line and the headers that matter to the playbooks.
type Request struct {
	Method, Target, Host string
	// BodyLen is the declared body length: Content-Length, -1 for chunked, 0 for none.
	BodyLen int64
	// ExpectContinue is set when the client waits for "100 Continue" before the body.
	ExpectContinue bool
}

// Response is an HTTP/1.x status line and the headers a proxy explains itself with.
type Response struct {
	Status int
	// SquidError is squid's X-Squid-Error ("ERR_ACCESS_DENIED 0"), ProxyStatus the RFC 9209
	// Proxy-Status header.
	SquidError, ProxyStatus string
	// ProxyAuth is set when the proxy asks for credentials (Proxy-Authenticate).
	ProxyAuth bool
	// Body holds the first bytes of the body that came in the same segment, for proxies that only
	// explain themselves there (tinyproxy, Privoxy).
	Body string
}

var methods = [...]string{"GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"}

// requestMethod returns the method b starts with (followed by a space), or "".
func requestMethod(b []byte) string {
	for _, m := range methods {
		if len(b) > len(m) && b[len(m)] == ' ' && string(b[:len(m)]) == m {
			return m
		}
	}
	return ""
}

// isResponse reports whether b starts with an HTTP/1.x status line.
func isResponse(b []byte) bool {
	return len(b) >= 12 && string(b[:7]) == "HTTP/1." && b[8] == ' '
}

// headerEnd returns the length of the head (request or status line and headers, with the blank
// line), or -1 when the head goes past b.
func headerEnd(b []byte) int {
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		return i + 4
	}
	return -1
}

// eachHeader calls fn for each header line of a head (after the first line), until the blank line
// or the end of b.
func eachHeader(b []byte, fn func(name, value []byte)) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return
	}
	b = b[i+1:]
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			return
		}
		c := bytes.IndexByte(line, ':')
		if c <= 0 {
			continue
		}
		fn(line[:c], bytes.TrimSpace(line[c+1:]))
	}
}

func clip(b []byte) string { return string(b[:min(len(b), maxValue)]) }

// maxInterned bounds the strings an interner keeps: the hosts, server names and proxy errors of
// a capture are few; past the bound (random names) the rest are allocated as they come.
const maxInterned = 1024

// interner hands out one string for equal bytes, so that the values thousands of connections
// repeat (Host, SNI, X-Squid-Error) are allocated once. Each flow table has its own. A nil
// interner allocates every string.
type interner struct {
	m map[string]string
}

// str returns b as a string, the same one as for equal bytes before.
func (in *interner) str(b []byte) string {
	if in == nil {
		return string(b)
	}
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if in.m == nil {
		in.m = make(map[string]string)
	}
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}

// clip cuts b to maxValue bytes, as clip does, and interns it.
func (in *interner) clip(b []byte) string { return in.str(b[:min(len(b), maxValue)]) }

// parseRequest reads a request head from the bytes of its first segment; the Host comes from in.
func parseRequest(b []byte, in *interner) Request {
	var r Request
	line := b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line = b[:i]
	}
	line = bytes.TrimRight(line, "\r")
	r.Method = requestMethod(b)
	if i := bytes.IndexByte(line, ' '); i >= 0 {
		// The target runs to the next space (before the version), or to the end of the line.
		target := line[i+1:]
		if j := bytes.IndexByte(target, ' '); j >= 0 {
			target = target[:j]
		}
		r.Target = clip(target)
	}
	eachHeader(b, func(name, value []byte) {
		switch {
		case bytes.EqualFold(name, []byte("Host")):
			r.Host = in.clip(value)
		case bytes.EqualFold(name, []byte("Content-Length")):
			if n, err := strconv.ParseInt(string(value), 10, 64); err == nil && n >= 0 {
				r.BodyLen = n
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			if bytes.Contains(bytes.ToLower(value), []byte("chunked")) {
				r.BodyLen = -1
			}
		case bytes.EqualFold(name, []byte("Expect")):
			r.ExpectContinue = bytes.EqualFold(value, []byte("100-continue"))
		}
	})
	return r
}

// parseResponse reads a status line and headers from the bytes of a response's first segment; the
// proxy's error headers come from in.
func parseResponse(b []byte, in *interner) Response {
	var r Response
	r.Status, _ = strconv.Atoi(string(b[9:12]))
	eachHeader(b, func(name, value []byte) {
		switch {
		case bytes.EqualFold(name, []byte("X-Squid-Error")):
			r.SquidError = in.clip(value)
		case bytes.EqualFold(name, []byte("Proxy-Status")):
			r.ProxyStatus = in.clip(value)
		case bytes.EqualFold(name, []byte("Proxy-Authenticate")):
			r.ProxyAuth = true
		}
	})
	if e := headerEnd(b); e >= 0 && e < len(b) {
		r.Body = string(b[e:min(len(b), e+512)])
	}
	return r
}
