package capture

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/internal/termtext"
)

// Outcome says in a few words what the connection's HTTP and TLS came to, where the TCP state
// alone cannot: "CONNECT backend:443 → 403 ERR_ACCESS_DENIED", "GET /api → 503", "TLS alert
// protocol_version (server)", "ClientHello not acknowledged". It is empty for a connection that
// carried neither. It allocates; it is meant for the conversations listed, once each.
func (f *Flow) Outcome() string {
	var parts []string
	if h := f.http; h != nil {
		req := h.req
		if h.first.Method == "CONNECT" {
			req = h.first // a tunnel's later bytes are not requests
		}
		var b strings.Builder
		b.WriteString(req.Method)
		if req.Target != "" {
			// Redacted before it is cut: a cut could leave a password without the @ that marks it.
			b.WriteString(" " + clipTarget(termtext.Escape(diagnose.Redact(req.Target))))
		}
		switch {
		case h.resp.Status != 0:
			b.WriteString(" → " + strconv.Itoa(h.resp.Status))
			if code, _, _ := strings.Cut(h.resp.SquidError, " "); code != "" {
				b.WriteString(" " + code)
			}
		case h.tunnel:
			b.WriteString(" → tunnel")
		default:
			b.WriteString(" → no answer")
		}
		if h.n > 1 && req.Method != "CONNECT" {
			b.WriteString(" (" + strconv.Itoa(h.n) + " requests)")
		}
		parts = append(parts, b.String())
	}
	if t := f.tls; t != nil {
		switch {
		case t.alertPkt != 0:
			from := "client"
			if t.alertDir == toClient {
				from = "server"
			}
			parts = append(parts, "TLS alert "+AlertName(t.alert)+" ("+from+")")
		case t.shPkt != 0:
			parts = append(parts, VersionName(t.shVersion)+" handshake answered")
		case t.otherPkt != 0:
			parts = append(parts, "ClientHello answered with something else than TLS")
		case t.chAckPkt == 0:
			parts = append(parts, "ClientHello not acknowledged")
		default:
			parts = append(parts, "ClientHello acknowledged, never answered")
		}
	}
	return strings.Join(parts, " · ")
}

// clipTarget keeps a request target short enough for a list: its first 40 bytes.
func clipTarget(s string) string {
	if len(s) <= 40 {
		return s
	}
	i := 39
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
