package capture

import (
	"time"

	"github.com/hopscope/hopscope/capture/internal/synth"
)

// patternScenarios are incidents whose cause shows only over many requests through a reverse proxy.
var patternScenarios = []scenario{
	{
		name: "backend-down-every-time",
		build: func(w *synth.Writer, h hosts) {
			for i := range 4 {
				proxied(w, h, i, "GET /api", refuse)
			}
		},
		want:  []string{"tcp.connect.refused", "http.reverse-proxy.seen", "log.pattern.all-failing"},
		not:   []string{"tcp.connect.ok", "log.pattern.clustered"},
		cause: "backend.down",
	},
	{
		name: "backend-overloaded",
		build: func(w *synth.Writer, h hosts) {
			outcomes := []backendOutcome{serve, serve, drop, drop, drop, serve, serve, serve, drop, drop, serve, serve}
			for i, o := range outcomes {
				proxied(w, h, i, "GET /api", o)
			}
		},
		want:  []string{"log.pattern.clustered", "tcp.connect.timeout", "tcp.connect.ok"},
		not:   []string{"log.pattern.all-failing", "log.pattern.sporadic"},
		cause: "backend.overloaded",
	},
	{
		name: "sporadic-failure",
		build: func(w *synth.Writer, h hosts) {
			for i := range 14 {
				o := serve
				if i == 7 {
					o = drop
				}
				proxied(w, h, i, "GET /api", o)
			}
		},
		want:  []string{"log.pattern.sporadic"},
		not:   []string{"log.pattern.all-failing", "log.pattern.clustered"},
		cause: "network.sporadic",
	},
	{
		name: "request-pattern",
		build: func(w *synth.Writer, h hosts) {
			for i := range 8 {
				if i%3 == 2 {
					proxied(w, h, i, "GET /report", fail500)
				} else {
					proxied(w, h, i, "GET /api", serve)
				}
			}
		},
		want:  []string{"log.pattern.request-correlated"},
		not:   []string{"log.pattern.all-failing"},
		cause: "request.pattern",
	},
}

// backendOutcome is how a proxied request's backend connection goes.
type backendOutcome int

const (
	serve   backendOutcome = iota // connects and answers 200
	refuse                        // the backend refuses the connection
	drop                          // the backend's SYNs go unanswered
	fail500                       // connects and answers 500
)

// proxied writes one request through a reverse proxy: the client's connection to the proxy, the
// proxy's connection to the backend, and the answer the client gets, starting at i seconds.
func proxied(w *synth.Writer, h hosts, i int, request string, o backendOutcome) {
	start := t0.Add(time.Duration(i) * time.Second)
	front := w.NewConn(start, ap(h.client, uint16(41000+i)), ap(h.proxy, 8080))
	front.Handshake(0, ms)
	front.Data(2*ms, true, []byte(request+" HTTP/1.1\r\nHost: app.example\r\n\r\n"))
	back := w.NewConn(start.Add(3*ms), ap(h.proxy, uint16(51000+i)), ap(h.backend, 9000))
	status := "200 OK"
	var end time.Duration
	switch o {
	case serve, fail500:
		back.Handshake(0, ms)
		back.Data(2*ms, true, []byte(request+" HTTP/1.1\r\nHost: app.example\r\n\r\n"))
		if o == fail500 {
			status = "500 Internal Server Error"
		}
		back.Data(4*ms, false, []byte("HTTP/1.1 "+status+"\r\nContent-Length: 0\r\n\r\n"))
		back.FIN(5*ms, true)
		back.FIN(6*ms, false)
		end = 10 * ms
	case refuse:
		back.SYN(0, false)
		back.RST(ms, false)
		status, end = "503 Service Unavailable", 5*ms
	case drop:
		back.SYN(0, false)
		back.SYN(300*ms, true)
		status, end = "503 Service Unavailable", 700*ms
	}
	front.Data(end, false, []byte("HTTP/1.1 "+status+"\r\nContent-Length: 0\r\n\r\n"))
	front.FIN(end+ms, true)
	front.FIN(end+2*ms, false)
}
