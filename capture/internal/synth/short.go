package synth

import (
	"fmt"
	"net/netip"
	"time"
)

// shortScript is a connection in the shape Short selects of a busy gateway seen on loopback: many short connections
// (most carry one request), small answers and a few large loopback segments, and the failures a
// proxy hop meets mixed in: CONNECT answered 200, 403 or 407, refused connects, uploads cut by a
// reset, TLS handshakes the server acknowledges and never answers.
func (m *Mix) shortScript(start time.Time) *script {
	m.port++
	if m.port < 20000 {
		m.port = 20000
	}
	cl := shortClients[int(m.port)%len(shortClients)]
	srv := servers[m.rng.IntN(len(servers))]
	k := m.rng.IntN(100)
	var (
		dst netip.AddrPort
		ss  []step
	)
	switch {
	case k < 34: // one or two small requests, then close
		dst = netip.AddrPortFrom(srv, 80)
		ss = m.handshake()
		for range 1 + m.rng.IntN(2) {
			ss = append(ss, m.data(true, []byte(fmt.Sprintf("GET /api/v1/item/%d HTTP/1.1\r\nHost: backend.example\r\nUser-Agent: gateway\r\n\r\n", m.rng.IntN(1e6)))))
			ss = append(ss, m.ack(false))
			ss = append(ss, m.data(false, []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1800\r\n\r\n")))
			ss = append(ss, m.data(false, m.large[:1800-m.rng.IntN(100)]), m.ack(true))
		}
		ss = append(ss, m.close()...)
	case k < 58: // HTTPS: handshake, a request, an answer in one large loopback segment
		dst = netip.AddrPortFrom(srv, 443)
		ss = m.handshake()
		ss = append(ss, m.data(true, m.hello), m.ack(false), m.data(false, ServerHello()), m.data(true, []byte{23, 3, 3, 0, 1, 0}))
		ss = append(ss, m.data(false, m.large[:4096+m.rng.IntN(len(m.large)-4096)]), m.ack(true))
		ss = append(ss, m.close()...)
	case k < 74: // CONNECT through the proxy, mostly 200 with a TLS handshake inside
		dst = netip.AddrPortFrom(proxyIP, 3128)
		ss = m.handshake()
		ss = append(ss, m.data(true, []byte("CONNECT backend.example:443 HTTP/1.1\r\nHost: backend.example:443\r\n\r\n")), m.ack(false))
		switch r := m.rng.IntN(20); {
		case r == 0:
			ss = append(ss, m.data(false, []byte("HTTP/1.1 403 Forbidden\r\nX-Squid-Error: ERR_ACCESS_DENIED 0\r\nContent-Length: 0\r\n\r\n")))
		case r == 1:
			ss = append(ss, m.data(false, []byte("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"proxy\"\r\nX-Squid-Error: ERR_CACHE_ACCESS_DENIED 0\r\nContent-Length: 0\r\n\r\n")))
		default:
			ss = append(ss, m.data(false, []byte("HTTP/1.1 200 Connection established\r\n\r\n")))
			ss = append(ss, m.data(true, m.hello), m.data(false, ServerHello()), m.data(true, []byte{23, 3, 3, 0, 1, 0}))
			ss = append(ss, m.data(false, m.large[:2048+m.rng.IntN(8192)]), m.ack(true))
		}
		ss = append(ss, m.close()...)
	case k < 82: // keep-alive connection with several requests
		dst = netip.AddrPortFrom(srv, 8080)
		ss = m.handshake()
		for range 3 + m.rng.IntN(4) {
			ss = append(ss, m.data(true, []byte(fmt.Sprintf("GET /static/%d.css HTTP/1.1\r\nHost: backend.example\r\n\r\n", m.rng.IntN(1000)))))
			ss = append(ss, m.data(false, []byte("HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n")), m.data(false, m.large[:900]), m.ack(true))
		}
		ss = append(ss, m.close()...)
	case k < 86: // upload cut short by the backend's reset
		dst = netip.AddrPortFrom(srv, 9000)
		n := 4 + m.rng.IntN(8)
		ss = m.handshake()
		ss = append(ss, m.data(true, []byte(fmt.Sprintf("POST /upload HTTP/1.1\r\nHost: backend.example\r\nContent-Length: %d\r\n\r\n", 64*1448))))
		ss = append(ss, m.bulkData(true, n)...)
		ss = append(ss, func(c *Conn, at time.Duration) { c.RST(at, false) })
	case k < 93: // refused
		dst = netip.AddrPortFrom(srv, 9001)
		ss = []step{func(c *Conn, at time.Duration) { c.SYN(at, false) }, func(c *Conn, at time.Duration) { c.RST(at, false) }}
	case k < 96: // the server acknowledges the ClientHello and never answers
		dst = netip.AddrPortFrom(srv, 8443)
		ss = m.handshake()
		ss = append(ss, m.data(true, m.hello), m.ack(false), func(c *Conn, at time.Duration) { c.FIN(at, true) }, m.ack(false))
	default: // a plain request answered with a 502 from the backend's proxy
		dst = netip.AddrPortFrom(srv, 80)
		ss = m.handshake()
		ss = append(ss, m.data(true, []byte("GET /orders HTTP/1.1\r\nHost: backend.example\r\n\r\n")))
		ss = append(ss, m.data(false, []byte("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")))
		ss = append(ss, m.close()...)
	}
	c := m.W.NewConn(start, netip.AddrPortFrom(cl, m.port), dst)
	// Random initial sequence numbers, as real stacks choose them: a port used again later opens
	// a new connection instead of looking like the old one's retransmitted SYN.
	c.cseq, c.sseq = m.rng.Uint32(), m.rng.Uint32()
	return &script{c: c, steps: ss}
}

// shortClients are the hosts opening connections in the short shape: a few gateway nodes.
var shortClients = []netip.Addr{
	netip.MustParseAddr("10.1.0.10"), netip.MustParseAddr("10.1.0.11"),
	netip.MustParseAddr("10.1.0.12"), netip.MustParseAddr("10.1.0.13"),
}
