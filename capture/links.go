package capture

// maxWaiting bounds the requests remembered as awaiting an answer (to find proxy hops).
const maxWaiting = 16

// links is what ties connections to each other, kept apart from the flow tables so that these
// can be split between workers: the order connections opened in, the requests waiting for an
// answer while a proxy opens its own connection, the servers seen acting as proxies. It applies
// the tables' ops in packet order, so it sees the capture exactly as one table would.
type links struct {
	nextID  int
	waiting []*hop            // recent connections with a request awaiting an answer
	proxies map[Endpoint]bool // servers seen acting as proxies
	now     int64             // the capture time when the connection being finished ended
	finish  func(*Flow)       // called once per connection when it is finished
	onEvent func(*Flow, event)
}

// hop is what links knows of one connection. The table that owns the connection fills in the
// endpoints when it opens and never touches it again; links writes it into the Flow when the
// connection is finished.
type hop struct {
	client, server Endpoint
	midstream      bool
	role           Role
	viaConnect     bool // opened by a forward proxy for a CONNECT
	waiting, done  bool
	connect        bool // the latest request is a CONNECT
	// hasFirst is set once the connection's first request was seen; firstConnect and
	// firstTarget are what a frontView needs of it (the table never changes it once made).
	hasFirst, firstConnect bool
	id                     int
	firstTarget            string
	// view is, once a backend connection was opened for this one, what the findings about that
	// backend see of it (see Flow.front). front is, for a backend connection, the hop it was
	// opened for.
	view  *frontView
	front *hop
	// att is what the findings gathered about the connection while it was open.
	att flowAttempt
}

func newLinks(finish func(*Flow), ev func(*Flow, event)) *links {
	return &links{proxies: map[Endpoint]bool{}, finish: finish, onEvent: ev}
}

// apply carries out one op a table recorded.
func (l *links) apply(o *op) {
	x := o.f.hop
	switch o.kind {
	case opOpen:
		l.nextID++
		x.id = l.nextID
		if !x.midstream && l.proxies[x.server] {
			x.role = RoleFront
		}
		if !x.midstream {
			l.link(x)
		}
	case opSwap:
		x.client, x.server = x.server, x.client
	case opRequest:
		x.connect = o.connect
		if !x.hasFirst {
			// Written by the table before it recorded the op, and never again.
			first := &o.f.http.first
			x.firstConnect, x.firstTarget, x.hasFirst = first.Method == "CONNECT", first.Target, true
		}
		l.wait(x)
	case opAnswered:
		l.answered(x)
	case opEvent:
		sf := &o.snap.flow
		sf.ID, sf.Role, sf.viaConnect, sf.front = x.id, x.role, x.viaConnect, x.frontView()
		// The findings gather the connection's attempt in its hop, through every snapshot.
		sf.hop = x
		l.event(sf, o.ev)
	case opFinish:
		f := o.f
		f.ID, f.Role, f.viaConnect, f.front = x.id, x.role, x.viaConnect, x.frontView()
		x.done = true
		l.answered(x)
		l.now = o.now
		l.finish(f)
		// Whoever keeps the finished connection (a viewer keeps them all) need not keep its hop
		// and view; the backend connections opened for it still reach them.
		f.hop = nil
	}
}

// link finds a request waiting on another connection when this one opens: then this connection is
// the proxy's hop to its backend and that one the hop into the proxy.
func (l *links) link(x *hop) {
	if x.role == RoleFront {
		return // a new connection into a known proxy is a client's, not a proxy's hop
	}
	for i := len(l.waiting) - 1; i >= 0; i-- {
		w := l.waiting[i]
		// A proxy's own backend connection waiting for its answer is no front: only a
		// connection that is not itself a hop behind a proxy can be one.
		if w.done || w.role == RoleBackend || w.server == x.server || w.server == x.client || w.client == x.server {
			continue
		}
		x.role = RoleBackend
		x.front = w
		x.viaConnect = w.connect
		w.role = RoleFront
		if w.view == nil {
			w.view = &frontView{server: w.server, connect: w.firstConnect, target: w.firstTarget}
		}
		l.proxies[w.server] = true
		return
	}
}

// wait remembers a connection whose request awaits an answer.
func (l *links) wait(x *hop) {
	if x.waiting {
		return
	}
	x.waiting = true
	if len(l.waiting) == maxWaiting {
		l.waiting[0].unwait()
		copy(l.waiting, l.waiting[1:])
		l.waiting = l.waiting[:maxWaiting-1]
	}
	l.waiting = append(l.waiting, x)
}

// answered forgets a connection whose request was answered.
func (l *links) answered(x *hop) {
	if !x.waiting {
		return
	}
	x.unwait()
	for i, w := range l.waiting {
		if w == x {
			l.waiting = append(l.waiting[:i], l.waiting[i+1:]...)
			return
		}
	}
}

// unwait takes a connection off the waiting list.
func (x *hop) unwait() { x.waiting = false }

// frontView is what the findings about a backend connection need of the connection it was opened
// for, as it was when the backend connection opened: the hop's name is made of it (see
// findings.frontHop). Many connections can be waiting when a proxy opens its own, so it is kept
// to these few fields rather than a Flow.
type frontView struct {
	server  Endpoint
	connect bool   // its first request is a CONNECT
	target  string // and this is its target
}

// frontView is what the findings see of the connection a backend connection was opened for.
func (x *hop) frontView() *frontView {
	if x.front == nil {
		return nil
	}
	return x.front.view
}

// event hands a finding made at a packet to the findings.
func (l *links) event(f *Flow, ev event) { l.onEvent(f, ev) }

// endRequest hands a finished connection's latest request to the findings, once.
func (l *links) endRequest(f *Flow) {
	if f.http == nil || f.http.n == 0 || f.http.judged {
		return
	}
	f.http.judged = true
	l.event(f, evRequestEnd)
}
