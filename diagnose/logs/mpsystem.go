package logs

import (
	"bytes"
	"time"
)

// mpSystem reads a gateway message processor's system.log. The lines that matter name the
// request's message id and the handshake that timed out:
//
//	2026-11-21 10:00:55,221 org:acme env:prod api:orders rev:3 messageid:rrt-0a1b2c-1 NIOThread@1 ERROR HTTP.CLIENT - HTTPClient$Context.handshakeTimeout() : SSLClientChannel[Connected: Remote:10.1.1.1:443 Local:10.2.2.2:51234]@739028 useCount=1 bytesRead=0 bytesWritten=0 age=55221ms lastIO=55221ms isOpen=true handshake timeout
//
// Lines without a time stamp (the playbook quotes them starting at "org:") are read as well; stack
// trace lines are understood and skipped.
type mpSystem struct{ stamps stampCache }

func (p *mpSystem) parse(line []byte, r *Record) bool {
	m := line
	if len(line) >= 19 && line[0] >= '0' && line[0] <= '9' {
		stamp := line[:min(len(line), 23)]
		t, ok, hit := p.stamps.get(stamp)
		n := len(stamp)
		if !hit {
			t, n, ok = parseDashedTime(line)
			if ok && n != len(stamp) {
				stamp = line[:n]
			}
			p.stamps.put(stamp, t, ok)
		}
		if !ok {
			return false
		}
		r.Time, m = t, line[n:]
	} else if t := bytes.TrimLeft(line, " \t"); bytes.HasPrefix(t, []byte("at ")) || bytes.HasPrefix(t, []byte("Caused by")) || bytes.HasPrefix(t, []byte("...")) {
		return len(t) < len(line) || bytes.HasPrefix(t, []byte("Caused by"))
	} else if !bytes.HasPrefix(line, []byte("org:")) {
		return false
	}
	id, ok := after(m, "messageid:")
	if !ok {
		// A system.log line without a message id: understood when it carries a level.
		return r.Time != (time.Time{}) && (has(m, " INFO ") || has(m, " ERROR ") || has(m, " WARN ") || has(m, " DEBUG "))
	}
	r.MsgID = upTo(id, " ")
	if !has(m, "handshakeTimeout") && !has(m, "handshake timeout") {
		return true
	}
	r.Event = EventMPHandshakeTimeout
	if rem, ok := after(m, "Remote:"); ok {
		r.Backend = upTo(rem, " ]")
	}
	if age, ok := after(m, "age="); ok {
		if ms := atoi(bytes.TrimSuffix(upTo(age, " "), []byte("ms"))); ms >= 0 {
			r.Age = time.Duration(ms) * time.Millisecond
		}
	}
	return true
}
