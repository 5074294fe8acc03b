package capture

import "testing"

func TestSameAuthority(t *testing.T) {
	for _, c := range []struct {
		host, target string
		want         bool
	}{
		{"backend.example:443", "backend.example:443", true},
		{"backend.example", "backend.example:443", true},
		{"BACKEND.example:443", "backend.example:443", true},
		{"proxy.example:3128", "backend.example:443", false},
		{"127.0.0.1:36985", "127.0.0.1:35491", false},
		{"[::1]:36985", "[::1]:35491", false},
		{"[::1]:35491", "[::1]:35491", true},
		{"[::1]", "[::1]:35491", true},
	} {
		if got := sameAuthority(c.host, c.target); got != c.want {
			t.Errorf("sameAuthority(%q, %q) = %v", c.host, c.target, got)
		}
	}
}
