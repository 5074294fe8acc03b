package ledger

import "testing"

func TestClipSource(t *testing.T) {
	cases := []struct {
		in   string
		w    int
		want string
	}{
		{"any.pcapng#7", 14, "any.pcapng#7"},
		{"any-v6.pcapng#115", 11, "any-v6…#115"},
		{"any.pcapng#115", 11, "any.pc…#115"},
		{"apache-error.log:41", 14, "apache-err…:41"},
		{"check connect-host-header", 12, "…host-header"},
		{"x#123456789", 5, "…6789"},
		{"abc", 0, ""},
	}
	for _, tc := range cases {
		if got := clipSource(tc.in, tc.w); got != tc.want {
			t.Errorf("clipSource(%q, %d) = %q, want %q", tc.in, tc.w, got, tc.want)
		}
	}
}
