package logs

import (
	"fmt"
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// The linker ties an error-log line to the access-log line of the same request, and a message
// processor's line to a router's, so evidence can say "same request as access.log:12". It keeps a
// bounded number of lines of each side: enough for the evidence, which quotes only the first few
// lines per signal.
const (
	maxLinkErrors   = 1000
	maxLinkRequests = 1000
	// linkWindow is how far apart an error and its request may be logged. Access logs stamp the
	// request's start, error logs the failure: a read timeout comes one proxy timeout later.
	linkWindow = 5 * time.Minute
)

// linkKey is what a line offers for matching, copied out of the reader's buffer.
type linkKey struct {
	at                   time.Time
	client, method, path string
	msgID                string
	status               int
}

func newLinkKey(r *Record) linkKey {
	return linkKey{at: r.Time, client: string(r.Client), method: string(r.Method), path: string(r.Path), msgID: string(r.MsgID), status: r.Status}
}

type linkedLine struct {
	file string
	line int64
	key  linkKey
	kind Event
}

type linker struct {
	errors   []linkedLine
	requests []linkedLine
	msgs     []linkedLine
	// described holds the link found for a line ("file:line"), so the several signals of one line
	// and its companion line name the same request; claimed marks requests already tied to an
	// error line, so that errors logged in the same second go to different requests.
	described map[string]string
	claimed   map[int]bool
}

func (l *linker) addError(file string, r *Record) {
	if len(l.errors) < maxLinkErrors {
		l.errors = append(l.errors, linkedLine{file, r.Line, newLinkKey(r), r.Event})
	}
}

func (l *linker) addRequest(file string, r *Record) {
	if len(l.requests) < maxLinkRequests {
		l.requests = append(l.requests, linkedLine{file, r.Line, newLinkKey(r), r.Event})
	}
}

func (l *linker) addMsg(file string, r *Record) {
	if len(l.msgs) < maxLinkErrors {
		l.msgs = append(l.msgs, linkedLine{file, r.Line, newLinkKey(r), r.Event})
	}
}

// Link is a line of another log that belongs to the same request.
type Link struct {
	File string
	Line int64
	// By says how they were tied: "message id" or "time and peer".
	By string
}

// match finds the line of another log that belongs to the same request as k (read from file).
func (l *linker) match(file string, k linkKey) (linkedLine, string, bool) {
	o, by, _, ok := l.matchIndex(file, k, false)
	return o, by, ok
}

// matchIndex is match, also returning the index of a request-pool match (-1 otherwise). With
// unclaimed, requests already tied to another error are passed over.
func (l *linker) matchIndex(file string, k linkKey, unclaimed bool) (linkedLine, string, int, bool) {
	if k.msgID != "" {
		for _, pool := range [][]linkedLine{l.requests, l.msgs, l.errors} {
			for _, o := range pool {
				if o.file != file && o.key.msgID == k.msgID {
					return o, "message id", -1, true
				}
			}
		}
	}
	if k.client == "" || k.at.IsZero() {
		return linkedLine{}, "", -1, false
	}
	pool := l.requests
	if k.status != 0 {
		pool = l.errors
	}
	var best linkedLine
	var bestD time.Duration = -1
	bestI := -1
	for i, o := range pool {
		if o.file == file || o.key.client != k.client || o.key.at.IsZero() {
			continue
		}
		if unclaimed && k.status == 0 && l.claimed[i] {
			continue
		}
		if k.path != "" && o.key.path != "" && k.path != o.key.path {
			continue
		}
		// The request is logged at its start, the error when it failed: the error comes after.
		req, errAt := o.key.at, k.at
		if k.status != 0 {
			req, errAt = k.at, o.key.at
		}
		d := errAt.Sub(req)
		if d < -time.Second || d > linkWindow {
			continue
		}
		if d < 0 {
			d = -d
		}
		if bestD < 0 || d < bestD {
			best, bestD, bestI = o, d, i
		}
	}
	if k.status != 0 {
		bestI = -1
	}
	return best, "time and peer", bestI, bestD >= 0
}

// describe says which line of another log belongs to the same request as a kept line, or "".
func (l *linker) describe(file string, k keptLine) string {
	if l.described == nil {
		l.described, l.claimed = map[string]string{}, map[int]bool{}
	}
	key := fmt.Sprintf("%s:%d", file, k.line)
	if s, ok := l.described[key]; ok {
		return s
	}
	if k.companion {
		if s, ok := l.described[fmt.Sprintf("%s:%d", file, k.line-1)]; ok {
			l.described[key] = s
			return s
		}
	}
	o, by, i, ok := l.matchIndex(file, k.rec, true)
	if !ok {
		l.described[key] = ""
		return ""
	}
	if i >= 0 {
		l.claimed[i] = true
	}
	what := ""
	if o.key.status != 0 {
		what = fmt.Sprintf(" (%s %s → %d)", o.key.method, o.key.path, o.key.status)
	}
	s := fmt.Sprintf("same request as %s:%d%s, by %s", o.file, o.line, what, by)
	l.described[key] = s
	return s
}

// Links returns the lines of other logs tied to the given line of a log.
func (a *Analyzer) Links(file string, line int64) []Link {
	var out []Link
	for _, pool := range [][]linkedLine{a.links.errors, a.links.requests, a.links.msgs} {
		for _, x := range pool {
			if x.file == file && x.line == line {
				if o, by, ok := a.links.match(file, x.key); ok {
					out = append(out, Link{File: o.file, Line: o.line, By: by})
				}
			}
		}
	}
	return out
}

// retriedEvidence looks for errors that say the backend closed a connection before answering
// (nginx names the request on the line) whose request did not fail in the access log: the proxy
// retried it on another connection and the retry worked, which is what a reused keep-alive
// connection the backend had just closed looks like. It needs the failed requests of an access log
// covering the error's time, all of them kept (the pool must not have overflowed).
func (a *Analyzer) retriedEvidence() []diagnose.Evidence {
	if len(a.links.requests) == 0 || len(a.links.requests) >= maxLinkRequests {
		return nil
	}
	var first, last time.Time
	for _, fs := range a.files {
		if fs.req == nil || fs.req.total == 0 {
			continue
		}
		if first.IsZero() || fs.req.firstAt.Before(first) {
			first = fs.req.firstAt
		}
		if fs.req.latest.After(last) {
			last = fs.req.latest
		}
	}
	var n, of int
	var example linkedLine
	for _, e := range a.links.errors {
		if e.kind != EventStatusLine || e.key.path == "" || e.key.at.Before(first) || e.key.at.After(last) {
			continue
		}
		of++
		if _, _, ok := a.links.match(e.file, e.key); ok {
			continue
		}
		if n == 0 {
			example = e
		}
		n++
	}
	if n == 0 {
		return nil
	}
	return []diagnose.Evidence{{
		Signal: "log.proxy.retried-ok", Source: fmt.Sprintf("%s:%d", example.file, example.line), Kind: diagnose.FromLog,
		At: example.key.at, Path: example.file, Line: int(example.line),
		Detail: fmt.Sprintf("%d of %d requests whose connection the backend closed before answering did not fail in the access log (first: %s %s at %s): the proxy retried them on another connection",
			n, of, example.key.method, example.key.path, example.key.at.Format("15:04:05")),
	}}
}
