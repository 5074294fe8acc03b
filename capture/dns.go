package capture

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// DNS limits: the names and the queries awaiting an answer that are remembered. A capture of a
// busy resolver holds far more; past these bounds new ones are not followed.
const (
	maxNames   = 1024
	maxPending = 4096
	// dnsTimeout is how long a query may wait before it counts as unanswered: resolvers retry
	// after 1 to 5 s.
	dnsTimeout = 2e9
)

// DNS response codes (RFC 1035 §4.1.1).
const (
	rcodeServFail = 2
	rcodeNXDomain = 3
)

// dnsTable follows the DNS lookups a capture holds, to tell a name that does not exist or whose
// resolver fails from one that resolves. A name that resolved once counts as resolving, and so
// do the names a resolver's search list made of it (backend.example.corp.internal when
// backend.example resolved): their NXDOMAIN answers are expected.
type dnsTable struct {
	names   map[string]*dnsName
	order   []string
	pending map[dnsQuery]pendingQuery
}

type dnsQuery struct {
	id   uint16
	name string
}

type pendingQuery struct {
	pkt, at int64
}

// dnsName is what happened to the lookups of one name.
type dnsName struct {
	resolved          bool
	nxPkt, nxAt       int64 // the first NXDOMAIN
	failPkt, failAt   int64 // the first SERVFAIL or unanswered query
	failWhy           string
	queries, failures int
}

func newDNSTable() *dnsTable {
	return &dnsTable{names: map[string]*dnsName{}, pending: map[dnsQuery]pendingQuery{}}
}

// packet takes one DNS message.
func (d *dnsTable) packet(p *Packet, s *Segment) {
	b := s.Payload
	if len(b) < 12 || binary.BigEndian.Uint16(b[4:]) == 0 {
		return
	}
	name, ok := questionName(b[12:])
	if !ok {
		return
	}
	q := dnsQuery{binary.BigEndian.Uint16(b), name}
	if b[2]&0x80 == 0 { // a query
		if _, seen := d.pending[q]; !seen && len(d.pending) < maxPending {
			d.pending[q] = pendingQuery{p.Number, p.Time}
		}
		if n := d.name(name); n != nil {
			n.queries++
		}
		return
	}
	delete(d.pending, q)
	n := d.name(name)
	if n == nil {
		return
	}
	switch b[3] & 0x0f {
	case rcodeNXDomain:
		if n.nxPkt == 0 {
			n.nxPkt, n.nxAt = p.Number, p.Time
		}
	case rcodeServFail:
		n.failures++
		if n.failPkt == 0 {
			n.failPkt, n.failAt, n.failWhy = p.Number, p.Time, "SERVFAIL"
		}
	case 0:
		if binary.BigEndian.Uint16(b[6:]) > 0 {
			n.resolved = true
		}
	}
}

func (d *dnsTable) name(name string) *dnsName {
	n := d.names[name]
	if n == nil && len(d.names) < maxNames {
		n = &dnsName{}
		d.names[name] = n
		d.order = append(d.order, name)
	}
	return n
}

// questionName reads the first question's name, lower case, without following compression (a
// question's name is written out).
func questionName(b []byte) (string, bool) {
	var sb strings.Builder
	for i := 0; i < len(b) && sb.Len() <= 255; {
		l := int(b[i])
		if l == 0 {
			return strings.ToLower(sb.String()), sb.Len() > 0
		}
		if l&0xc0 != 0 || i+1+l > len(b) {
			return "", false
		}
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.Write(b[i+1 : i+1+l])
		i += 1 + l
	}
	return "", false
}

// report emits, for each name that never resolved, that it does not exist or that its lookups
// failed. now is the capture's last time, to judge queries still waiting.
func (d *dnsTable) report(fs *findings, now int64) {
	for q, pq := range d.pending {
		if now-pq.at < dnsTimeout {
			continue
		}
		if n := d.names[q.name]; n != nil {
			n.failures++
			if n.failPkt == 0 || pq.pkt < n.failPkt {
				n.failPkt, n.failAt, n.failWhy = pq.pkt, pq.at, "no answer"
			}
		}
	}
	var resolved []string
	for _, name := range d.order {
		if d.names[name].resolved {
			resolved = append(resolved, name)
		}
	}
	searched := func(name string) bool {
		return slices.ContainsFunc(resolved, func(r string) bool { return strings.HasPrefix(name, r+".") })
	}
	for _, name := range d.order {
		n := d.names[name]
		switch {
		case n.resolved, searched(name):
		case fs.proxied == 0 && (n.nxPkt != 0 || n.failPkt != 0):
			// No proxy in the capture: these are the capturing host's own lookups, not a proxy
			// failing to resolve the backend it was asked for.
			pkt, at, why := n.nxPkt, n.nxAt, "NXDOMAIN"
			if pkt == 0 {
				pkt, at, why = n.failPkt, n.failAt, n.failWhy
			}
			fs.add("dns.client.failed", at, func() string {
				return fmt.Sprintf("lookups of %s failed: %s (%d queries, never resolved; no proxy in the capture)", name, why, n.queries)
			}, pkt)
		case n.nxPkt != 0:
			fs.add("dns.backend.nxdomain", n.nxAt, func() string {
				return fmt.Sprintf("the resolver answered NXDOMAIN for %s (%d queries, never resolved)", name, n.queries)
			}, n.nxPkt)
		case n.failPkt != 0:
			fs.add("dns.backend.timeout", n.failAt, func() string {
				return fmt.Sprintf("lookups of %s failed: %s (%d queries, never resolved)", name, n.failWhy, n.queries)
			}, n.failPkt)
		}
	}
}
