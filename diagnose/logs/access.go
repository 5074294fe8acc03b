package logs

import (
	"bytes"
	"time"
)

// access reads the common and combined access log formats that Apache and nginx share, with an
// optional virtual host in front (Apache's vhost_combined) and optional fields after (a gateway
// router's fault code, fault source and message id, as bare, quoted or key=value fields):
//
//	127.0.0.1 - - [21/Nov/2026:09:20:02 +0000] "GET /down/x HTTP/1.1" 503 339 "-" "curl/7.88.1"
//	10.0.0.9 - - [21/Nov/2026:10:00:03 +0000] "POST /v1/orders HTTP/1.1" 503 212 "-" "app/1.0" "rrt-4a1b-1" "protocol.http.ProxyTunnelCreationFailed" "target"
type access struct{ stamps stampCache }

func (p *access) clean(r *Record) {
	r.Time, r.Event, r.Client, r.Status, r.Method, r.Path = time.Time{}, EventNone, nil, 0, nil, nil
	r.FaultCode, r.FaultSource, r.MsgID = nil, nil, nil
}

func (p *access) parse(line []byte, r *Record) bool {
	open := bytes.IndexByte(line, '[')
	if open < 7 || line[open-1] != ' ' {
		return false
	}
	head := line[:open-1]
	closing := bytes.IndexByte(line[open:], ']')
	if closing < 0 {
		return false
	}
	stamp := line[open+1 : open+closing]
	t, ok, hit := p.stamps.get(stamp)
	if !hit {
		t, ok = parseCLFTime(stamp)
		p.stamps.put(stamp, t, ok)
	}
	if !ok {
		return false
	}
	// Three fields (host ident user) or four (vhost host ident user) before the time.
	f1, rest := field(head)
	f2, rest := field(rest)
	f3, rest := field(rest)
	if len(f3) == 0 {
		return false
	}
	client := f1
	if len(rest) > 0 {
		if f4, more := field(rest); len(f4) == 0 || len(more) > 0 {
			return false
		}
		client = f2
	}
	req, tail, ok := quoted(line[open+closing+1:])
	if !ok {
		return false
	}
	status, tail := field(tail)
	st := atoi(status)
	if st < 100 || st > 999 {
		return false
	}
	size, tail := field(tail)
	if n := atoi(size); n < 0 && string(size) != "-" {
		return false
	}
	r.Time, r.Event, r.Client, r.Status = t, EventRequest, client, int(st)
	r.Method, r.Path = splitRequest(req)
	// A router's fault fields may sit in any line, and most lines of a router log (the successes)
	// carry none, so every line is looked at; a plain combined tail (referer and user agent, four
	// quotes, no key=value) is recognised at once and skipped, which saves a fifth of the time per
	// line. Bare fields after a common-format line are looked through too.
	if t := bytes.TrimLeft(tail, " "); len(t) > 0 && (t[0] != '"' || bytes.Count(t, []byte{'"'}) > 4 || bytes.IndexByte(t, '=') >= 0) {
		extraFields(tail, r)
	}
	return true
}

// extraFields looks through the fields after the standard ones for a gateway's fault code, fault
// source and message id.
func extraFields(tail []byte, r *Record) {
	var prevFault bool
	for len(tail) > 0 {
		var f []byte
		if q, rest, ok := quoted(tail); ok {
			f, tail = q, rest
		} else {
			f, tail = field(tail)
		}
		if len(f) == 0 {
			continue
		}
		key, val := []byte(nil), f
		if i := bytes.IndexByte(f, '='); i > 0 && i < 40 {
			key, val = f[:i], bytes.Trim(f[i+1:], `"`)
		}
		switch {
		case key != nil && (has(key, "fault_code") || has(key, "fault-code") || has(key, "faultcode")):
			r.FaultCode = val
		case key != nil && (has(key, "fault_source") || has(key, "fault-source") || has(key, "faultsource")):
			r.FaultSource = val
		case key != nil && (has(key, "message_id") || has(key, "messageid") || has(key, "message-id")):
			r.MsgID = val
		case key == nil && looksFaultCode(val):
			r.FaultCode = val
			prevFault = true
			continue
		case key == nil && prevFault && isFaultSource(val):
			r.FaultSource = val
		case key == nil && bytes.HasPrefix(val, []byte("rrt-")):
			r.MsgID = val
		}
		prevFault = false
	}
}

// looksFaultCode recognises a gateway fault code such as protocol.http.ProxyTunnelCreationFailed
// or messaging.adaptors.http.flow.BadGateway: dotted lower-case words ending in a capitalised name.
func looksFaultCode(b []byte) bool {
	if len(b) < 8 || b[0] < 'a' || b[0] > 'z' {
		return false
	}
	last := bytes.LastIndexByte(b, '.')
	if last < 0 || last+1 >= len(b) || b[last+1] < 'A' || b[last+1] > 'Z' || bytes.Count(b, []byte(".")) < 2 {
		return false
	}
	for _, c := range b {
		if !(c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func isFaultSource(b []byte) bool {
	switch string(b) {
	case "target", "proxy", "policy", "router", "-":
		return true
	}
	return false
}
