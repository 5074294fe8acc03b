package text

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// The lab's recording of Privoxy refusing the CONNECTs whose Host names the proxy and tunnelling
// those naming the target: its log alone gives one attempt per CONNECT on the hop to each target,
// refused and accepted ones told apart by Host.
func TestPrivoxyLogCONNECTsAreAttempts(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "testdata", "mixed", "tunnel.forbidden.host-header.mixed", "privoxy.log")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var atts []diagnose.Attempt
	if _, err := ReadAttempts(kb, "privoxy.log", f, func(diagnose.Evidence) {}, func(a diagnose.Attempt) { atts = append(atts, a) }); err != nil {
		t.Fatal(err)
	}
	count := map[string][2]int{}
	for _, a := range atts {
		c := count[a.Hop.String()]
		if a.Failed {
			c[0]++
			if a.Features.HostNamesTarget || a.Failure != "proxy.connect.status.403" || a.Phase != diagnose.PhaseConnect {
				t.Errorf("refused CONNECT %+v: want Host naming the proxy, 403, connect phase", a)
			}
		} else {
			c[1]++
			if !a.Features.HostNamesTarget {
				t.Errorf("accepted CONNECT %+v: want Host naming the target", a)
			}
		}
		if a.At.IsZero() {
			t.Errorf("attempt at line %d has no time", a.Packet)
		}
		count[a.Hop.String()] = c
	}
	want := map[string][2]int{"forward-proxy privoxy → 127.0.0.1:40009": {3, 3}, "forward-proxy privoxy → [::1]:40009": {3, 3}}
	if len(count) != len(want) {
		t.Fatalf("hops %v, want %v", count, want)
	}
	for h, c := range want {
		if count[h] != c {
			t.Errorf("%s: %v refused/accepted, want %v", h, count[h], c)
		}
	}
}

// tinyproxy's refusal of a CONNECT port is a refused attempt on the hop to its target.
func TestTinyproxyRefusedCONNECT(t *testing.T) {
	var got []diagnose.Attempt
	p := proxyLog{sink: func(a diagnose.Attempt) { got = append(got, a) }, name: "tinyproxy.log"}
	for i, s := range []string{
		"CONNECT   Nov 21 10:27:03.616 [11753]: Request (file descriptor 5): CONNECT 127.0.0.1:40237 HTTP/1.1",
		"INFO      Nov 21 10:27:03.616 [11753]: Refused CONNECT method on port 40237",
		"CONNECT   Nov 21 10:27:04.616 [11753]: Request (file descriptor 5): CONNECT 127.0.0.1:443 HTTP/1.1",
	} {
		p.read(s, int64(i+1))
	}
	p.flush()
	if len(got) != 2 || !got[0].Failed || got[0].Hop.Target != "127.0.0.1:40237" || got[0].Hop.Server != "tinyproxy" || got[1].Failed ||
		got[0].At.Month() != 11 || got[0].At.Second() != 3 {
		t.Errorf("attempts %+v", got)
	}
}
