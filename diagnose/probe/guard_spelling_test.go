package probe

import (
	"errors"
	"net/netip"
	"testing"
)

// TestGuardSpellings: other spellings of an address (IPv4-mapped IPv6, the decimal, hex and
// short forms inet_aton reads, brackets, a zone on IPv4), case and a trailing dot on a name, and
// ports out of range, sent to a proxy that would resolve them itself.
func TestGuardSpellings(t *testing.T) {
	l, err := ParseAllowList("10.0.0.0/8,backend.internal:443")
	if err != nil {
		t.Fatal(err)
	}
	tunnel := []struct {
		host  string
		port  int
		allow bool
	}{
		{"10.0.0.1", 443, true},
		{"::ffff:10.0.0.1", 443, true}, // the same address, as the proxy will reach it
		{"::ffff:127.0.0.1", 443, false},
		{"2130706433", 443, false},
		{"0x7f.1", 443, false},
		{"0x7f000001", 443, false},
		{"127.1", 443, false},
		{"017700000001", 443, false},
		{"[10.0.0.1]", 443, false},
		{"10.0.0.1%eth0", 443, false},
		{"BACKEND.Internal.", 443, true},
		{"backend.internal", 8443, false},
		{"backend.internal", 0, false},
		{"backend.internal", 65536, false},
		{"10.0.0.1", 0, false},
		{"10.0.0.1", 65536, false},
		{"backend.internal\r\nHost: 127.0.0.1", 443, false},
		{"backend.internal.evil", 443, false},
	}
	for _, tc := range tunnel {
		err := l.AllowTunnel(tc.host, tc.port)
		if tc.allow && err != nil {
			t.Errorf("AllowTunnel(%q, %d) refused: %v", tc.host, tc.port, err)
		}
		if !tc.allow && !errors.Is(err, ErrNotAllowed) {
			t.Errorf("AllowTunnel(%q, %d) = %v, want a refusal", tc.host, tc.port, err)
		}
	}
	// Looked up here, a numeric spelling gives an address that is asked of AllowDial.
	lo := netip.MustParseAddrPort("127.0.0.1:443")
	for _, h := range []string{"2130706433", "0x7f.1", "127.1"} {
		if err := l.AllowDial(h, lo); !errors.Is(err, ErrNotAllowed) {
			t.Errorf("AllowDial(%q, %s) = %v, want a refusal", h, lo, err)
		}
	}
	if err := l.AllowDial("::ffff:127.0.0.1", netip.MustParseAddrPort("[::ffff:127.0.0.1]:443")); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("a mapped loopback address was allowed: %v", err)
	}
	if err := l.AllowDial("x", netip.MustParseAddrPort("[::ffff:10.0.0.9]:80")); err != nil {
		t.Errorf("a mapped address inside 10.0.0.0/8 was refused: %v", err)
	}
	// A list entry that is an address in another spelling is not taken for a host name: a
	// proxy or the resolver would read it as that address.
	for _, e := range []string{"2130706433", "0x7f.1", "127.1", "0177.0.0.1:443"} {
		if _, err := ParseAllowList(e); err == nil {
			t.Errorf("ParseAllowList(%q) took it for a host name", e)
		}
	}
}
