package text

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/hopscope/hopscope/diagnose"
)

// tunnels follows the CONNECT exchanges of a verbose transcript (curl -v, a proxy's trace, the
// lab's client output): which name each request's Host header gave and what the proxy answered.
// What no single line says, the comparison does: a proxy that refuses only the CONNECTs whose
// Host names the proxy, and accepts the same CONNECT with the target's Host, refuses by Host.
type tunnels struct {
	target, host string // of the CONNECT being read; "" outside one
	line         int64  // of its request line
	// first line of each kind of outcome: [names proxy][refused]
	seen [2][2]int64
}

// connectLine and the others are the transcript lines tunnels reads, with curl's "> " and "< ".
func requestLine(s string) (target string, ok bool) {
	s = strings.TrimSpace(strings.TrimPrefix(s, ">"))
	rest, ok := strings.CutPrefix(s, "CONNECT ")
	if !ok {
		return "", false
	}
	target, proto, _ := strings.Cut(rest, " ")
	return target, strings.HasPrefix(proto, "HTTP/1.")
}

func (t *tunnels) read(s string, n int64) {
	if target, ok := requestLine(s); ok {
		t.target, t.host, t.line = target, "", n
		return
	}
	if t.target == "" {
		return
	}
	if h, ok := strings.CutPrefix(strings.TrimSpace(strings.TrimPrefix(s, ">")), "Host:"); ok && strings.HasPrefix(s, ">") {
		t.host = strings.TrimSpace(h)
		return
	}
	st, ok := strings.CutPrefix(strings.TrimSpace(strings.TrimPrefix(s, "<")), "HTTP/1.")
	if !ok || len(st) < 5 || st[1] != ' ' {
		return
	}
	code, err := strconv.Atoi(st[2:5])
	if err != nil {
		return
	}
	if t.host != "" {
		proxy := 0
		if !sameAuthority(t.host, t.target) {
			proxy = 1
		}
		refused := 0
		if code >= 400 {
			refused = 1
		}
		if t.seen[proxy][refused] == 0 {
			t.seen[proxy][refused] = t.line
		}
	}
	t.target = ""
}

// emit reports what the CONNECTs' Host headers named and, when both kinds were sent, whether the
// proxy answered them differently.
func (t *tunnels) emit(name string, emit func(diagnose.Evidence)) {
	ev := func(sig string, line int64, why string) {
		emit(diagnose.Evidence{Signal: sig, Source: fmt.Sprintf("%s:%d", name, line), Kind: diagnose.FromText, Detail: why, Path: name, Line: int(line)})
	}
	first := func(kind int) int64 {
		a, b := t.seen[kind][0], t.seen[kind][1]
		if a == 0 || (b != 0 && b < a) {
			return b
		}
		return a
	}
	if l := first(1); l != 0 {
		ev("proxy.host-header.names-proxy", l, "a CONNECT was sent with a Host header that is not its target (the proxy's name)")
	}
	if l := first(0); l != 0 {
		ev("proxy.host-header.names-target", l, "a CONNECT was sent with its target in the Host header")
	}
	switch {
	case t.seen[1][1] != 0 && t.seen[0][0] != 0 && t.seen[1][0] == 0 && t.seen[0][1] == 0:
		ev("proxy.host-header.only-proxy-name-refused", t.seen[1][1], "the proxy refused the CONNECTs whose Host named the proxy and accepted those whose Host named the target")
	case t.seen[1][1] != 0 && t.seen[0][1] != 0 && t.seen[1][0] == 0 && t.seen[0][0] == 0:
		ev("proxy.host-header.no-difference", t.seen[0][1], "the proxy refused the CONNECT whichever name its Host header gave")
	}
}

// sameAuthority reports whether a Host header names the CONNECT target: the same host and, when
// both give one, the same port.
func sameAuthority(host, target string) bool {
	hh, hp := splitAuthority(host)
	th, tp := splitAuthority(target)
	return strings.EqualFold(hh, th) && (hp == "" || tp == "" || hp == tp)
}

func splitAuthority(s string) (host, port string) {
	if h, p, err := net.SplitHostPort(s); err == nil {
		return h, p
	}
	return strings.Trim(s, "[]"), ""
}
