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
		want    string // the signal, or "" for none
		detail  string
	}{
		{"nxdomain", []lookup{{"backend.lab.invalid", 3, 0, false}}, "dns.backend.nxdomain", "backend.lab.invalid"},
		{"servfail", []lookup{{"backend.example", 2, 0, false}}, "dns.backend.timeout", "SERVFAIL"},
		{"silent", []lookup{{"backend.example", 0, 0, true}}, "dns.backend.timeout", "no answer"},
		{"resolves", []lookup{{"backend.example", 0, 1, false}}, "", ""},
		{"search list", []lookup{{"backend.example.corp.internal", 3, 0, false}, {"backend.example", 0, 1, false}}, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, _ := synth.NewWriter(&buf, layers.LinkTypeEthernet, false)
			at := t0
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
