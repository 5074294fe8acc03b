package capture

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"
	"unsafe"

	"github.com/gopacket/gopacket/layers"
	"github.com/hopscope/hopscope/capture/internal/synth"
)

// benchCapture returns the capture the benchmarks read: the file named by HOPSCOPE_BENCH_PCAP
// (make one with go run ./capture/internal/synth/gencap), else a 64 MB mix made in memory.
func benchCapture(b *testing.B) []byte {
	if p := os.Getenv("HOPSCOPE_BENCH_PCAP"); p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	var buf bytes.Buffer
	w, _ := synth.NewWriter(&buf, layers.LinkTypeEthernet, false)
	m := synth.NewMix(w, 1)
	if err := m.Run(t0, 64<<20, func() int64 { return int64(buf.Len()) }); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkAnalyze is the full analysis: read, decode, flow table, sniffers, findings.
func BenchmarkAnalyze(b *testing.B) {
	data := benchCapture(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var pkts int64
	for b.Loop() {
		sum, err := Analyze(context.Background(), bytes.NewReader(data), Options{Name: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		pkts = sum.Packets
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int64(b.N)*pkts), "ns/packet")
}

// BenchmarkRead is the reader alone, the floor under the analysis.
func BenchmarkRead(b *testing.B) {
	data := benchCapture(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := rd.Next(); err == io.EOF {
				break
			}
		}
	}
}

// BenchmarkIndex is the analysis building the viewer's packet index.
func BenchmarkIndex(b *testing.B) {
	data := benchCapture(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var x Index
		if _, err := Analyze(context.Background(), bytes.NewReader(data), Options{Name: "bench", Index: &x}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSteadyStateAllocations checks that packets on connections already in the table cost no
// allocation: ten times the packets on the same connections allocate about the same.
func TestSteadyStateAllocations(t *testing.T) {
	mk := func(segments int) []byte {
		var buf bytes.Buffer
		w, _ := synth.NewWriter(&buf, layers.LinkTypeEthernet, false)
		payload := bytes.Repeat([]byte("y"), 1400)
		for i := range 4 {
			c := w.NewConn(t0, ap(v4.client, uint16(40000+i)), ap(v4.backend, 80))
			c.Handshake(0, ms)
			c.Data(2*ms, true, []byte("GET / HTTP/1.1\r\nHost: b\r\n\r\n"))
			for j := range segments {
				c.Data(time.Duration(3+j)*time.Microsecond+2*ms, false, payload)
				c.ACK(time.Duration(3+j)*time.Microsecond+2*ms, true)
			}
			c.FIN(time.Second, true)
			c.FIN(time.Second, false)
		}
		return buf.Bytes()
	}
	for _, workers := range []int{1, 2} {
		allocs := func(b []byte) float64 {
			return testing.AllocsPerRun(3, func() {
				Analyze(context.Background(), bytes.NewReader(b), Options{Name: "a", Workers: workers})
			})
		}
		small, large := allocs(mk(1000)), allocs(mk(10000))
		if large > small+20 {
			t.Errorf("workers=%d: %.0f allocations for 8k packets, %.0f for 80k: packets allocate", workers, small, large)
		}
	}
}

// BenchmarkAnalyzeFile reads the capture named by HOPSCOPE_BENCH_PCAP from disk (the page cache,
// once warm), as the analyze command does.
func BenchmarkAnalyzeFile(b *testing.B) {
	path := os.Getenv("HOPSCOPE_BENCH_PCAP")
	if path == "" {
		b.Skip("set HOPSCOPE_BENCH_PCAP to a capture file (go run ./capture/internal/synth/gencap)")
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(st.Size())
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				sum, err := Analyze(context.Background(), f, Options{Name: "bench", Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				f.Close()
				b.ReportMetric(float64(sum.Flows), "conns")
			}
		})
	}
}

// TestIndexEntrySize holds the viewer's index to its budget of 16 bytes a packet.
func TestIndexEntrySize(t *testing.T) {
	if n := unsafe.Sizeof(IndexEntry{}); n != 16 {
		t.Errorf("IndexEntry is %d bytes, the budget is 16", n)
	}
}
