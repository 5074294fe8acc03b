// Command gencap writes a large synthetic capture of many kinds of TCP connections, for the
// capture benchmarks: go run ./capture/internal/synth/gencap -o /tmp/big.pcap -size 1100
// (-short for the shape of many short connections).
package main

import (
	"bufio"
	"flag"
	"fmt"
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
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cw := &counter{w: bufio.NewWriterSize(f, 1<<20)}
	w, err := synth.NewWriter(cw, layers.LinkTypeEthernet, *ng)
	if err == nil {
		m := synth.NewMix(w, 1)
		m.Short = *short
		err = m.Run(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC), *sizeMB*1e6, func() int64 { return cw.n })
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
