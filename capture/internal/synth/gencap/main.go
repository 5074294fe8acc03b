// Command gencap writes a large synthetic capture of many kinds of TCP connections, for the
// capture benchmarks: go run ./capture/internal/synth/gencap -o /tmp/big.pcap -size 1100
// (-short for the shape of many short connections, -synflood N for a SYN flood).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/hopscope/hopscope/capture/internal/synth"
)

func main() {
	out := flag.String("o", "/tmp/hopscope-bench.pcap", "output file")
	sizeMB := flag.Int64("size", 1100, "size in MB (10^6 bytes)")
	ng := flag.Bool("ng", false, "write pcapng instead of pcap")
	short := flag.Bool("short", false, "many short connections (a busy gateway on loopback) instead of the default mix")
	flood := flag.Int("synflood", 0, "write this many unanswered SYNs from distinct ports instead (-size is ignored)")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cw := &counter{w: bufio.NewWriterSize(f, 1<<20)}
	w, err := synth.NewWriter(cw, layers.LinkTypeEthernet, *ng)
	if err == nil {
		start := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
		if *flood > 0 {
			err = synFlood(w, start, *flood)
		} else {
			m := synth.NewMix(w, 1)
			m.Short = *short
			err = m.Run(start, *sizeMB*1e6, func() int64 { return cw.n })
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = cw.w.Flush()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d packets, %d bytes\n", *out, w.Count, cw.n)
}

type counter struct {
	w *bufio.Writer
	n int64
}

func (c *counter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// synFlood writes n SYNs, 1 µs apart, from addresses and ports that never repeat, to one server.
func synFlood(w *synth.Writer, start time.Time, n int) error {
	dst := netip.AddrPortFrom(netip.MustParseAddr("10.9.0.1"), 443)
	for i := range n {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 24), byte(i >> 16), byte(i >> 8)}), uint16(1024+i%64000))
		c := w.NewConn(start.Add(time.Duration(i)*time.Microsecond), src, dst)
		c.SYN(0, false)
		if c.Err != nil {
			return c.Err
		}
	}
	return nil
}
