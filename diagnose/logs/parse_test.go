package logs

import (
	"bytes"
	"testing"
	"time"
)

func TestParseLines(t *testing.T) {
	tests := []struct {
		name      string
		format    Format
		line      string
		event     Event
		companion bool
		backend   string
		client    string
		status    int
		at        string
	}{
		{"apache22 refused", ApacheError, "[Mon Nov 21 10:00:00 2026] [error] [client 10.1.1.1] (111)Connection refused: proxy: HTTP: attempt to connect to 10.0.0.5:8080 (backend) failed",
			EventConnectRefused, false, "10.0.0.5:8080", "10.1.1.1", 0, "2026-11-21T10:00:00Z"},
		{"apache24 AH00957", ApacheError, "[Sat Nov 21 09:20:02.894876 2026] [proxy:error] [pid 10586:tid 10621] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:18099 (127.0.0.1:18099) failed",
			EventConnectRefused, false, "127.0.0.1:18099", "", 0, "2026-11-21T09:20:02.894876Z"},
		{"apache24 AH01114", ApacheError, "[Sat Nov 21 09:20:02.894943 2026] [proxy_http:error] [pid 10586:tid 10621] [client 127.0.0.1:54544] AH01114: HTTP: failed to make connection to backend: 127.0.0.1",
			EventConnectFailed, true, "127.0.0.1", "127.0.0.1", 0, ""},
		{"apache24 timeout connect", ApacheError, "[Sat Nov 21 09:20:02.894876 2026] [proxy:error] [pid 1:tid 2] (110)Connection timed out: AH00957: http: attempt to connect to 127.0.0.1:18099 (127.0.0.1:18099) failed",
			EventConnectTimeout, false, "127.0.0.1:18099", "", 0, ""},
		{"apache24 accept queue full", ApacheError, "[Sat Nov 21 09:20:02.894876 2026] [proxy:error] [pid 1:tid 2] (11)Resource temporarily unavailable: AH00957: http: attempt to connect to 127.0.0.1:18099 (127.0.0.1:18099) failed",
			EventConnectBusy, false, "127.0.0.1:18099", "", 0, ""},
		{"nginx unix socket full", NginxError, `2026/11/21 09:20:06 [error] 1#1: *1 connect() to unix:/run/php/php-fpm.sock failed (11: Resource temporarily unavailable) while connecting to upstream, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", upstream: "fastcgi://unix:/run/php/php-fpm.sock:", host: "x"`,
			EventConnectBusy, false, "unix:/run/php/php-fpm.sock", "127.0.0.1", 0, ""},
		{"apache24 no route", ApacheError, "[Sat Nov 21 09:20:02.894876 2026] [proxy:error] [pid 1:tid 2] (113)No route to host: AH00957: http: attempt to connect to 10.9.9.9:80 (10.9.9.9:80) failed",
			EventConnectUnreachable, false, "10.9.9.9:80", "", 0, ""},
		{"apache24 AH01084", ApacheError, "[Sat Nov 21 09:20:02.931691 2026] [proxy:error] [pid 10586:tid 10626] (104)Connection reset by peer: [client 127.0.0.1:54578] AH01084: pass request body failed to 127.0.0.1:18090 (127.0.0.1)",
			EventPassBodyReset, false, "127.0.0.1:18090", "127.0.0.1", 0, ""},
		{"apache24 AH01097", ApacheError, "[Sat Nov 21 09:20:02.931711 2026] [proxy_http:error] [pid 10586:tid 10626] [client 127.0.0.1:54578] AH01097: pass request body failed to 127.0.0.1:18090 (127.0.0.1) from 127.0.0.1 ()",
			EventPassBodyFailed, true, "127.0.0.1:18090", "127.0.0.1", 0, ""},
		{"apache24 body timeout", ApacheError, "[Sat Nov 21 09:20:02.931691 2026] [proxy:error] [pid 1:tid 2] (70007)The timeout specified has expired: [client 127.0.0.1:54578] AH01084: pass request body failed to 127.0.0.1:18090 (127.0.0.1)",
			EventPassBodyTimeout, false, "127.0.0.1:18090", "127.0.0.1", 0, ""},
		{"apache24 AH01102 timeout", ApacheError, "[Sat Nov 21 09:20:04.944962 2026] [proxy_http:error] [pid 10609:tid 10644] (70007)The timeout specified has expired: [client 127.0.0.1:54586] AH01102: error reading status line from remote server 127.0.0.1:18090",
			EventReadTimeout, false, "127.0.0.1:18090", "127.0.0.1", 0, ""},
		{"apache24 AH01102 reset", ApacheError, "[Sat Nov 21 09:20:06.967718 2026] [proxy_http:error] [pid 10586:tid 10636] (104)Connection reset by peer: [client 127.0.0.1:54600] AH01102: error reading status line from remote server 127.0.0.1:18090",
			EventStatusLine, false, "127.0.0.1:18090", "127.0.0.1", 0, ""},
		{"apache24 AH01102 IPv6", ApacheError, "[Sat Nov 21 09:54:13.530332 2026] [proxy_http:error] [pid 22314:tid 22317] (20014)Internal error (specific information not available): [client 127.0.0.1:58236] AH01102: error reading status line from remote server ::1:9000",
			EventStatusLine, false, "[::1]:9000", "127.0.0.1", 0, ""},
		{"apache22 status line IPv6", ApacheError, "[Mon Nov 21 10:00:00 2026] [error] [client 10.1.1.1] (104)Connection reset by peer: proxy: error reading status line from remote server fd00::5:8080",
			EventStatusLine, false, "[fd00::5]:8080", "10.1.1.1", 0, ""},
		{"apache24 AH00957 IPv6", ApacheError, "[Sat Nov 21 09:52:39.005373 2026] [proxy:error] [pid 12670:tid 12702] (111)Connection refused: AH00957: http: attempt to connect to [::1]:9000 (::1:9000) failed",
			EventConnectRefused, false, "[::1]:9000", "", 0, ""},
		{"apache24 AH01114 IPv6", ApacheError, "[Sat Nov 21 09:52:39.005431 2026] [proxy_http:error] [pid 12670:tid 12702] [client 127.0.0.1:36582] AH01114: HTTP: failed to make connection to backend: ::1",
			EventConnectFailed, true, "::1", "127.0.0.1", 0, ""},
		{"apache24 IPv6 client", ApacheError, "[Sat Nov 21 09:54:13.530332 2026] [proxy_http:error] [pid 22314:tid 22317] (20014)Internal error (specific information not available): [client ::1:58236] AH01102: error reading status line from remote server ::1:9000",
			EventStatusLine, false, "[::1]:9000", "::1", 0, ""},
		{"apache22 IPv6 client", ApacheError, "[Mon Nov 21 10:00:00 2026] [error] [client ::1] (111)Connection refused: proxy: HTTP: attempt to connect to [::1]:8080 (backend) failed",
			EventConnectRefused, false, "[::1]:8080", "::1", 0, ""},
		{"apache24 AH00898", ApacheError, "[Sat Nov 21 09:20:06.967746 2026] [proxy:error] [pid 10586:tid 10636] [client 127.0.0.1:54600] AH00898: Error reading from remote server returned by /close",
			EventStatusLine, true, "", "127.0.0.1", 0, ""},
		{"apache24 AH00940", ApacheError, "[Sat Nov 21 09:20:06.967746 2026] [proxy:error] [pid 1:tid 2] AH00940: HTTP: disabled connection for (127.0.0.1:18099)",
			EventWorkerDisabled, false, "127.0.0.1:18099", "", 0, ""},
		{"apache notice", ApacheError, "[Sat Nov 21 09:20:01.887694 2026] [mpm_event:notice] [pid 10584:tid 10584] AH00489: Apache/2.4.71 (Debian) configured -- resuming normal operations",
			EventNone, false, "", "", 0, ""},
		{"nginx refused", NginxError, `2026/11/21 09:20:06 [error] 10523#10523: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: , request: "GET /down/x HTTP/1.1", upstream: "http://127.0.0.1:18099/x", host: "127.0.0.1:18082"`,
			EventConnectRefused, false, "127.0.0.1:18099", "127.0.0.1", 0, "2026-11-21T09:20:06Z"},
		{"nginx connect timeout", NginxError, `2026/11/21 09:20:06 [error] 1#1: *1 upstream timed out (110: Connection timed out) while connecting to upstream, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:18099/", host: "x"`,
			EventConnectTimeout, false, "127.0.0.1:18099", "127.0.0.1", 0, ""},
		{"nginx read timeout", NginxError, `2026/11/21 09:20:09 [error] 10523#10523: *10 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 127.0.0.1, server: , request: "POST /stall HTTP/1.1", upstream: "http://127.0.0.1:18090/stall", host: "127.0.0.1:18082"`,
			EventReadTimeout, false, "127.0.0.1:18090", "127.0.0.1", 0, ""},
		{"nginx premature", NginxError, `2026/11/21 09:20:09 [error] 1#1: *10 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:18090/", host: "x"`,
			EventStatusLine, false, "127.0.0.1:18090", "127.0.0.1", 0, ""},
		{"nginx reset after a body", NginxError, `2026/11/21 10:09:31 [error] 18719#18719: *4 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 127.0.0.1, server: , request: "POST /upload/1 HTTP/1.1", upstream: "http://127.0.0.1:9000/upload/1", host: "127.0.0.1:8080"`,
			EventPassBodyReset, false, "127.0.0.1:9000", "127.0.0.1", 0, ""},
		{"nginx reset without a body", NginxError, `2026/11/21 10:09:31 [error] 18719#18719: *4 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 127.0.0.1, server: , request: "GET /x HTTP/1.1", upstream: "http://127.0.0.1:9000/x", host: "127.0.0.1:8080"`,
			EventStatusLine, false, "127.0.0.1:9000", "127.0.0.1", 0, ""},
		{"nginx TLS timeout", NginxError, `2026/11/21 09:20:13 [error] 10523#10523: *16 upstream timed out (110: Connection timed out) while SSL handshaking to upstream, client: 127.0.0.1, server: , request: "GET /tls/x HTTP/1.1", upstream: "https://127.0.0.1:18090/x", host: "127.0.0.1:18082"`,
			EventTLSTimeout, false, "127.0.0.1:18090", "127.0.0.1", 0, ""},
		{"nginx TLS failed", NginxError, `2026/11/21 09:20:13 [crit] 1#1: *16 SSL_do_handshake() failed (SSL: error:0A00042E:SSL routines::tlsv1 alert protocol version:SSL alert number 70) while SSL handshaking to upstream, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", upstream: "https://127.0.0.1:8443/", host: "x"`,
			EventTLSFailed, false, "127.0.0.1:8443", "127.0.0.1", 0, ""},
		{"nginx body reset", NginxError, `2026/11/21 09:20:13 [error] 1#1: *16 writev() failed (104: Connection reset by peer) while sending request to upstream, client: 127.0.0.1, server: , request: "POST /up HTTP/1.1", upstream: "http://127.0.0.1:8080/up", host: "x"`,
			EventPassBodyReset, false, "127.0.0.1:8080", "127.0.0.1", 0, ""},
		{"nginx body timeout", NginxError, `2026/11/21 09:20:13 [error] 1#1: *16 upstream timed out (110: Connection timed out) while sending request to upstream, client: 127.0.0.1, server: , request: "POST /up HTTP/1.1", upstream: "http://127.0.0.1:8080/up", host: "x"`,
			EventPassBodyTimeout, false, "127.0.0.1:8080", "127.0.0.1", 0, ""},
		{"combined", Access, `127.0.0.1 - - [21/Nov/2026:09:20:02 +0100] "GET /down/x?a=1 HTTP/1.1" 503 339 "-" "curl/7.88.1"`,
			EventRequest, false, "", "127.0.0.1", 503, "2026-11-21T08:20:02Z"},
		{"common", Access, `127.0.0.1 - frank [21/Nov/2026:09:20:02 +0000] "GET / HTTP/1.0" 200 -`,
			EventRequest, false, "", "127.0.0.1", 200, ""},
		{"vhost combined", Access, `www.example:443 10.0.0.1 - - [21/Nov/2026:09:20:02 +0000] "GET / HTTP/1.1" 502 10 "-" "x"`,
			EventRequest, false, "", "10.0.0.1", 502, ""},
		{"squid denied", SquidAccess, "1795252826.278      0 127.0.0.1 TCP_DENIED/403 3413 CONNECT blocked.test:443 - HIER_NONE/- text/html",
			EventRequest, false, "blocked.test:443", "127.0.0.1", 403, ""},
		{"mp handshake", MPSystem, "2026-11-21 10:00:55,221 org:acme env:prod api:orders rev:3 messageid:rrt-1 NIOThread@1 ERROR HTTP.CLIENT - HTTPClient$Context.handshakeTimeout() : SSLClientChannel[Connected: Remote:10.1.1.1:443 Local:10.2.2.2:51234]@739028 useCount=1 bytesRead=0 bytesWritten=0 age=55221ms lastIO=55221ms isOpen=true handshake timeout",
			EventMPHandshakeTimeout, false, "10.1.1.1:443", "", 0, "2026-11-21T10:00:55.221Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newParser(tt.format, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var r Record
			r.reset(1, []byte(tt.line))
			if !p.parse([]byte(tt.line), &r) {
				t.Fatalf("line not read as %s", tt.format)
			}
			if r.Event != tt.event || r.Companion != tt.companion {
				t.Errorf("event %v companion %v, want %v %v", r.Event, r.Companion, tt.event, tt.companion)
			}
			if string(r.Backend) != tt.backend || string(r.Client) != tt.client || r.Status != tt.status {
				t.Errorf("backend %q client %q status %d, want %q %q %d", r.Backend, r.Client, r.Status, tt.backend, tt.client, tt.status)
			}
			if tt.at != "" {
				want, _ := time.Parse(time.RFC3339Nano, tt.at)
				if !r.Time.Equal(want) {
					t.Errorf("time %v, want %v", r.Time, want)
				}
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for _, f := range []Format{ApacheError, NginxError, Access, SquidAccess, MPSystem} {
		p, _ := newParser(f, Options{})
		for _, line := range []string{"", "garbage", "[", "[x] [y]", `1.2.3.4 - - [99/Xyz/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1`, "1795252826.278 x"} {
			var r Record
			r.reset(1, []byte(line))
			if p.parse([]byte(line), &r) {
				t.Errorf("%s read %q", f, line)
			}
		}
	}
}

// TestApacheTimeCached reads stamps one after the other, as a log gives them, through the
// parser's caches and checks each against a plain parse of the whole stamp: a cached second must
// never lend its time to a stamp of another second, year or form.
func TestApacheTimeCached(t *testing.T) {
	stamps := []string{
		"Sat Nov 21 09:20:02.894876 2026",
		"Sat Nov 21 09:20:02.000001 2026",
		"Sat Nov 21 09:20:02.999999 2026",
		"Sat Nov 21 09:20:03.000000 2026",
		"Sat Nov 21 09:20:03.000000 2027",
		"Sat Nov 21 09:20:03.00000x 2027",
		"Sat Nov 21 09:20:03.12 2027",
		"Sat Nov 21 09:20:03.123456789 2027",
		"Sun Nov 21 09:20:03.123456 2027",
		"Sun Nov 22 09:20:03.123456 2027",
		"Sun Dec 22 09:20:03.123456 2027",
		"Sun Dec 22 10:20:03.123456 2027",
		"Sun Dec 22 10:20:03 2027",
		"Sun Dec 22 10:20:03.123456 2027",
		"Sun Dec 22 10:20:03.123456 2027 ",
		"Sun Dec 22 10:21:03.123456 2027",
		"Sun Dec  2 10:21:03.123456 2027",
	}
	var p apacheError
	for _, s := range stamps {
		got, gotOK := p.time([]byte(s))
		want, wantOK := parseApacheErrorTime([]byte(s))
		if gotOK != wantOK || !got.Equal(want) || got != want {
			t.Errorf("%q: %v %v, want %v %v", s, got, gotOK, want, wantOK)
		}
	}
}

// TestSubIsTimeSub checks sub against time.Time.Sub on times near and far apart, either way
// round, with and without fractions, up to Sub's saturation.
func TestSubIsTimeSub(t *testing.T) {
	base := time.Date(2026, 11, 21, 9, 20, 2, 894876000, time.UTC)
	times := []time.Time{{}, base, base.Add(1), base.Add(-999999999), base.Add(time.Hour), base.Add(-55 * time.Second),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		base.Add(9e9 * time.Second / 10 * 10), time.Unix(9e9, 0).UTC(), time.Unix(-9e9+1, 5).UTC(), time.Unix(9e9-1, 999999999).UTC()}
	for _, a := range times {
		for _, b := range times {
			if got, want := sub(a, b), a.Sub(b); got != want {
				t.Errorf("sub(%v, %v) = %v, want %v", a, b, got, want)
			}
		}
	}
}

// TestShortcutsAgreeWithSearches checks the one-pass request split and the AH00957 target
// lookup against the plain searches they stand for.
func TestShortcutsAgreeWithSearches(t *testing.T) {
	splitRef := func(req []byte) (method, path []byte) {
		method, rest := field(req)
		path, _ = field(rest)
		if i := bytes.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		return method, path
	}
	for _, req := range []string{"GET /a?b HTTP/1.1", " GET  /a?b HTTP/1.1", "GET /a", "GET", "", "GET ?x", "GET /a b?c", "GET  /p?q?r x", "GET /x?", "POST /up HTTP/1.1 ", "GET  ", "a b"} {
		m, p := splitRequest([]byte(req))
		wm, wp := splitRef([]byte(req))
		if string(m) != string(wm) || string(p) != string(wp) {
			t.Errorf("splitRequest(%q) = %q %q, want %q %q", req, m, p, wm, wp)
		}
	}
	var rc reasonCache
	for _, reason := range []string{"Connection refused", "Connection refused", "Connection timed out", "", "Connection refused", "No route to host", "No route to host", "", "Resource temporarily unavailable", "x", "Connection refused" + string(make([]byte, 40)), "Connection refused"} {
		if got, want := rc.connect([]byte(reason)), connectEvent([]byte(reason)); got != want {
			t.Errorf("reason %q: %v, want %v", reason, got, want)
		}
	}
	targetRef := func(m []byte) []byte {
		b, ok := after(m, "attempt to connect to ")
		if !ok {
			return nil
		}
		return upTo(b, " ")
	}
	for _, m := range []string{
		"AH00957: http: attempt to connect to 10.0.0.1:8080 (10.0.0.5:8080) failed",
		"AH00957: HTTP: attempt to connect to [::1]:9000 ([::1]) failed",
		"AH00957: attempt to connect to 10.0.0.1:8080 (x) failed",
		"AH00957: ht tp: attempt to connect to a:1 failed",
		"AH00957: http:attempt to connect to a:1 failed",
		"AH00957: http: attempt to connect to ",
		"AH00957: http: attempt to connect to",
		"AH00957: http: tried; attempt to connect to b:2 failed",
		"AH00957: attempt to connect to: attempt to connect to c:3",
		"AH00957: http: attempt to connect to d:4 (attempt to connect to e:5) failed",
		"AH00957: ",
		"AH00957:",
		"proxy: HTTP: attempt to connect to 10.0.0.5:8080 (backend) failed",
	} {
		if got, want := connectTarget([]byte(m)), targetRef([]byte(m)); string(got) != string(want) || (got == nil) != (want == nil) {
			t.Errorf("connectTarget(%q) = %q, want %q", m, got, want)
		}
	}
}
