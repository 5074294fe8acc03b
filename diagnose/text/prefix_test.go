package text

import "testing"

func TestStripPrefix(t *testing.T) {
	cases := []struct{ in, want string }{
		{"< HTTP/1.1 403 Forbidden", "< HTTP/1.1 403 Forbidden"},
		{"2026-11-21T10:00:03.120Z [info] gw: < HTTP/1.1 403 Forbidden", "< HTTP/1.1 403 Forbidden"},
		{"Nov 21 10:00:03 lb1 haproxy[22]: 10.0.0.1:5 x", "lb1 haproxy[22]: 10.0.0.1:5 x"},
		{"2026/11/21 10:00:03 kid1| ERROR: Connection to 10.0.0.5 failed", "Connection to 10.0.0.5 failed"},
		{"ERROR HTTP/1.1 502 Bad Gateway", "HTTP/1.1 502 Bad Gateway"},
		{"", ""},
	}
	for _, tc := range cases {
		if got := stripPrefix(tc.in); got != tc.want {
			t.Errorf("stripPrefix(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func BenchmarkStripPrefix(b *testing.B) {
	b.ReportAllocs()
	for range b.N {
		stripPrefix("2026-11-21T10:00:03.120Z [info] gateway: < HTTP/1.1 403 Forbidden")
	}
}
