package synth

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"
)

// step is one packet of a scripted connection; at is the capture time offset from the mix start.
type step func(c *Conn, at time.Duration)

// script is a connection's packets in order.
type script struct {
	c     *Conn
	steps []step
}

// Mix writes an interleaving of many kinds of connections until the output reaches size bytes:
// web requests on keep-alive connections, TLS handshakes and tunnels, uploads, refused and
// timed-out connects, handshakes that stall or end in an alert, with some retransmissions. It is
// deterministic for a given seed.
type Mix struct {
	W *Writer
	// Concurrent is how many connections are open at once.
	Concurrent int
	// Gap is the capture time between packets.
	Gap time.Duration
	// Short selects the shape of many short connections (see shortScript) over the default mix
	// of longer ones.
	Short bool
	rng   *rand.Rand
	port  uint16
	hello []byte
	bulk  []byte
	large []byte // one loopback-sized segment
}

// NewMix prepares a mix writing to w.
func NewMix(w *Writer, seed uint64) *Mix {
	bulk := make([]byte, 1448)
	for i := range bulk {
		bulk[i] = byte('a' + i%26)
	}
	large := make([]byte, 32000)
	for i := range large {
		large[i] = byte('A' + i%26)
	}
	return &Mix{W: w, Concurrent: 64, Gap: 20 * time.Microsecond, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		port: 20000, hello: ClientHello("backend.example"), bulk: bulk, large: large}
}

// Run writes connections until written() reports at least size bytes, returning the packets
// written.
func (m *Mix) Run(start time.Time, size int64, written func() int64) error {
	active := make([]*script, 0, m.Concurrent)
	at := time.Duration(0)
	for written() < size || len(active) > 0 {
		for len(active) < m.Concurrent && written() < size {
			active = append(active, m.newScript(start))
		}
		i := m.rng.IntN(len(active))
		s := active[i]
		s.steps[0](s.c, at)
		if s.c.Err != nil {
			return s.c.Err
		}
		s.steps = s.steps[1:]
		if len(s.steps) == 0 {
			active[i] = active[len(active)-1]
			active = active[:len(active)-1]
		}
		at += m.Gap
	}
	return nil
}

var (
	client  = netip.MustParseAddr("10.1.0.10")
	proxyIP = netip.MustParseAddr("10.1.0.20")
	servers = []netip.Addr{netip.MustParseAddr("10.2.0.1"), netip.MustParseAddr("10.2.0.2"), netip.MustParseAddr("10.2.0.3")}
)

func (m *Mix) newScript(start time.Time) *script {
	if m.Short {
		return m.shortScript(start)
	}
	m.port++
	if m.port < 20000 {
		m.port = 20000
	}
	srv := servers[m.rng.IntN(len(servers))]
	k := m.rng.IntN(100)
	var (
		dst netip.AddrPort
		ss  []step
	)
	switch {
	case k < 45: // web requests on a keep-alive connection
		dst = netip.AddrPortFrom(srv, 80)
		ss = m.handshake()
		for range 1 + m.rng.IntN(4) {
			ss = append(ss, m.data(true, []byte(fmt.Sprintf("GET /item/%d HTTP/1.1\r\nHost: backend.example\r\n\r\n", m.rng.IntN(1e6)))))
			ss = append(ss, m.ack(false))
			ss = append(ss, m.data(false, []byte("HTTP/1.1 200 OK\r\nContent-Length: 40000\r\n\r\n")))
			ss = append(ss, m.bulkData(false, 1+m.rng.IntN(30))...)
		}
		ss = append(ss, m.close()...)
	case k < 70: // TLS handshake and application data
		dst = netip.AddrPortFrom(srv, 443)
		ss = m.handshake()
		ss = append(ss, m.data(true, m.hello), m.data(false, ServerHello()), m.data(true, []byte{23, 3, 3, 0, 1, 0}))
		ss = append(ss, m.bulkData(false, 1+m.rng.IntN(40))...)
		ss = append(ss, m.close()...)
	case k < 80: // upload
		dst = netip.AddrPortFrom(srv, 8080)
		n := 20 + m.rng.IntN(100)
		ss = m.handshake()
		ss = append(ss, m.data(true, []byte(fmt.Sprintf("POST /upload HTTP/1.1\r\nHost: backend.example\r\nContent-Length: %d\r\n\r\n", n*1448))))
		ss = append(ss, m.bulkData(true, n)...)
		ss = append(ss, m.data(false, []byte("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")))
		ss = append(ss, m.close()...)
	case k < 88: // CONNECT tunnel through a proxy
		dst = netip.AddrPortFrom(proxyIP, 3128)
		ss = m.handshake()
		ss = append(ss, m.data(true, []byte("CONNECT backend.example:443 HTTP/1.1\r\nHost: backend.example:443\r\n\r\n")))
		if m.rng.IntN(10) == 0 {
			ss = append(ss, m.data(false, []byte("HTTP/1.1 403 Forbidden\r\nX-Squid-Error: ERR_ACCESS_DENIED 0\r\n\r\n")))
		} else {
			ss = append(ss, m.data(false, []byte("HTTP/1.1 200 Connection established\r\n\r\n")))
			ss = append(ss, m.data(true, m.hello), m.data(false, ServerHello()))
			ss = append(ss, m.bulkData(false, 1+m.rng.IntN(20))...)
		}
		ss = append(ss, m.close()...)
	case k < 93: // refused
		dst = netip.AddrPortFrom(srv, 9000)
		ss = []step{func(c *Conn, at time.Duration) { c.SYN(at, false) }, func(c *Conn, at time.Duration) { c.RST(at, false) }}
	case k < 96: // unanswered SYNs
		dst = netip.AddrPortFrom(srv, 9001)
		ss = []step{func(c *Conn, at time.Duration) { c.SYN(at, false) }}
		for range 2 {
			ss = append(ss, func(c *Conn, at time.Duration) { c.SYN(at, true) })
		}
	default: // a ClientHello retransmitted and never answered
		dst = netip.AddrPortFrom(srv, 8443)
		ss = m.handshake()
		ss = append(ss, m.data(true, m.hello))
		for range 3 {
			ss = append(ss, func(c *Conn, at time.Duration) { c.Resend(at, true, m.hello) })
		}
		ss = append(ss, func(c *Conn, at time.Duration) { c.FIN(at, true) })
	}
	return &script{c: m.W.NewConn(start, netip.AddrPortFrom(client, m.port), dst), steps: ss}
}

func (m *Mix) handshake() []step {
	return []step{
		func(c *Conn, at time.Duration) { c.SYN(at, false) },
		func(c *Conn, at time.Duration) { c.SYNACK(at) },
		func(c *Conn, at time.Duration) { c.ACK(at, true) },
	}
}

func (m *Mix) data(fromClient bool, b []byte) step {
	return func(c *Conn, at time.Duration) { c.Data(at, fromClient, b) }
}

func (m *Mix) ack(fromClient bool) step {
	return func(c *Conn, at time.Duration) { c.ACK(at, fromClient) }
}

// bulkData is n full segments with an ACK every second one, and a retransmission now and then.
func (m *Mix) bulkData(fromClient bool, n int) []step {
	var ss []step
	for i := range n {
		ss = append(ss, m.data(fromClient, m.bulk))
		if m.rng.IntN(200) == 0 {
			ss = append(ss, func(c *Conn, at time.Duration) { c.Resend(at, fromClient, m.bulk) })
		}
		if i%2 == 1 {
			ss = append(ss, m.ack(!fromClient))
		}
	}
	return ss
}

func (m *Mix) close() []step {
	return []step{
		func(c *Conn, at time.Duration) { c.FIN(at, true) },
		func(c *Conn, at time.Duration) { c.FIN(at, false) },
		func(c *Conn, at time.Duration) { c.ACK(at, true) },
	}
}
