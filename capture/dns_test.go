package capture

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/hopscope/hopscope/capture/internal/synth"
	"github.com/hopscope/hopscope/diagnose"
)

func TestDNS(t *testing.T) {
	resolver := netip.MustParseAddrPort("127.0.0.53:53")
	client := netip.MustParseAddrPort("127.0.0.1:40000")
	type lookup struct {
		name    string
		rcode   byte
		answers uint16
		noReply bool
	}
	for _, c := range []struct {
		name    string
		lookups []lookup
		// proxied puts a refused CONNECT to a proxy in the capture: the lookups are then the
		// proxy's, for the backend it was asked for; without one they are the client's own.
		proxied bool
		want    string // the signal, or "" for none
		detail  string
	}{
		{"nxdomain", []lookup{{"backend.lab.invalid", 3, 0, false}}, true, "dns.backend.nxdomain", "backend.lab.invalid"},
		{"servfail", []lookup{{"backend.example", 2, 0, false}}, true, "dns.backend.timeout", "SERVFAIL"},
		{"silent", []lookup{{"backend.example", 0, 0, true}}, true, "dns.backend.timeout", "no answer"},
		{"resolves", []lookup{{"backend.example", 0, 1, false}}, false, "", ""},
		{"search list", []lookup{{"backend.example.corp.internal", 3, 0, false}, {"backend.example", 0, 1, false}}, false, "", ""},
		{"own nxdomain", []lookup{{"backend.lab.invalid", 3, 0, false}}, false, "dns.client.failed", "NXDOMAIN"},
		{"own silent", []lookup{{"backend.example", 0, 0, true}}, false, "dns.client.failed", "no answer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, _ := synth.NewWriter(&buf, layers.LinkTypeEthernet, false)
			at := t0
			if c.proxied {
				conn := w.NewConn(at, netip.MustParseAddrPort("127.0.0.1:41000"), netip.MustParseAddrPort("127.0.0.1:3128"))
				conn.Handshake(0, ms)
				conn.Data(2*ms, true, []byte("CONNECT backend.example:443 HTTP/1.1\r\nHost: backend.example:443\r\n\r\n"))
				conn.Data(30*ms, false, []byte("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"))
				conn.FIN(31*ms, false)
				conn.FIN(32*ms, true)
			}
			for i, l := range c.lookups {
				w.UDP(at, client, resolver, synth.DNS(uint16(i+1), l.name, false, 0, 0))
				if !l.noReply {
					w.UDP(at.Add(ms), resolver, client, synth.DNS(uint16(i+1), l.name, true, l.rcode, l.answers))
				}
				at = at.Add(10 * ms)
			}
			// Time passes, so that a query without an answer counts as unanswered.
			w.UDP(at.Add(5*time.Second), client, netip.MustParseAddrPort("127.0.0.1:9"), []byte("x"))
			_, evs := analyzeBytes(t, buf.Bytes())
			evs = slices.DeleteFunc(evs, func(ev diagnose.Evidence) bool { return !strings.HasPrefix(ev.Signal, "dns.") })
			got := signals(evs)
			if c.want == "" {
				if len(got) != 0 {
					t.Errorf("findings %v, want none", got)
				}
				return
			}
			if !slices.Equal(got, []string{c.want}) || !strings.Contains(evs[0].Detail, c.detail) {
				t.Errorf("findings %v (%q), want %s about %s", got, evs[0].Detail, c.want, c.detail)
			}
		})
	}
}

// FuzzDNS feeds arbitrary messages to the DNS reader.
func FuzzDNS(f *testing.F) {
	f.Add(synth.DNS(1, "backend.example", true, 3, 0))
	f.Add(synth.DNS(1, "a", false, 0, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := newDNSTable()
		s := Segment{Payload: b}
		d.packet(&Packet{Number: 1}, &s)
		if name, ok := questionName(b[min(len(b), 12):]); ok && len(name) > 300 {
			t.Fatalf("name of %d bytes", len(name))
		}
	})
}
