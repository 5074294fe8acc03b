package analyze

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/internal/testenv"
)

// publicCapturesDir finds the public captures: ../shared beside the repository first, then the
// shared folder of the machine the project is developed on.
func publicCapturesDir(t *testing.T) string {
	for _, dir := range []string{filepath.Join("..", "..", "shared", "public-captures"), "/work/shared/public-captures"} {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
	}
	testenv.Missing(t, "the public captures (../shared/public-captures beside the repository)")
	return ""
}

// publicCapture is what one public capture really shows, read with tshark, and what hopscope must
// make of it.
type publicCapture struct {
	// shows says in words what is in the capture.
	shows string
	// verdict is "failing", "healthy", or "" when the capture holds no TCP connection at all.
	verdict string
	// phase, for a failing capture, is the phase the worst hop's attempts failed in.
	phase diagnose.Phase
	// causes lists the causes allowed to lead; a capture whose failure is of the kinds hopscope
	// diagnoses may rank one of them above 0.5, every other capture stays at or below 0.5.
	causes []string
	// signal, when set, must be among the evidence.
	signal string
}

var publicCaptures = map[string]publicCapture{
	"cap01.pcap":   {shows: "a TLS 1.2 ClientHello answered with a fatal handshake_failure alert", verdict: "failing", phase: diagnose.PhaseTLS, causes: []string{"tls.handshake-failure"}},
	"cap02.pcap":   {shows: "a full handshake asking for a client certificate, ended by the server's fatal handshake_failure alert", verdict: "failing", phase: diagnose.PhaseTLS, causes: []string{"tls.handshake-failure"}},
	"cap03.pcap":   {shows: "two ClientHellos each answered with a fatal protocol_version alert", verdict: "failing", phase: diagnose.PhaseTLS, causes: []string{"tls.handshake-failure"}},
	"cap04.pcap":   {shows: "two ClientHellos each answered with a fatal protocol_version alert", verdict: "failing", phase: diagnose.PhaseTLS, causes: []string{"tls.handshake-failure"}},
	"cap05.pcap":   {shows: "a ClientHello answered with seven bytes that are no TLS record, then FIN", verdict: "failing", phase: diagnose.PhaseTLS, causes: []string{"tls.handshake-failure"}},
	"cap06.pcapng": {shows: "one SYN answered with RST: a refused connect", verdict: "failing", phase: diagnose.PhaseTCP, causes: []string{"backend.tcp-unreachable", "backend.down"}},
	"cap07.pcapng": {shows: "a SYN sent three times, refused with RST each time", verdict: "failing", phase: diagnose.PhaseTCP, causes: []string{"backend.tcp-unreachable", "backend.down"}},
	"cap08.pcapng": {shows: "a name resolved, then SYNs to its address never answered", verdict: "failing", phase: diagnose.PhaseTCP, causes: []string{"backend.tcp-unreachable", "network.path"}},
	"cap09.pcap":   {shows: "an established transfer whose segment is retransmitted five times with backoff and never acknowledged", verdict: "failing", phase: diagnose.PhaseRequest, signal: "tcp.data.unacked"},
	"cap10.pcapng": {shows: "web browsing over plain HTTP, with nine connects to a TEST-NET address that go unanswered", verdict: "failing", phase: diagnose.PhaseTCP},
	"cap11.pcap":   {shows: "a healthy TLS session", verdict: "healthy"},
	"cap12.pcap":   {shows: "a healthy TLS handshake", verdict: "healthy"},
	"cap13.pcap":   {shows: "a healthy TLS session on port 9090", verdict: "healthy"},
	"cap14.pcap":   {shows: "a healthy TLS session whose ServerHello follows a warning-level unrecognized_name alert", verdict: "healthy"},
	"cap15.pcap":   {shows: "a DNS lookup and a healthy TLS session", verdict: "healthy"},
	"cap16.pcap":   {shows: "a CONNECT tunnel answered 200 and the TLS session through it", verdict: "healthy"},
	"cap17.pcap":   {shows: "a CONNECT tunnel to an SMTP server answered 200", verdict: "healthy"},
	"cap18.pcap":   {shows: "a CONNECT tunnel answered 200 and the TLS session through it", verdict: "healthy"},
	"cap19.pcap":   {shows: "a CONNECT tunnel answered 200 and the TLS session through it", verdict: "healthy"},
	"cap20.pcap":   {shows: "a plain HTTP GET answered 200", verdict: "healthy"},
	"cap21.pcap":   {shows: "plain HTTP form POSTs answered 200", verdict: "healthy"},
	"cap22.pcap":   {shows: "a POST with 100 Continue answered 200", verdict: "healthy"},
	"cap23.pcap":   {shows: "a web page and its images over one keep-alive connection", verdict: "healthy"},
	"cap24.pcap":   {shows: "plain HTTP GETs answered 200", verdict: "healthy"},
	"cap25.pcapng": {shows: "a form POST answered 302 and the page after it", verdict: "healthy"},
	"cap26.pcap":   {shows: "a ClientHello sent to port 80, answered at once with HTTP 400", verdict: "failing", phase: diagnose.PhaseTLS, signal: "tls.answered.plain-http"},
	"cap27.pcap":   {shows: "a ClientHello sent to Python's http.server, answered with an HTML error page", verdict: "failing", phase: diagnose.PhaseTLS, signal: "tls.answered.plain-http"},
	"cap28.pcap":   {shows: "browsing a web server, with malformed CONNECT requests for /", verdict: "healthy"},
	"cap29.pcap":   {shows: "a plain HTTP GET answered 403", verdict: "healthy"},
	"cap30.pcap":   {shows: "a plain HTTP HEAD answered 500 by the application", verdict: "healthy"},
	"cap31.pcapng": {shows: "a download whose receiver keeps its window shut, the sender probing", verdict: "healthy"},
	"cap32.pcapng": {shows: "a client's own DNS queries to two resolvers, none answered; no TCP, no proxy", verdict: ""},
	"cap33.pcap":   {shows: "a single SYN, the capture ends", verdict: "healthy"},
	"cap34.pcap":   {shows: "a GET split in four segments, the server resets", verdict: "healthy"},
	"cap35.pcap":   {shows: "a SYN answered after one retransmission, then a GET answered 200", verdict: "healthy"},
}

// Every public capture is read, and none that shows no failure of the kinds hopscope diagnoses
// gets a cause above 0.5.
func TestPublicCaptures(t *testing.T) {
	dir := publicCapturesDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, e := range entries {
		name := e.Name()
		if filepath.Ext(name) != ".pcap" && filepath.Ext(name) != ".pcapng" {
			continue
		}
		seen = append(seen, name)
		want, ok := publicCaptures[name]
		if !ok {
			t.Errorf("%s: not described in the test", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			s, inputs, err := Run(context.Background(), kb(t), []string{filepath.Join(dir, name)}, nil, Options{})
			if err != nil {
				t.Fatalf("%s (%s): %v", name, want.shows, err)
			}
			if len(inputs) != 1 || inputs[0].Packets == 0 {
				t.Fatalf("%s: inputs %+v, want one capture with packets", name, inputs)
			}
			r := s.Report(inputs)
			if r.Verdict != want.verdict {
				t.Errorf("%s (%s): verdict %q, want %q", name, want.shows, r.Verdict, want.verdict)
			}
			if want.phase != "" && (len(r.Hops) == 0 || r.Hops[0].Phases[want.phase] == 0) {
				t.Errorf("%s (%s): worst hop %+v, want failures in phase %s", name, want.shows, firstHop(r), want.phase)
			}
			top := r.Causes[0]
			if top.Confidence > 0.5 && !slices.Contains(want.causes, top.ID) {
				t.Errorf("%s (%s): %s at %.2f, want no cause above 0.5", name, want.shows, top.ID, top.Confidence)
			}
			if len(want.causes) > 0 && !slices.Contains(want.causes, top.ID) {
				t.Errorf("%s (%s): %s leads, want one of %v", name, want.shows, top.ID, want.causes)
			}
			if want.signal != "" && !slices.ContainsFunc(r.Evidence, func(e diagnose.ReportEvidence) bool { return e.Signal == want.signal }) {
				t.Errorf("%s (%s): no %s among the evidence", name, want.shows, want.signal)
			}
		})
	}
	if len(seen) != len(publicCaptures) {
		t.Errorf("read %d captures, the test describes %d", len(seen), len(publicCaptures))
	}
}

func firstHop(r diagnose.Report) any {
	if len(r.Hops) == 0 {
		return nil
	}
	return r.Hops[0]
}
