package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hopscope/hopscope/diagnose/probe"
	"github.com/hopscope/hopscope/internal/termtext"
)

// waterfallWidth is the width of the bars, in cells.
const waterfallWidth = 40

// writeCheckText prints what the checks found for a person: the waterfall, then each check.
func writeCheckText(out io.Writer, r *probe.Result) {
	// A peer's status line, headers and body start are quoted as they came: escape what a
	// terminal would obey.
	tw := termtext.NewWriter(out)
	defer tw.Flush()
	w := io.Writer(tw)
	fmt.Fprintf(w, "check %s", r.Target)
	if r.Proxy != "" {
		fmt.Fprintf(w, " through %s", r.Proxy)
	}
	fmt.Fprintln(w)
	writeWaterfall(w, r.Waterfall)
	if r.DNS != nil {
		fmt.Fprintf(w, "\nDNS %s: %s", r.DNS.Host, r.DNS.Outcome)
		for i, a := range r.DNS.Addrs {
			fmt.Fprintf(w, "%s %s", sep(i, " →", ","), a)
		}
		if r.DNS.Err != "" {
			fmt.Fprintf(w, " (%s)", r.DNS.Err)
		}
		fmt.Fprintln(w)
	}
	if r.TCP != nil {
		writeTCP(w, "TCP", r.TCP)
	}
	if r.Connect != nil {
		writeConnect(w, r.Connect)
	}
	if r.TLS != nil {
		writeTLS(w, r.TLS)
	}
	if r.HTTP != nil {
		writeHTTP(w, r.HTTP)
	}
	if b := r.Body; b != nil {
		fmt.Fprintf(w, "\nBody upload: %s — %s of %s sent in %s", b.Outcome, probe.FormatSize(b.Sent), probe.FormatSize(b.Size), dur(b.Took))
		if b.Status > 0 {
			fmt.Fprintf(w, ", answered %d", b.Status)
		}
		if b.Err != "" {
			fmt.Fprintf(w, " (%s)", b.Err)
		}
		fmt.Fprintln(w)
		if b.TCP != nil {
			fmt.Fprintf(w, "  kernel: the backend's window is %d bytes, %d bytes wait to be sent, %d segments unacknowledged\n",
				b.TCP.SendWindow, b.TCP.NotSent, b.TCP.Unacked)
		}
	}
	if k := r.Keepalive; k != nil {
		fmt.Fprintf(w, "\nKeep-alive reuse after %s idle: %s", k.Idle, k.Outcome)
		if k.ServerKeepAlive != "" {
			fmt.Fprintf(w, " (server Keep-Alive: %s)", k.ServerKeepAlive)
		}
		if k.ClosedWhileIdle {
			fmt.Fprint(w, "; the server had closed the connection while it was idle")
		}
		if k.Err != "" {
			fmt.Fprintf(w, "; %s", k.Err)
		}
		fmt.Fprintln(w)
	}
}

// writeWaterfall draws each phase as a bar placed on one time axis, up to the phase that failed.
func writeWaterfall(w io.Writer, phases []probe.Phase) {
	if len(phases) == 0 {
		return
	}
	total := phases[len(phases)-1].End()
	for _, p := range phases {
		total = max(total, p.End())
	}
	fmt.Fprintf(w, "\n%-14s %10s %10s  %-*s\n", "phase", "start", "took", waterfallWidth, "")
	for _, p := range phases {
		from, to := cell(p.Start, total), cell(p.End(), total)
		if to == from {
			to = from + 1
		}
		mark := "█"
		if !p.OK {
			mark = "░"
		}
		bar := strings.Repeat(" ", from) + strings.Repeat(mark, to-from)
		status := "ok"
		if !p.OK {
			status = "FAILED"
		}
		fmt.Fprintf(w, "%-14s %10s %10s  %-*s  %s %s\n", p.Name, dur(p.Start), dur(p.Took), waterfallWidth, bar, status, p.Note)
	}
}

func cell(d, total time.Duration) int {
	if total <= 0 {
		return 0
	}
	c := int(int64(d) * waterfallWidth / int64(total))
	return min(max(c, 0), waterfallWidth-1)
}

func writeTCP(w io.Writer, title string, r *probe.TCPResult) {
	fmt.Fprintf(w, "\n%s:\n", title)
	for i, a := range r.Attempts {
		kept := ""
		if i == r.Used {
			kept = " (used)"
		}
		fmt.Fprintf(w, "  %s %s in %s", a.Remote, a.Outcome, dur(a.Took))
		if a.Local != "" {
			fmt.Fprintf(w, " from %s", a.Local)
		}
		if a.Err != "" {
			fmt.Fprintf(w, " (%s)", a.Err)
		}
		fmt.Fprintln(w, kept)
	}
	if r.Skipped > 0 {
		fmt.Fprintf(w, "  %d more addresses not tried\n", r.Skipped)
	}
}

func writeConnect(w io.Writer, r *probe.ConnectResult) {
	if r.DNS != nil && r.DNS.Outcome != probe.DNSLiteral {
		fmt.Fprintf(w, "\nProxy name %s: %s %s\n", r.DNS.Host, r.DNS.Outcome, r.DNS.Err)
	}
	if r.TCP != nil {
		writeTCP(w, "Proxy "+r.Proxy, r.TCP)
	}
	for i, a := range r.Attempts {
		fmt.Fprintf(w, "\nCONNECT %s with Host: %s (%s): ", r.Target, a.HostHeader, hostIs(a.HostIs))
		if i > 0 && sameAnswer(&r.Attempts[0], &a) {
			fmt.Fprintf(w, "%s in %s, the same answer as above\n", a.StatusLine, dur(a.Took))
			continue
		}
		if a.Outcome == probe.ProxyAnswered {
			fmt.Fprintf(w, "%s in %s\n", a.StatusLine, dur(a.Took))
		} else {
			fmt.Fprintf(w, "%s after %s (%s)\n", a.Outcome, dur(a.Took), a.Err)
		}
		for _, l := range strings.Split(strings.TrimRight(a.Request, "\r\n"), "\r\n") {
			fmt.Fprintf(w, "  > %s\n", l)
		}
		if a.StatusLine != "" {
			fmt.Fprintf(w, "  < %s\n", a.StatusLine)
		}
		for _, h := range a.Headers {
			fmt.Fprintf(w, "  < %s\n", h)
		}
		if a.BodyStart != "" {
			fmt.Fprintf(w, "  < (body) %s\n", oneLineText(a.BodyStart, 160))
		}
		if a.Reason != "" {
			fmt.Fprintf(w, "  the proxy says: %s (%s)\n", a.Reason, a.Said)
		}
	}
	if r.Compared != "" {
		fmt.Fprintf(w, "  Host header comparison: %s\n", r.Compared)
	}
}

// sameAnswer reports whether two CONNECTs got the same answer, headers aside from the date.
func sameAnswer(a, b *probe.ProxyAttempt) bool {
	if a.Outcome != b.Outcome || a.StatusLine != b.StatusLine || a.Reason != b.Reason || len(a.Headers) != len(b.Headers) {
		return false
	}
	for i := range a.Headers {
		if a.Headers[i] != b.Headers[i] && !strings.HasPrefix(a.Headers[i], "Date:") {
			return false
		}
	}
	return a.BodyStart == b.BodyStart
}

func writeTLS(w io.Writer, r *probe.TLSResult) {
	fmt.Fprintf(w, "\nTLS (SNI %q, offered %s): %s in %s", r.SNI, r.Offered, r.Outcome, dur(r.Took))
	switch {
	case r.Version != "":
		fmt.Fprintf(w, " — %s, %s", r.Version, r.Cipher)
		if r.ALPN != "" {
			fmt.Fprintf(w, ", ALPN %s", r.ALPN)
		}
	case r.Alert != "":
		fmt.Fprintf(w, " — alert %s", r.Alert)
	case r.FirstBytes != "":
		fmt.Fprintf(w, " — the server sent %q", r.FirstBytes)
	case r.Outcome == probe.TLSIncomplete:
		fmt.Fprintf(w, " — the server answered too slowly: handshake incomplete after %d bytes", r.Received)
	case r.Outcome == probe.TLSOversized:
		fmt.Fprintf(w, " — the server sent more than a TLS client accepts (%d bytes received)", r.Received)
	}
	fmt.Fprintln(w)
	if r.ClientHelloAcked != nil {
		if *r.ClientHelloAcked {
			fmt.Fprintln(w, "  the backend's TCP stack acknowledged the ClientHello; the server never answered it")
		} else {
			fmt.Fprintf(w, "  the ClientHello was never acknowledged (%d retransmissions): dropped on the path\n", r.TCP.Retransmits)
		}
	}
	for i, c := range r.Chain {
		fmt.Fprintf(w, "  cert %d: %s (issuer %s), valid %s to %s", i, c.Subject, c.Issuer, c.NotBefore.Format("2006-01-02"), c.NotAfter.Format("2006-01-02"))
		if len(c.Names) > 0 {
			fmt.Fprintf(w, ", names %s", strings.Join(c.Names, " "))
		}
		fmt.Fprintln(w)
	}
	if r.Version != "" {
		if r.Verified {
			fmt.Fprintln(w, "  certificate verifies")
		} else {
			fmt.Fprintf(w, "  certificate does NOT verify: %s\n", r.VerifyErr)
		}
	}
	if r.Err != "" && r.Outcome != probe.TLSOK {
		fmt.Fprintf(w, "  error: %s\n", r.Err)
	}
}

func writeHTTP(w io.Writer, r *probe.HTTPResult) {
	fmt.Fprintf(w, "\nHTTP: ")
	if r.Outcome != probe.HTTPAnswered {
		fmt.Fprintf(w, "%s (%s)\n", r.Outcome, r.Err)
		return
	}
	fmt.Fprintf(w, "%s, first byte after %s\n", r.StatusLine, dur(r.FirstByte))
	for _, h := range r.Headers {
		fmt.Fprintf(w, "  < %s\n", h)
	}
	if r.Fault != nil {
		fmt.Fprintf(w, "  gateway fault %s: %s\n", r.Fault.Code, r.Fault.String)
	}
	if r.BodyStart != "" && r.Status >= 400 {
		fmt.Fprintf(w, "  < (body) %s\n", oneLineText(r.BodyStart, 160))
	}
}

// oneLineText folds text onto one line and cuts it to n bytes.
func oneLineText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// dur writes a duration in milliseconds, as timings are compared.
func dur(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func sep(i int, first, rest string) string {
	if i == 0 {
		return first
	}
	return rest
}

// hostIs says whose name a CONNECT's Host header carried.
func hostIs(who string) string {
	if who == probe.HostIsGiven {
		return "the name given with --connect-host"
	}
	return "the " + who + "'s name"
}
