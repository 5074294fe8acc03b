package logs

import (
	"bytes"
	"time"
)

// nginxError reads nginx error logs:
//
//	2026/11/21 09:20:06 [error] 10523#10523: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: , request: "GET /down/x HTTP/1.1", upstream: "http://127.0.0.1:18099/x", host: "127.0.0.1:18082"
type nginxError struct{ stamps stampCache }

func (p *nginxError) clean(r *Record) {
	r.Time, r.Event, r.Client, r.Method, r.Path, r.Backend = time.Time{}, EventNone, nil, nil, nil, nil
}

func (p *nginxError) parse(line []byte, r *Record) bool {
	if len(line) < 24 || line[19] != ' ' || line[20] != '[' {
		return false
	}
	t, ok, hit := p.stamps.get(line[:19])
	if !hit {
		t, _, ok = parseDashedTime(line[:19])
		p.stamps.put(line[:19], t, ok)
	}
	if !ok {
		return false
	}
	lvl := bytes.IndexByte(line[21:], ']')
	if lvl < 0 || !pidTID(line[21+lvl+1:]) {
		return false
	}
	r.Time = t
	m := line[21+lvl+1:]
	ctx, ok := after(m, " while ")
	if !ok {
		return true
	}
	reason := m[:len(m)-len(ctx)]
	switch {
	case bytes.HasPrefix(ctx, []byte("connecting to upstream")):
		switch {
		case has(reason, "no live upstreams"):
			r.Event = EventWorkerDisabled
		default:
			r.Event = connectEvent(reason)
		}
	case bytes.HasPrefix(ctx, []byte("SSL handshaking to upstream")):
		if has(reason, "timed out") {
			r.Event = EventTLSTimeout
		} else {
			r.Event = EventTLSFailed
		}
	case bytes.HasPrefix(ctx, []byte("sending request to upstream")):
		r.Event = bodyEvent(reason)
	case bytes.HasPrefix(ctx, []byte("reading response header from upstream")):
		switch {
		case has(reason, "timed out"):
			r.Event = EventReadTimeout
		case has(reason, "reset by peer"):
			// A reset, not a close: the backend's kernel had unread request data when it closed,
			// which for a request with a body is nginx's way of saying what Apache logs as
			// "pass request body failed (104)" (nginx had handed the whole body to the kernel
			// and was already waiting for the answer). Decided below, once the method is known.
			r.Event = EventStatusLine
			defer resetAfterBody(r)
		default:
			r.Event = EventStatusLine
		}
	default:
		return true
	}
	if c, ok := after(ctx, ", client: "); ok {
		r.Client = upTo(c, ",")
	}
	if q, ok := after(ctx, ", request: "); ok {
		if req, _, ok := quoted(q); ok {
			r.Method, r.Path = splitRequest(req)
		}
	}
	if u, ok := after(ctx, ", upstream: "); ok {
		if up, _, ok := quoted(u); ok {
			r.Backend = hostOfURL(up)
		}
	}
	return true
}

// resetAfterBody turns a reset met while waiting for the response to a request with a body into
// the body failure it is.
func resetAfterBody(r *Record) {
	switch string(r.Method) {
	case "POST", "PUT", "PATCH":
		r.Event = EventPassBodyReset
	}
}

// pidTID reports whether a line goes on as nginx's do after the level: " PID#TID: ". Another
// program's log with the same timestamp and a [level] (Go's log package with a level prefix) is
// not nginx's, and its text is left to the error-text recognizers.
func pidTID(b []byte) bool {
	if len(b) < 5 || b[0] != ' ' {
		return false
	}
	i, digits := 1, 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		digits++
	}
	if digits == 0 || i >= len(b) || b[i] != '#' {
		return false
	}
	i++
	digits = 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		digits++
	}
	return digits > 0 && i < len(b) && b[i] == ':'
}
