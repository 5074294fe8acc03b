package capture

import (
	"bytes"
	"encoding/binary"
)

// httpState follows the HTTP/1.x exchange on a connection, one request at a time.
type httpState struct {
	n     int     // requests seen
	req   Request // the latest request
	first Request // the first request (for a tunnel, its CONNECT)
	// reqPkt and reqTime are the latest request's first packet.
	reqPkt, reqTime int64
	// bodySent counts the latest request's body bytes seen; bodyDone says all of it went.
	bodySent int64
	bodyDone bool
	// idle is the quiet time before the latest request on a reused connection.
	idle int64
	// serverFINBefore is the server's FIN when it came before the latest request was written.
	serverFINBefore int64
	resp            Response // the latest final answer
	respPkt         int64
	respTime        int64
	answered        bool
	tunnel          bool  // a CONNECT was answered 2xx: the rest is tunnelled bytes
	lastServer      int64 // when the server last sent bytes
	judged          bool  // the latest request's outcome was handed to the findings
}

// event is a finding that happens at a packet rather than at the end of a connection.
type event uint8

const (
	evResponse   event = iota + 1 // a final response to the latest request arrived
	evRequestEnd                  // the latest request's exchange is over (next request or close)
)

// sniff looks at the new bytes of a segment. seq is the sequence number of b's first byte; fresh
// is the number of new bytes (b may be shorter when the snapshot length cut the packet).
func (t *table) sniff(f *Flow, dir int, seq uint32, b []byte, fresh int, p *Packet) {
	if dir == toServer {
		t.sniffClient(f, seq, b, fresh, p)
	} else {
		t.sniffServer(f, b, p)
	}
}

func (t *table) sniffClient(f *Flow, seq uint32, b []byte, fresh int, p *Packet) {
	hs, ts := f.http, f.tls
	bodyPending := hs != nil && hs.n > 0 && !hs.bodyDone && !hs.tunnel
	if ts == nil && !bodyPending && isClientHello(b) {
		ts = &tlsState{}
		f.tls = ts
		ts.chPkt, ts.chTime, ts.chSeq = p.Number, p.Time, seq
		ts.chEnd = seq + 5 + uint32(binary.BigEndian.Uint16(b[3:]))
		ts.hello = parseClientHello(b, &t.strs)
		return
	}
	if ts != nil {
		if ts.appPkt == 0 && len(b) >= 7 && b[0] == recAlert && b[1] == 3 && binary.BigEndian.Uint16(b[3:]) == 2 && ts.alertPkt == 0 {
			ts.alertPkt, ts.alertDir, ts.alertLevel, ts.alert = p.Number, toServer, b[5], b[6]
		}
		return
	}
	if hs != nil && hs.tunnel {
		return
	}
	if !bodyPending {
		if requestMethod(b) != "" {
			t.request(f, b, fresh, p)
		}
		return
	}
	hs.bodySent += int64(fresh)
	switch {
	case hs.req.BodyLen > 0:
		hs.bodyDone = hs.bodySent >= hs.req.BodyLen
	case hs.req.BodyLen < 0:
		hs.bodyDone = bytes.HasSuffix(b, []byte("0\r\n\r\n")) && len(b) == fresh
	}
}

func (t *table) sniffServer(f *Flow, b []byte, p *Packet) {
	hs, ts := f.http, f.tls
	if hs != nil {
		hs.lastServer = p.Time
	}
	if ts != nil {
		if w := skipWarnings(b); len(w) < len(b) {
			ts.warned = true
			if b = w; len(b) == 0 {
				return
			}
		}
		switch {
		case ts.shPkt != 0 || ts.alertPkt != 0 || ts.otherPkt != 0:
			if ts.appPkt == 0 && len(b) >= 1 && b[0] == recAppData {
				ts.appPkt = p.Number
			} else if ts.appPkt == 0 && ts.alertPkt == 0 && len(b) >= 7 && b[0] == recAlert && binary.BigEndian.Uint16(b[3:]) == 2 {
				ts.alertPkt, ts.alertDir, ts.alertLevel, ts.alert = p.Number, toClient, b[5], b[6]
			}
		case serverHelloVersion(b) != 0:
			ts.shPkt, ts.shVersion = p.Number, serverHelloVersion(b)
		case len(b) >= 7 && b[0] == recAlert && b[1] == 3:
			ts.alertPkt, ts.alertDir, ts.alertLevel, ts.alert = p.Number, toClient, b[5], b[6]
		case isTLSRecord(b):
		default:
			ts.otherPkt, ts.otherHTTP = p.Number, isResponse(b) || looksLikeHTML(b)
		}
		return
	}
	if hs != nil && hs.n > 0 && !hs.tunnel && isResponse(b) {
		resp := parseResponse(b, &t.strs)
		if resp.Status >= 100 && resp.Status < 200 {
			return
		}
		hs.resp, hs.respPkt, hs.respTime, hs.answered = resp, p.Number, p.Time, true
		t.answered(f)
		if hs.req.Method == "CONNECT" && resp.Status/100 == 2 {
			hs.tunnel = true
		}
		t.event(f, evResponse)
	}
}

// request starts a new request on the connection, closing the books on the previous one.
func (t *table) request(f *Flow, b []byte, fresh int, p *Packet) {
	if f.http == nil {
		f.http = &httpState{}
	}
	hs := f.http
	if hs.n > 0 {
		t.endRequest(f)
	}
	hs.n++
	hs.req = parseRequest(b, &t.strs)
	if hs.n == 1 {
		hs.first = hs.req
	}
	hs.reqPkt, hs.reqTime = p.Number, p.Time
	hs.idle = 0
	if hs.n > 1 {
		hs.idle = p.Time - max(hs.lastServer, hs.respTime)
	}
	hs.serverFINBefore = f.finPkt[toClient]
	hs.resp, hs.respPkt, hs.respTime, hs.answered, hs.judged = Response{}, 0, 0, false, false
	hs.bodySent, hs.bodyDone = 0, hs.req.BodyLen == 0
	if e := headerEnd(b); e >= 0 && hs.req.BodyLen != 0 {
		hs.bodySent = int64(fresh - e)
		if hs.req.BodyLen > 0 {
			hs.bodyDone = hs.bodySent >= hs.req.BodyLen
		} else {
			hs.bodyDone = bytes.HasSuffix(b, []byte("0\r\n\r\n")) && len(b) == fresh
		}
	}
	t.wait(f)
}

// endRequest hands the latest request's outcome to the findings, once.
func (t *table) endRequest(f *Flow) {
	if f.http == nil || f.http.n == 0 || f.http.judged {
		return
	}
	f.http.judged = true
	t.event(f, evRequestEnd)
}

// serverAcked notes the server's acknowledgement of the ClientHello.
func (t *table) serverAcked(f *Flow, ack uint32, p *Packet) {
	ts := f.tls
	if ts != nil && ts.chAckPkt == 0 && int32(ack-ts.chEnd) >= 0 {
		ts.chAckPkt = p.Number
	}
}

// closed is called on the first FIN or RST each side sends.
func (t *table) closed(f *Flow, dir int, p *Packet) {
	if dir == toClient {
		t.answered(f)
	}
}
