package logs

import (
	"time"

	"github.com/hopscope/hopscope/diagnose"
)

// Every line that stands for one request or one connection is also reported as an attempt on its
// hop, so that a log-only incident gets a verdict per hop like a capture does:
//
//   - an error-log failure (Apache AH00957, AH01102, AH01097…; nginx "connect() failed … upstream:")
//     is a failing attempt on the reverse proxy's hop to the backend the line names;
//   - an access-log request that names its backend ($upstream_addr in a log_format) is an attempt
//     on that backend's hop: failing when the proxy answered 502, 503 or 504, working otherwise;
//   - an access-log request that does not name its backend is attached once every log has been
//     read (Flush). When the error logs name exactly one failing backend, the failing requests are
//     left out (the error lines are those failures, seen from the proxy) and the requests that
//     worked under a path that failed (same first segment, "/api/" of "/api/orders/7": a proxy
//     routes by path) are that backend's control group; the other requests that worked went to a
//     backend the logs do not name, and are attempts on the proxy's front hop. When the error logs
//     name no failing backend or several, every request is an attempt on the front hop, and the
//     backends' failures are part of its failures (their attempts name it as upstream);
//   - a squid CONNECT is an attempt on the forward-proxy hop to its target.
//
// A failing access line and the error line of the same request, when both name their backend and
// path, carry the same attempt key, so the incident counts them once.

// frontHop is the hop clients take into the proxy whose logs these are: a log does not give the
// proxy's own address.
var frontHop = diagnose.HopKey{Role: diagnose.HopFront, Server: "proxy"}

// squidServer stands for squid's own address, which its access log does not give.
const squidServer = "squid"

// maxPending bounds the access-log requests held until the error logs have been read; past it
// they are attached at once with what the error logs said so far.
const maxPending = 1 << 16

// maxInterned bounds the distinct request methods and paths remembered for attempts' features;
// past it requests go without their path (a hop's contrast drops a feature that varied so much).
const maxInterned = 4096

// The signals of an access-log request the proxy failed, by status.
var (
	sigResp502 = []string{"http.response.502"}
	sigResp503 = []string{"http.response.503"}
	sigResp504 = []string{"http.response.504"}
)

// pendingReq is an access-log request whose backend is not known yet, kept small.
type pendingReq struct {
	at     int64 // unix ns, 0 when the line has no time
	line   int64
	size   int64
	req    int32 // in attempts.reqs, -1 none
	file   uint16
	status int16
}

// attempts turns lines into attempts for a sink. The zero value reports nothing.
type attempts struct {
	sink    func(diagnose.Attempt)
	pending []pendingReq
	decided bool // pending overflowed: requests are attached as they come
	// sole is the one failing backend the error logs named when the held requests were attached.
	sole     diagnose.HopKey
	haveSole bool
	// failedUnder holds the first path segments of the failing requests; soleWorked counts the
	// requests that worked under them, attached to the sole backend.
	failedUnder map[string]bool
	soleWorked  int
	files       []string
	reqs        []reqName
	reqIdx      map[string]int32 // method + " " + path
	methods     map[string]string
	// a is reused from line to line: the sink copies what it keeps.
	a diagnose.Attempt
	// perHop bounds the attempts reported per hop and outcome (0: no bound); counts tallies
	// them by hop, lastHop and lastCount the hop of the previous line.
	perHop    int
	counts    map[diagnose.HopKey]*hopTally
	lastHop   diagnose.HopKey
	lastCount *hopTally
}

type reqName struct{ method, path string }

// SetAttempts makes the analyzer report every request or connection its lines show to sink, as
// they are read (those of access logs that name no backend when Flush is called). perHop, when
// above zero, bounds the attempts reported per hop and outcome, for a sink that keeps them all
// (a log's own evidence still counts every line); zero reports every one, for a sink that folds
// them as they come.
func (a *Analyzer) SetAttempts(sink func(diagnose.Attempt), perHop int) {
	a.att.sink, a.att.perHop = sink, perHop
}

// report hands one attempt to the sink, unless its hop has had perHop of its outcome.
func (at *attempts) report(x *diagnose.Attempt) {
	c := at.hopCount(x.Hop)
	i := 0
	if x.Failed {
		i = 1
	}
	if at.perHop > 0 && c.n[i] >= at.perHop {
		return
	}
	c.n[i]++
	at.sink(*x)
}

// hopTally is what the reader remembers of one hop's attempts: how many of each outcome were
// reported, and the signal lists its failures showed (by identity: lineSignals returns shared
// slices).
type hopTally struct {
	n    [2]int
	sigs [8]*string
}

// hopCount returns the tally of a hop, the previous line's without a map lookup.
func (at *attempts) hopCount(k diagnose.HopKey) *hopTally {
	if at.lastCount != nil && at.lastHop == k {
		return at.lastCount
	}
	if at.counts == nil {
		at.counts = map[diagnose.HopKey]*hopTally{}
	}
	c := at.counts[k]
	if c == nil {
		c = &hopTally{}
		at.counts[k] = c
	}
	at.lastHop, at.lastCount = k, c
	return c
}

// keptDetails is how many failing attempts of a hop get the quoted line as their detail: a hop
// keeps its first few whole, and a later failure's detail only counts when it shows signals the
// hop has not seen (its first sighting becomes evidence). The others go without, so that a
// failure line costs no allocation.
const keptDetails = 16

// wantsDetail reports whether a failing attempt with sigs on hop k needs its detail.
func (at *attempts) wantsDetail(k diagnose.HopKey, sigs []string) bool {
	c := at.hopCount(k)
	if c.n[1] < keptDetails || len(sigs) == 0 {
		return true
	}
	free := -1
	for i, p := range c.sigs {
		if p == &sigs[0] {
			return false
		}
		if p == nil && free < 0 {
			free = i
		}
	}
	if free >= 0 {
		c.sigs[free] = &sigs[0]
	}
	return true
}

// Flush reports the access-log requests held until the error logs were read. Call it once every
// log has been read; the lines read after it are attached as they come.
func (a *Analyzer) Flush() {
	at := &a.att
	if at.sink == nil {
		return
	}
	at.sole, at.haveSole = a.soleBackend()
	for i := range at.pending {
		at.noteFailedPath(&at.pending[i])
	}
	for i := range at.pending {
		a.attachPending(&at.pending[i], at.sole, at.haveSole)
	}
	at.pending, at.decided = nil, true
}

// routeExplains reports whether the failing requests are those a proxy routed to one backend
// that refused or never took every connection, while the requests under other routes worked:
// then "the failures follow the path" is the route to a dead backend, which that backend's hop
// shows (every attempt on it failed at connect), and not a request its backend cannot serve. The
// access log's request correlation is then left to the hops.
func (a *Analyzer) routeExplains() bool {
	at := &a.att
	if at.sink == nil || !at.haveSole || at.soleWorked > 0 || len(at.failedUnder) == 0 {
		return false
	}
	b := a.backends[at.sole.Server]
	if b == nil {
		return false
	}
	connect := b.byEvent[EventConnectRefused] + b.byEvent[EventConnectTimeout] + b.byEvent[EventConnectUnreachable] +
		b.byEvent[EventConnectFailed] + b.byEvent[EventWorkerDisabled] + b.byEvent[EventConnectBusy]
	return connect == b.count
}

// soleBackend returns the hop of the one backend the error logs name on their failures, if they
// name exactly one.
func (a *Analyzer) soleBackend() (diagnose.HopKey, bool) {
	var key string
	n := 0
	for _, k := range a.order {
		if k == "" || a.backends[k].count == 0 {
			continue
		}
		key = a.backends[k].key
		n++
	}
	if n != 1 {
		return diagnose.HopKey{}, false
	}
	return diagnose.HopKey{Role: diagnose.HopBackend, Server: key}, true
}

// attachPending reports a held request on the sole failing backend's hop (leaving out a failing
// one, the error line's request seen again) or on the front hop.
func (a *Analyzer) attachPending(p *pendingReq, sole diagnose.HopKey, haveSole bool) {
	at := &a.att
	failed := failedStatus(int(p.status))
	hop, upstream := frontHop, diagnose.HopKey{}
	if haveSole {
		if failed {
			return
		}
		if p.req >= 0 && at.failedUnder[routePrefix(at.reqs[p.req].path)] {
			hop, upstream = sole, frontHop
			at.soleWorked++
		}
	}
	x := &at.a
	name := at.files[p.file]
	*x = diagnose.Attempt{Hop: hop, Upstream: upstream, Kind: diagnose.FromLog, Path: name, Packet: p.line, Wire: diagnose.Wire{Input: name}}
	if p.at != 0 {
		x.At = unixTime(p.at)
	}
	if p.req >= 0 {
		x.Features.Method, x.Features.Path = at.reqs[p.req].method, at.reqs[p.req].path
	}
	if p.size > 0 {
		x.Features.BodySize = p.size
	}
	at.fail(x, int(p.status))
	at.report(x)
}

// noteFailedPath remembers the route of a failing request.
func (at *attempts) noteFailedPath(p *pendingReq) {
	if !failedStatus(int(p.status)) || p.req < 0 {
		return
	}
	if at.failedUnder == nil {
		at.failedUnder = map[string]bool{}
	}
	at.failedUnder[routePrefix(at.reqs[p.req].path)] = true
}

// routePrefix is the part of a path a proxy's route most often names: its first segment with its
// slash ("/api/" of "/api/orders/7"), or the whole path when it has one segment.
func routePrefix(path string) string {
	if len(path) < 2 || path[0] != '/' {
		return path
	}
	for i := 1; i < len(path)-1; i++ {
		if path[i] == '/' {
			return path[:i+1]
		}
	}
	return path
}

func failedStatus(s int) bool { return s == 502 || s == 503 || s == 504 }

// fail marks an access-log attempt failed when the proxy answered with a gateway error.
func (at *attempts) fail(x *diagnose.Attempt, status int) {
	var sigs []string
	switch status {
	case 502:
		sigs = sigResp502
	case 503:
		sigs = sigResp503
	case 504:
		sigs = sigResp504
	default:
		return
	}
	x.Failed, x.Phase, x.Signals, x.Failure = true, diagnose.PhaseResponse, sigs, sigs[0]
	x.Detail = "the proxy answered " + sigs[0][len("http.response."):]
}

// observeAttempt reports the attempt one line shows, if any. It runs once per line and allocates
// only to remember a file, backend, method or path seen for the first time.
// bs is the stats of the backend a failure line names (nil for other lines).
func (a *Analyzer) observeAttempt(fs *fileState, r *Record, sigs []string, bs *backendStats) {
	at := &a.att
	switch {
	case r.Event == EventRequest && fs.format == SquidAccess:
		if string(r.Method) != "CONNECT" {
			return
		}
		x := at.base(fs, r)
		x.Hop = diagnose.HopKey{Role: diagnose.HopForwardProxy, Server: squidServer, Target: a.backendKey(r.Backend)}
		x.Features.Method = "CONNECT"
		if r.Status != 200 {
			x.Failed, x.Phase = true, diagnose.PhaseConnect
			x.Signals = sigs
			if len(sigs) > 0 {
				x.Failure = sigs[0]
			}
			if at.wantsDetail(x.Hop, sigs) {
				x.Detail = clip(r.Text, detailLen)
			}
		}
		at.report(x)
	case r.Event == EventRequest:
		if len(r.Backend) > 0 {
			x := at.base(fs, r)
			x.Hop = diagnose.HopKey{Role: diagnose.HopBackend, Server: a.backendKey(r.Backend)}
			x.Upstream = frontHop
			at.features(x, r)
			at.fail(x, r.Status)
			if x.Failed {
				x.Key = requestKey(x.Hop.Server, r)
			}
			at.report(x)
			return
		}
		p := pendingReq{line: r.Line, size: r.ReqBytes, req: at.intern(r.Method, r.Path), file: at.file(fs.name), status: int16(r.Status)}
		if !r.Time.IsZero() {
			p.at = r.Time.UnixNano()
		}
		if at.decided {
			at.noteFailedPath(&p)
			a.attachPending(&p, at.sole, at.haveSole)
			return
		}
		at.pending = append(at.pending, p)
		if len(at.pending) == maxPending {
			a.Flush()
		}
	case bs != nil && fs.format != MPSystem:
		x := at.base(fs, r)
		key := bs.key
		if key == "" {
			key = "(backend not named)"
		}
		x.Hop, x.Upstream = diagnose.HopKey{Role: diagnose.HopBackend, Server: key}, frontHop
		x.Failed, x.Phase, x.Signals = true, eventPhase(r.Event), sigs
		if len(sigs) > 0 {
			x.Failure = sigs[0]
		}
		if at.wantsDetail(x.Hop, sigs) {
			x.Detail = clip(r.Text, detailLen)
		}
		at.features(x, r)
		if len(r.Path) > 0 && len(r.Backend) > 0 {
			x.Key = requestKey(key, r)
		}
		if len(r.Client) > 0 {
			x.Client = at.str(r.Client)
		}
		at.report(x)
	}
}

// base resets the reused attempt for one line.
func (at *attempts) base(fs *fileState, r *Record) *diagnose.Attempt {
	x := &at.a
	*x = diagnose.Attempt{Kind: diagnose.FromLog, Path: fs.name, Packet: r.Line, At: r.Time, Wire: diagnose.Wire{Input: fs.name}}
	return x
}

// features sets an attempt's request features from its line.
func (at *attempts) features(x *diagnose.Attempt, r *Record) {
	if i := at.intern(r.Method, r.Path); i >= 0 {
		x.Features.Method, x.Features.Path = at.reqs[i].method, at.reqs[i].path
	}
	if r.ReqBytes > 0 {
		x.Features.BodySize = r.ReqBytes
	}
}

// backendKey returns a backend's address as a string without allocating for one seen before.
func (a *Analyzer) backendKey(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	for _, bs := range a.recent {
		if bs != nil && bs.key == string(b) {
			return bs.key
		}
	}
	if bs, ok := a.backends[string(b)]; ok {
		return bs.key
	}
	return a.att.str(b)
}

// str returns b as a string, interned while there is room.
func (at *attempts) str(b []byte) string {
	if s, ok := at.methods[string(b)]; ok {
		return s
	}
	return at.remember(b)
}

// remember interns a short string (a method or an address not among the failing backends).
func (at *attempts) remember(b []byte) string {
	if at.methods == nil {
		at.methods = map[string]string{}
	}
	s := string(b)
	if len(at.methods) < maxInterned {
		at.methods[s] = s
	}
	return s
}

// intern returns the index of a request's method and path, -1 for none or past maxInterned.
func (at *attempts) intern(method, path []byte) int32 {
	if len(method) == 0 {
		return -1
	}
	if at.reqIdx == nil {
		at.reqIdx = map[string]int32{}
	}
	// The key is looked up without a copy; it is built only when new.
	var buf [256]byte
	k := append(append(append(buf[:0], method...), ' '), path...)
	if i, ok := at.reqIdx[string(k)]; ok {
		return i
	}
	if len(at.reqs) >= maxInterned {
		return -1
	}
	m := at.str(method)
	i := int32(len(at.reqs))
	at.reqs = append(at.reqs, reqName{method: m, path: string(path)})
	at.reqIdx[string(k)] = i
	return i
}

// file numbers a log by its name.
func (at *attempts) file(name string) uint16 {
	for i, n := range at.files {
		if n == name {
			return uint16(i)
		}
	}
	at.files = append(at.files, name)
	return uint16(len(at.files) - 1)
}

// requestKey identifies a failed request by backend, path and second, the same in the error line
// and the access line that report it.
func requestKey(backend string, r *Record) uint64 {
	h := uint64(14695981039346656037)
	mix := func(b []byte) {
		for _, c := range b {
			h ^= uint64(c)
			h *= 1099511628211
		}
		h ^= 0xff
		h *= 1099511628211
	}
	for i := range len(backend) {
		h ^= uint64(backend[i])
		h *= 1099511628211
	}
	mix(r.Path)
	if !r.Time.IsZero() {
		s := uint64(r.Time.Unix())
		for range 8 {
			h ^= s & 0xff
			h *= 1099511628211
			s >>= 8
		}
	}
	if h == 0 {
		h = 1
	}
	return h
}

// eventPhase is where a failure line says the attempt failed.
func eventPhase(e Event) diagnose.Phase {
	switch e {
	case EventConnectRefused, EventConnectTimeout, EventConnectUnreachable, EventConnectFailed,
		EventWorkerDisabled, EventConnectBusy:
		return diagnose.PhaseTCP
	case EventPassBodyReset, EventPassBodyTimeout, EventPassBodyFailed:
		return diagnose.PhaseBody
	case EventTLSTimeout, EventTLSFailed, EventMPHandshakeTimeout:
		return diagnose.PhaseTLS
	}
	return diagnose.PhaseRequest
}

func unixTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }
