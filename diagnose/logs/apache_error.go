package logs

import (
	"bytes"
	"encoding/binary"
	"strings"
	"time"
)

// apacheError reads Apache httpd error logs:
//
//	2.2: [Mon Nov 21 10:00:00 2026] [error] [client 10.1.1.1] (111)Connection refused: proxy: HTTP: attempt to connect to 10.0.0.5:8080 (backend) failed
//	2.4: [Sat Nov 21 09:20:02.894876 2026] [proxy:error] [pid 10586:tid 10621] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:18099 (127.0.0.1:18099) failed
type apacheError struct {
	stamps  stampCache
	second  microCache
	reasons reasonCache
	// backend holds a backend address put in brackets (see bracketed), reused line after line
	// when no arena is set.
	backend []byte
	// arena, when set, is where the addresses put in brackets go instead, one after the other:
	// the records of a whole block are kept until the block has been read, so each line needs
	// room of its own (see block.parse).
	arena *[]byte
}

// useArena sets where the parser writes the bytes it makes for the lines to come; nil reuses
// one buffer line after line.
func (p *apacheError) useArena(a *[]byte) { p.arena = a }

func (p *apacheError) clean(r *Record) {
	r.Time, r.Event, r.Companion, r.Client, r.Backend = time.Time{}, EventNone, false, nil, nil
}

func (p *apacheError) parse(line []byte, r *Record) bool {
	if len(line) < 26 || line[0] != '[' {
		return false
	}
	end := bytes.IndexByte(line, ']')
	if end < 0 {
		return false
	}
	t, ok := p.time(line[1:end])
	if !ok {
		return false
	}
	rest := line[end+1:]
	if len(rest) < 3 || rest[0] != ' ' || rest[1] != '[' {
		return false
	}
	if bytes.IndexByte(rest, ']') < 0 {
		return false
	}
	r.Time = t
	code, at := ahCode(rest)
	// 2.4 puts "[client …]" before the AH code; searching only there saves a pass over the rest.
	head := rest
	if code != 0 {
		head = rest[:at]
	}
	if c, ok := after(head, "[client "); ok {
		c = upTo(c, "]")
		if code != 0 {
			c = clientHost(c)
		}
		r.Client = stripPort(c)
	}
	if classifyApache(rest, code, at, r, &p.reasons) {
		buf := p.arena
		if buf == nil {
			p.backend, buf = p.backend[:0], &p.backend
		}
		r.Backend = bracketed(r.Backend, buf)
	}
	return true
}

// clientHost cuts the port off Apache 2.4's "[client ADDR:PORT]", which writes an IPv6 address
// without brackets ("::1:58236"), so that the peer compares with an access log's "::1". 2.2
// writes no port, and "::1" alone must stay whole, so this is for 2.4 lines only.
func clientHost(c []byte) []byte {
	i := bytes.LastIndexByte(c, ':')
	if i <= 0 || bytes.IndexByte(c[:i], ':') < 0 || c[0] == '[' {
		return c // IPv4 (stripPort cuts its port), bracketed, or no port
	}
	for _, d := range c[i+1:] {
		if d < '0' || d > '9' {
			return c
		}
	}
	return c[:i]
}

// bracketed writes a HOST:PORT whose host is an IPv6 address as other lines write it: Apache
// logs a refused connect to "[::1]:9000" but a bad status line from "::1:9000", and the two must
// be one backend, readable as an address. Anything else is returned as it is. The address is
// added at the end of buf, which the caller empties when the lines before are done with: a line
// costs no allocation once it has grown.
func bracketed(b []byte, buf *[]byte) []byte {
	if len(b) == 0 || b[0] == '[' || bytes.Count(b, colon) < 2 {
		return b
	}
	i := bytes.LastIndexByte(b, ':')
	start := len(*buf)
	*buf = append(append(append(append(*buf, '['), b[:i]...), ']'), b[i:]...)
	return (*buf)[start:len(*buf):len(*buf)]
}

var colon = []byte{':'}

// time parses a stamp. 2.4 writes microseconds, so whole stamps rarely repeat; the cache holds
// the part up to the second ("Sat Nov 21 09:20:02") and only the fraction is read per line.
func (p *apacheError) time(stamp []byte) (time.Time, bool) {
	if t, ok := p.second.micro(stamp); ok {
		return t, true
	}
	if len(stamp) < 24 || stamp[19] != '.' {
		t, ok, hit := p.stamps.get(stamp)
		if !hit {
			t, ok = parseApacheErrorTime(stamp)
			p.stamps.put(stamp, t, ok)
		}
		return t, ok
	}
	ns, n := fraction(stamp, 19)
	rest := stamp[19+n:] // " 2026"
	if len(rest) != 5 {
		return parseApacheErrorTime(stamp)
	}
	// The cache key is the stamp without its fraction: "Sat Nov 21 09:20:02 2026".
	var key [24]byte
	copy(key[:19], stamp[:19])
	copy(key[19:], rest)
	t, ok, hit := p.stamps.get(key[:])
	if !hit {
		t, ok = parseApacheErrorTime(key[:])
		p.stamps.put(key[:], t, ok)
		if ok {
			p.second.put(key[:], t)
		}
	}
	return t.Add(time.Duration(ns)), ok
}

// microCache reads Apache 2.4's usual stamp, "Sat Nov 21 09:20:02.894876 2026", when its second
// is the one seen last (lines come in order, and a busy log writes many a second): three word
// compares instead of a search and a byte compare, six digits read without a loop.
type microCache struct {
	head0, head1, head2 uint64 // bytes 0-7, 8-15 and 11-18 of the stamp: up to the second
	year                uint64 // bytes 23-30: the last microsecond digits, ' ' and the year
	unix                int64  // the second, in seconds since 1970
	ok                  bool
}

// put remembers the second of key, a stamp without its fraction ("Sat Nov 21 09:20:02 2026").
func (c *microCache) put(key []byte, t time.Time) {
	if len(key) != 24 {
		c.ok = false
		return
	}
	c.head0 = binary.LittleEndian.Uint64(key[0:])
	c.head1 = binary.LittleEndian.Uint64(key[8:])
	c.head2 = binary.LittleEndian.Uint64(key[11:])
	// The year compare covers three microsecond digits too: they are masked out.
	var tail [8]byte
	copy(tail[3:], key[19:24])
	c.year = binary.LittleEndian.Uint64(tail[:])
	c.unix, c.ok = t.Unix(), t.Nanosecond() == 0 && t.Location() == time.UTC
}

// micro returns the time of a 31-byte stamp with six fraction digits in the cached second.
func (c *microCache) micro(s []byte) (time.Time, bool) {
	if !c.ok || len(s) != 31 || s[19] != '.' ||
		binary.LittleEndian.Uint64(s[0:]) != c.head0 || binary.LittleEndian.Uint64(s[8:]) != c.head1 ||
		binary.LittleEndian.Uint64(s[11:]) != c.head2 || binary.LittleEndian.Uint64(s[23:])&^0xffffff != c.year {
		return time.Time{}, false
	}
	var us int
	for _, d := range s[20:26] {
		if d < '0' || d > '9' {
			return time.Time{}, false
		}
		us = us*10 + int(d-'0')
	}
	// The same Time as the second's plus the fraction (time.Date's, in UTC), made without Add.
	return time.Unix(c.unix, int64(us)*1000).UTC(), true
}

// classifyApache sets the event and backend of an Apache error message. The AH codes of 2.4 are
// tried first; the 2.2 wording (which 2.4 keeps after the code) is the fallback. It reports
// whether the backend is a HOST:PORT that Apache writes without brackets for IPv6.
func classifyApache(m []byte, code, at int, r *Record, rc *reasonCache) (bareHostPort bool) {
	// The errno prefix comes before the code, the targets after it.
	pre, post := m, m
	if code != 0 {
		pre, post = m[:at], m[at:]
	}
	switch code {
	case 957: // attempt to connect to … failed
		r.Event = rc.connect(errnoText(pre))
		r.Backend = connectTarget(post)
		return false
	case 1114: // failed to make connection to backend
		r.Event, r.Companion = rc.connect(errnoText(pre)), true
		if b, ok := after(post, "connection to backend: "); ok {
			r.Backend = upTo(b, " ")
		}
		return false
	case 959: // disabling worker for (host) for Ns
		r.Event, r.Companion = EventWorkerDisabled, true
		r.Backend = parenthesised(post, "worker for (")
		return false
	case 940: // disabled connection for (host)
		r.Event = EventWorkerDisabled
		r.Backend = parenthesised(post, "disabled connection for (")
		return false
	case 1084, 1095: // pass (prefetch) request body failed to host:port
		r.Event = bodyEvent(errnoText(pre))
		r.Backend = bodyTarget(post)
		return false
	case 1097:
		r.Event, r.Companion = bodyEvent(errnoText(pre)), true
		r.Backend = bodyTarget(post)
		return false
	case 1102: // error reading status line from remote server host:port
		r.Event = statusEvent(errnoText(pre))
		if b, ok := after(post, "from remote server "); ok {
			r.Backend = upTo(b, " ,")
		}
		return true
	case 898: // Error reading from remote server returned by /path
		r.Event, r.Companion = EventStatusLine, true
		return false
	case 2003, 2005: // SSL Proxy connect failed, handshake failed
		r.Event = EventTLSFailed
		return false
	}
	switch {
	case has(m, "attempt to connect to"):
		r.Event = connectEvent(errnoText(m))
		r.Backend = connectTarget(m)
	case has(m, "pass request body failed"):
		r.Event = bodyEvent(errnoText(m))
		r.Backend = bodyTarget(m)
	case has(m, "error reading status line from remote server"):
		r.Event = statusEvent(errnoText(m))
		if b, ok := after(m, "from remote server "); ok {
			r.Backend = upTo(b, " ,")
		}
		bareHostPort = true
	case has(m, "disabled connection for ("):
		r.Event = EventWorkerDisabled
		r.Backend = parenthesised(m, "disabled connection for (")
	case has(m, "(70007)The timeout specified has expired") && has(m, "proxy"):
		r.Event = EventReadTimeout
	}
	return bareHostPort
}

// ahCode finds an Apache 2.4 message code "AH01102:" and returns its number and where it
// starts (0, 0 if none).
func ahCode(m []byte) (code, at int) {
	off := 0
	for {
		i := strings.Index(view(m[off:]), "AH")
		if i < 0 || off+i+8 > len(m) {
			return 0, 0
		}
		if n, ok := digits(m, off+i+2, 5); ok && m[off+i+7] == ':' {
			return n, off + i
		}
		off += i + 2
	}
}

// reasonCache remembers the event of the last reason a failed connect gave: in a run of failures
// the reason repeats ("Connection refused"), and one compare is cheaper than the searches.
type reasonCache struct {
	text [40]byte
	n    int
	ev   Event
}

// connect is connectEvent(reason), from the cache when reason is the one seen last.
func (c *reasonCache) connect(reason []byte) Event {
	if c.n > 0 && string(reason) == string(c.text[:c.n]) {
		return c.ev
	}
	ev := connectEvent(reason)
	if len(reason) <= len(c.text) {
		c.n = copy(c.text[:], reason)
		c.ev = ev
	}
	return ev
}

// errnoText returns the reason of an "(111)Connection refused:" prefix, or nil.
func errnoText(m []byte) []byte {
	for {
		i := bytes.IndexByte(m, '(')
		if i < 0 {
			return nil
		}
		j := i + 1
		for j < len(m) && m[j] >= '0' && m[j] <= '9' {
			j++
		}
		if j > i+1 && j < len(m) && m[j] == ')' {
			return upTo(m[j+1:], ":")
		}
		m = m[i+1:]
	}
}

// connectEvent names a failed connect by its reason. The reason text is used, not the number:
// errno values differ between systems (the playbook's Solaris log says "(146)Connection refused").
func connectEvent(reason []byte) Event {
	switch {
	case has(reason, "refused"):
		return EventConnectRefused
	case has(reason, "timed out"), has(reason, "timeout"):
		return EventConnectTimeout
	case has(reason, "No route"), has(reason, "unreachable"):
		return EventConnectUnreachable
	case has(reason, "temporarily unavailable"):
		// EAGAIN: the listener's backlog is full (a Unix socket answers so at once).
		return EventConnectBusy
	}
	return EventConnectFailed
}

func bodyEvent(reason []byte) Event {
	switch {
	case has(reason, "reset"), has(reason, "Broken pipe"), has(reason, "End of file"):
		return EventPassBodyReset
	case has(reason, "timed out"), has(reason, "timeout"):
		return EventPassBodyTimeout
	}
	return EventPassBodyFailed
}

func statusEvent(reason []byte) Event {
	if has(reason, "timed out") || has(reason, "timeout") {
		return EventReadTimeout
	}
	return EventStatusLine
}

func connectTarget(m []byte) []byte {
	// 2.4 writes "AH00957: SCHEME: attempt to connect to …": looked for there first, where it is
	// the first occurrence (nothing before it in that shape can start one), else anywhere.
	const key = "attempt to connect to "
	if len(m) > 9 && string(m[:9]) == "AH00957: " {
		if i := bytes.IndexByte(m[9:], ' '); i > 0 && m[9+i-1] == ':' && bytes.HasPrefix(m[9+i+1:], []byte(key)) {
			return upTo(m[9+i+1+len(key):], " ")
		}
	}
	b, ok := after(m, key)
	if !ok {
		return nil
	}
	return upTo(b, " ")
}

func bodyTarget(m []byte) []byte {
	b, ok := after(m, "request body failed to ")
	if !ok {
		return nil
	}
	return upTo(b, " ")
}

func parenthesised(m []byte, key string) []byte {
	b, ok := after(m, key)
	if !ok {
		return nil
	}
	return upTo(b, ")")
}
