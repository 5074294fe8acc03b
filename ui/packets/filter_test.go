package packets

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/capture"
)

// filtered runs a filter over the whole recording and returns the matching packet numbers.
func filtered(t *testing.T, text string) []int64 {
	t.Helper()
	f, err := parseFilter(text)
	if err != nil {
		t.Fatal(err)
	}
	file, err := capture.OpenFile(recording)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if _, err := file.Analyze(context.Background(), capture.Options{}); err != nil {
		t.Fatal(err)
	}
	run := startFilter(context.Background(), file, f, nil, file.Index.Len())
	deadline := time.Now().Add(5 * time.Second)
	for {
		matches, _, _, done := run.snapshot()
		if done {
			return matches
		}
		if time.Now().After(deadline) {
			t.Fatal("the filter did not finish in 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFilterWordsInHeadersAndPayload: words are looked for in the whole segment, whatever their
// case, not only in the summary line: squid's 403 carries X-Squid-Error: ERR_ACCESS_DENIED in its
// headers, and the CONNECT a Host header.
func TestFilterWordsInHeadersAndPayload(t *testing.T) {
	file, err := capture.OpenFile(recording)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if _, err := file.Analyze(context.Background(), capture.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, word := range []string{"X-Squid-Error", "ERR_ACCESS_DENIED", "Host:", "err_access_denied", "CONNECT host 127.0.0.1"} {
		matches := filtered(t, word)
		if len(matches) == 0 {
			t.Errorf("%q finds no packet", word)
			continue
		}
		for _, n := range matches {
			p, err := file.Packet(n)
			if err != nil {
				t.Fatal(err)
			}
			var s capture.Segment
			if !capture.DecodeSegment(&p, &s) {
				t.Fatalf("packet %d matched %q and is no TCP segment", n, word)
			}
			kind, _ := capture.Label(&s)
			first := strings.Fields(word)[0]
			if !bytes.Contains(bytes.ToLower(s.Payload), []byte(strings.ToLower(first))) && !strings.Contains(strings.ToLower(kind), strings.ToLower(first)) {
				t.Errorf("packet %d matched %q without holding it", n, word)
			}
		}
	}
	if got := filtered(t, "ERR_ACCESS_DENIED syn"); len(got) != 0 {
		t.Errorf("a 403 in a SYN: %v", got)
	}
}

// TestFilterSaysWhy: a filter that cannot be applied says which term is wrong and how it should
// look; addresses of both families are taken.
func TestFilterSaysWhy(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"host", "host needs an address"},
		{"host 1.2.3", "host 1.2.3: not an IP address"},
		{"host backend.example", "names are not looked up"},
		{"port http", "port http: not a port number"},
		{"port 0", "not a port number"},
		{"syn port", "port needs a number"},
	} {
		_, err := parseFilter(tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one saying %q", tc.text, err, tc.want)
		}
	}
	for _, ok := range []string{"host 127.0.0.1", "host ::1", "host [::1] port 3128", "HOST 10.0.0.5 RST"} {
		if _, err := parseFilter(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

// TestFilterTyping: / starts empty even after a filter was applied, ctrl+u clears what is typed,
// and an invalid filter keeps the typing open with the reason under it.
func TestFilterTyping(t *testing.T) {
	m := opened(t)
	m.Update(press("/"))
	typeText(m, "host 1.2.3")
	m.Update(press("enter"))
	if !m.Capturing() || !strings.Contains(screen(m), "not an IP address") {
		t.Fatalf("an invalid filter does not say why while the typing stays open:\n%s", screen(m))
	}
	m.Update(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	if m.input != "" || strings.Contains(screen(m), "not an IP address") {
		t.Fatalf("ctrl+u left %q and the old reason", m.input)
	}
	typeText(m, "rst")
	m.Update(press("enter"))
	if m.Capturing() || m.run == nil {
		t.Fatal("the filter did not start")
	}
	m.Update(press("/"))
	if m.input != "" || !strings.Contains(screen(m), "filter: ▏") {
		t.Errorf("/ starts with %q:\n%s", m.input, screen(m))
	}
}

// packetsOf reads every packet of the recording into memory, as the benchmark's input.
func packetsOf(t testing.TB) []capture.Packet {
	t.Helper()
	file, err := capture.OpenFile(recording)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if _, err := file.Analyze(context.Background(), capture.Options{}); err != nil {
		t.Fatal(err)
	}
	var out []capture.Packet
	for n := int64(1); n <= file.Index.Len(); n++ {
		p, err := file.Packet(n)
		if err != nil {
			t.Fatal(err)
		}
		p.Data = bytes.Clone(p.Data)
		out = append(out, p)
	}
	return out
}

// TestFilterAllocatesNothing: decoding a packet and matching it against every kind of term costs
// no allocation.
func TestFilterAllocatesNothing(t *testing.T) {
	pkts := packetsOf(t)
	f, err := parseFilter("host 127.0.0.1 port 3128 ack err_access_denied")
	if err != nil {
		t.Fatal(err)
	}
	var s capture.Segment
	allocs := testing.AllocsPerRun(20, func() {
		for i := range pkts {
			if capture.DecodeSegment(&pkts[i], &s) {
				f.match(&s)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations for %d packets", allocs, len(pkts))
	}
}

// BenchmarkFilter measures the per-packet filter path: decoding and matching words over the
// payload, packets already in memory.
func BenchmarkFilter(b *testing.B) {
	pkts := packetsOf(b)
	f, err := parseFilter("port 3128 x-squid-error")
	if err != nil {
		b.Fatal(err)
	}
	var s capture.Segment
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range pkts {
			if capture.DecodeSegment(&pkts[i], &s) {
				f.match(&s)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pkts)), "ns/packet")
}

// TestFilterTakesAPaste: a filter pasted while typing one joins the text typed, as one line.
func TestFilterTakesAPaste(t *testing.T) {
	m := opened(t)
	m.Update(press("/"))
	typeText(m, "port 3128 ")
	m.Update(tea.PasteMsg{Content: "X-Squid-Error\n"})
	if m.input != "port 3128 X-Squid-Error" || !m.Capturing() {
		t.Errorf("after the paste the filter reads %q (typing %v)", m.input, m.Capturing())
	}
}
