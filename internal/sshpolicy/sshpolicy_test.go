package sshpolicy

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

func newPub(t *testing.T) gossh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func line(opts string, k gossh.PublicKey) string {
	s := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k)))
	if opts != "" {
		s = opts + " " + s
	}
	return s + "\n"
}

func TestAuthorize(t *testing.T) {
	a, b, c := newPub(t), newPub(t), newPub(t)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	data := "# team keys\n\nnot a key at all\n" +
		line(`from="10.0.0.0/8,!10.9.0.0/16"`, a) +
		line(`expiry-time="20260601"`, a) + // expired: a's first line refuses, none other lets it in from outside 10/8
		line(`no-pty,expiry-time="202606011300Z"`, b) +
		line(`cert-authority,principals="x"`, c) +
		line("", c)
	keys, warnings := ParseAuthorizedKeys([]byte(data))
	if len(keys) != 5 {
		t.Fatalf("%d keys read, want 5 (the malformed line skipped, the others kept)", len(keys))
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "line 3") || !strings.Contains(warnings[1], "line 7") {
		t.Errorf("warnings: %q", warnings)
	}
	addr := func(s string) net.Addr { return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s)) }
	for _, tt := range []struct {
		key    gossh.PublicKey
		from   string
		ok     bool
		noPTY  bool
		reason string
	}{
		{a, "10.1.2.3:5000", true, false, ""},
		{a, "10.9.1.1:5000", false, false, "not in from="},
		{a, "192.0.2.1:5000", false, false, "not in from="},
		{b, "192.0.2.1:5000", true, true, ""},
		{c, "192.0.2.1:5000", true, false, ""}, // the plain line of c, after its refused cert-authority line
		{newPub(t), "10.1.2.3:5000", false, false, "not in authorized_keys"},
	} {
		d := Authorize(keys, tt.key, addr(tt.from), now)
		if d.OK != tt.ok || d.NoPTY != tt.noPTY || !strings.Contains(d.Reason, tt.reason) {
			t.Errorf("from %s: %+v, want ok %v no-pty %v reason %q", tt.from, d, tt.ok, tt.noPTY, tt.reason)
		}
	}
	if d := Authorize(keys, b, addr("192.0.2.1:1"), now.Add(2*time.Hour)); d.OK || !strings.Contains(d.Reason, "expired") {
		t.Errorf("b after its expiry: %+v", d)
	}
}

func TestClampPty(t *testing.T) {
	p := gossh.Marshal(struct {
		Term                 string
		Cols, Rows, Wpx, Hpx uint32
		Modes                string
	}{"xterm", 4000, 4000, 1 << 30, 7, "\x00"})
	out, asked, kept, ok := ClampPtyRequest(p)
	if !ok || asked != (Window{4000, 4000}) || kept != (Window{MaxColumns, MaxRows}) {
		t.Fatalf("asked %v kept %v ok %v", asked, kept, ok)
	}
	if got := binary.BigEndian.Uint32(out[4+5:]); got != MaxColumns {
		t.Errorf("payload columns %d", got)
	}
	if string(p[4:9]) != "xterm" || len(out) != len(p) {
		t.Errorf("the payload's other fields changed")
	}
	for _, bad := range [][]byte{nil, {0, 0, 0, 9, 'x'}, {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}} {
		if _, _, _, ok := ClampPtyRequest(bad); ok {
			t.Errorf("%v read as a pty request", bad)
		}
	}
	w := make([]byte, 16)
	binary.BigEndian.PutUint32(w, 120)
	binary.BigEndian.PutUint32(w[4:], 40)
	if _, asked, kept, ok := ClampWindowChange(w); !ok || asked != kept {
		t.Errorf("a size within bounds changed: %v → %v", asked, kept)
	}
	if _, _, _, ok := ClampWindowChange(w[:15]); ok {
		t.Error("a short window-change was read")
	}
}

func TestSlots(t *testing.T) {
	s := NewSlots(Limits{Total: 3, PerKey: 2, PerConn: 1})
	r1, err := s.Acquire("a", 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Acquire("a", 1); err == nil || !strings.Contains(err.Error(), "connection") {
		t.Errorf("a second session on one connection: %v", err)
	}
	if _, err := s.Acquire("a", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Acquire("a", 3); err == nil || !strings.Contains(err.Error(), "per-key") {
		t.Errorf("a third session of one key: %v", err)
	}
	if _, err := s.Acquire("b", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Acquire("c", 4); err == nil || !strings.Contains(err.Error(), "--max-sessions 3") {
		t.Errorf("past the total: %v", err)
	}
	r1()
	r1() // a second release gives nothing back twice
	if s.Open() != 2 {
		t.Errorf("%d open after a release, want 2", s.Open())
	}
}
