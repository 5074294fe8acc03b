package capture

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/hopscope/hopscope/capture/internal/synth"
	"github.com/hopscope/hopscope/diagnose"
)

func synthClientHello(sni string) []byte { return synth.ClientHello(sni) }

// TestTruncated cuts a capture at every length and checks that what comes before the cut is read,
// with a warning when the cut falls inside a record.
func TestTruncated(t *testing.T) {
	for _, v := range variants {
		full := build(t, v.link, v.ng, v.h, scenarios[2].build)
		whole, _ := analyzeBytes(t, full)
		for cut := len(full) - 1; cut > 0; cut -= 7 {
			sum, err := Analyze(context.Background(), bytes.NewReader(full[:cut]), Options{Name: "cut"})
			if err != nil {
				if !IsNotCapture(err) && !strings.Contains(err.Error(), "header") {
					t.Fatalf("%s cut at %d: %v", v.name, cut, err)
				}
				continue
			}
			if sum.Packets > whole.Packets || sum.Packets < whole.Packets-1 && cut > len(full)-40 {
				t.Errorf("%s cut at %d: %d packets of %d", v.name, cut, sum.Packets, whole.Packets)
			}
			if len(sum.Warnings) == 0 && !v.ng {
				// pcap records have no trailer: a cut that lands on a record boundary is a
				// clean shorter capture; anywhere else it must warn.
				if rd, _ := NewReader(bytes.NewReader(full[:cut])); rd != nil {
					for {
						if _, err := rd.Next(); err != nil {
							break
						}
					}
					if rd.Offset() != int64(cut) {
						t.Errorf("%s cut at %d inside a record: no warning", v.name, cut)
					}
				}
			}
		}
	}
}

// TestPipeAndOneByteReads reads a capture through a pipe that hands out one byte at a time, as a
// slow `tcpdump -w - | hopscope analyze -` might.
func TestPipeAndOneByteReads(t *testing.T) {
	b := build(t, layers.LinkTypeLinuxSLL2, true, v6, scenarios[2].build)
	want, wantEv := analyzeBytes(t, b)
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(iotestWrite(pw, b))
	}()
	var n int
	got, err := Analyze(context.Background(), iotest.OneByteReader(pr), Options{Name: "x.pcap", Trace: &Trace{Evidence: func(ev diagnose.Evidence) { n++ }}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Packets != want.Packets || n != len(wantEv) {
		t.Errorf("through a pipe: %d packets, %d findings; from memory %d, %d", got.Packets, n, want.Packets, len(wantEv))
	}
}

func iotestWrite(w io.Writer, b []byte) error {
	for len(b) > 0 {
		n := min(len(b), 100)
		if _, err := w.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// TestBackwardsTimestamps checks that a capture whose clock stepped back is read whole, with a
// warning naming the first packet where it happened.
func TestBackwardsTimestamps(t *testing.T) {
	var buf bytes.Buffer
	w, _ := synth.NewWriter(&buf, layers.LinkTypeEthernet, false)
	c := w.NewConn(t0, ap(v4.client, 40000), ap(v4.backend, 80))
	c.SYN(0, false)
	c.SYNACK(-5 * ms)
	c.ACK(ms, true)
	sum, _ := analyzeBytes(t, buf.Bytes())
	if sum.Packets != 3 || len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "packet 2") {
		t.Errorf("packets %d, warnings %q", sum.Packets, sum.Warnings)
	}
}

// TestSnaplen checks that packets cut by a short snapshot length are counted in a warning and their
// connections still tracked.
func TestSnaplen(t *testing.T) {
	full := build(t, layers.LinkTypeEthernet, false, v4, scenarios[2].build)
	// Rewrite every record's captured length to at most 60 bytes: Ethernet, IP and TCP headers.
	var out bytes.Buffer
	out.Write(full[:24])
	for p := 24; p+16 <= len(full); {
		caplen := int(le32(full[p+8:]))
		rec := append([]byte(nil), full[p:p+16]...)
		keep := min(caplen, 60)
		putLE32(rec[8:], uint32(keep))
		out.Write(rec)
		out.Write(full[p+16 : p+16+keep])
		p += 16 + caplen
	}
	sum, evs := analyzeBytes(t, out.Bytes())
	if sum.Packets == 0 || len(sum.Warnings) == 0 || !strings.Contains(sum.Warnings[0], "snapshot length") {
		t.Errorf("warnings %q", sum.Warnings)
	}
	if got := signals(evs); len(got) == 0 {
		t.Errorf("no findings from a capture with whole TCP headers")
	}
}

func putLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// TestSeenOnTwoInterfaces checks that a capture taken with -i any on a router, where every
// forwarded segment appears once per interface, reads like the capture of one interface.
func TestSeenOnTwoInterfaces(t *testing.T) {
	for _, sc := range scenarios {
		once := build(t, layers.LinkTypeLinuxSLL2, true, v4, sc.build)
		var buf bytes.Buffer
		w, _ := synth.NewWriter(&buf, layers.LinkTypeLinuxSLL2, true)
		w.Twice = true
		sc.build(w, v4)
		w.Flush()
		_, a := analyzeBytes(t, once)
		_, b := analyzeBytes(t, buf.Bytes())
		if got, want := signals(b), signals(a); !slices.Equal(got, want) {
			t.Errorf("%s: seen twice %v, once %v", sc.name, got, want)
		}
	}
}

// TestPcapngInterfacesOfDifferentLinkTypes writes one pcapng with an Ethernet interface in
// microseconds and a Linux SLL2 one in nanoseconds, packets of both interleaved, and expects the
// findings of each.
func TestPcapngInterfacesOfDifferentLinkTypes(t *testing.T) {
	packets := func(link layers.LinkType, sc int) []Packet {
		rd, _ := NewReader(bytes.NewReader(build(t, link, false, v4, scenarios[sc].build)))
		var out []Packet
		for {
			p, err := rd.Next()
			if err != nil {
				return out
			}
			p.Data = append([]byte(nil), p.Data...)
			out = append(out, p)
		}
	}
	eth, sll := packets(layers.LinkTypeEthernet, 0), packets(layers.LinkTypeLinuxSLL2, 3)
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{Name: "eth0", LinkType: layers.LinkTypeEthernet, TimestampResolution: 6, SnapLength: 65535}, pcapgo.NgWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := w.AddInterface(pcapgo.NgInterface{Name: "any", LinkType: layers.LinkTypeLinuxSLL2, TimestampResolution: 9, SnapLength: 65535})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < max(len(eth), len(sll)); i++ {
		for j, ps := range [][]Packet{eth, sll} {
			if i < len(ps) {
				ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, ps[i].Time), CaptureLength: len(ps[i].Data), Length: len(ps[i].Data), InterfaceIndex: j * id}
				if err := w.WritePacket(ci, ps[i].Data); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	w.Flush()
	sum, evs := analyzeBytes(t, buf.Bytes())
	got := signals(evs)
	if sum.Packets != int64(len(eth)+len(sll)) || len(sum.Warnings) != 0 || !slices.Contains(got, "tcp.connect.refused") || !slices.Contains(got, "tls.clienthello.acked") {
		t.Errorf("%d packets of %d, warnings %q, signals %v", sum.Packets, len(eth)+len(sll), sum.Warnings, got)
	}
}
