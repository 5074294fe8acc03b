package termtext

import (
	"bytes"
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"capture.pcap", "capture.pcap"},
		{"größe-日本.pcap", "größe-日本.pcap"},
		{"\x1b]0;owned\a.pcap", `\x1b]0;owned\x07.pcap`},
		{"\x1b[2J\x1b[31mred.log", `\x1b[2J\x1b[31mred.log`},
		{"a\nb\tc\rd\x7f", `a\nb\tc\rd\x7f`},
		{"csi\u009b31m.pcap", `csi\u009b31m.pcap`},
		{"bad\xff\xfe.pcap", `bad\xff\xfe.pcap`},
		{"evil\u202egnp.pcap", `evil\u202egnp.pcap`},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := EscapeKeepNewlines("a\x1b\nb\n"); got != "a\\x1b\nb\n" {
		t.Errorf("EscapeKeepNewlines = %q", got)
	}
}

func TestWriterHoldsASplitCharacter(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	s := "read größe\x1b[2J.pcap\n"
	for i := range len(s) {
		if _, err := w.Write([]byte{s[i]}); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = w.Write([]byte{0xc3}) // a character that never ends
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "read größe\\x1b[2J.pcap\n\\xc3"; got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}
}

func BenchmarkEscapeClean(b *testing.B) {
	s := "/var/log/apache2/error.log"
	b.ReportAllocs()
	for b.Loop() {
		_ = Escape(s)
	}
}

func TestEscapeScreenKeepsStyles(t *testing.T) {
	styled := "\x1b[1;38;5;203mread\x1b[m a.pcap\n\x1b[2mok\x1b[0m"
	if got := EscapeScreen(styled); got != styled {
		t.Errorf("a frame of styles only changed: %q", got)
	}
	in := "\x1b[1mread\x1b[m evil\x1b]52;c;b3duZWQ=\a\x1b[2J\x1b[H\u009b6n.pcap\n"
	want := "\x1b[1mread\x1b[m evil\\x1b]52;c;b3duZWQ=\\x07\\x1b[2J\\x1b[H\\u009b6n.pcap\n"
	if got := EscapeScreen(in); got != want {
		t.Errorf("EscapeScreen = %q, want %q", got, want)
	}
}

// BenchmarkEscapeScreen draws a 160×48 frame of borders, bars and styles, as the screen's render
// passes every frame through EscapeScreen.
func BenchmarkEscapeScreen(b *testing.B) {
	row := "\x1b[1;94m│\x1b[m10:00:03 lo.pcap#41  \x1b[31mtls.clienthello.retransmitted\x1b[m the ClientHello was retransmitted 4 times ███▌░░░ " +
		strings.Repeat("─", 40) + "\x1b[90m│\x1b[m"
	frame := strings.Repeat(row+"\n", 48)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		_ = EscapeScreen(frame)
	}
}
