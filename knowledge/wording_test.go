package knowledge

import (
	"strings"
	"testing"
)

// A signal's title is shown as the reason a cause moved, whichever proxy the evidence came from:
// the same proxy.* signal is read from squid, tinyproxy and Privoxy, so no title names one of
// them (the evidence's detail says which proxy answered what).
func TestSignalTitlesNameNoForwardProxy(t *testing.T) {
	kb, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range kb.Signals {
		low := strings.ToLower(s.Title)
		for _, product := range []string{"squid", "tinyproxy", "privoxy"} {
			if strings.Contains(low, product) {
				t.Errorf("signal %s: its title names %s: %q", s.ID, product, s.Title)
			}
		}
	}
}
