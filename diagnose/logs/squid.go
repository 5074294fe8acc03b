package logs

import (
	"bytes"
	"time"
)

// squidAccess reads squid's native access.log: time, elapsed ms, client, result/status, bytes,
// method, URL, user, hierarchy/peer, content type.
//
//	1795252826.278      0 127.0.0.1 TCP_DENIED/403 3413 CONNECT blocked.test:443 - HIER_NONE/- text/html
type squidAccess struct{}

func (p *squidAccess) parse(line []byte, r *Record) bool {
	stamp, rest := field(line)
	t, ok := parseEpochTime(stamp)
	if !ok {
		return false
	}
	elapsed, rest := field(rest)
	client, rest := field(rest)
	code, rest := field(rest)
	size, rest := field(rest)
	method, rest := field(rest)
	url, rest := field(rest)
	_, rest = field(rest)
	hier, _ := field(rest)
	slash := bytes.IndexByte(code, '/')
	ms := atoi(elapsed)
	if ms < 0 || slash <= 0 || len(method) == 0 || len(url) == 0 || (atoi(size) < 0 && string(size) != "-") {
		return false
	}
	st := atoi(code[slash+1:])
	if st < 0 || st > 999 {
		return false
	}
	r.Time, r.Event, r.Client, r.Status = t, EventRequest, client, int(st)
	r.Duration = time.Duration(ms) * time.Millisecond
	r.Result, r.Method = code[:slash], method
	if i := bytes.IndexByte(hier, '/'); i >= 0 {
		r.Hier = hier[:i]
	} else {
		r.Hier = hier
	}
	if string(method) == "CONNECT" {
		r.Backend, r.Path = url, url
	} else {
		r.Backend, r.Path = hostOfURL(url), url
		if i := bytes.IndexByte(r.Path, '?'); i >= 0 {
			r.Path = r.Path[:i]
		}
	}
	return true
}
