package capture

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// floodSYNs is the size of the SYN flood the memory test reads: millions of connections that
// never open, as a scan or a flood writes them.
const floodSYNs = 2_000_000

// floodBudget is the peak resident memory allowed for reading it, the whole process included.
const floodBudget = 64 << 20

// writeSYNFlood writes a pcap of n SYNs from distinct addresses and ports to one server, 1 µs
// apart, framed by hand: the generator must cost next to nothing beside the analysis.
func writeSYNFlood(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var hdr [24]byte
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b23c4d) // nanosecond pcap
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 262144)
	binary.LittleEndian.PutUint32(hdr[20:], uint32(LinkEthernet))
	bw.Write(hdr[:])
	var rec [16 + 54]byte
	p := rec[16:]
	binary.BigEndian.PutUint16(p[12:], 0x0800)
	ip := p[14:]
	ip[0], ip[8], ip[9] = 0x45, 64, 6
	binary.BigEndian.PutUint16(ip[2:], 40)
	copy(ip[16:], []byte{10, 9, 0, 1})
	tcp := ip[20:]
	binary.BigEndian.PutUint16(tcp[2:], 443)
	tcp[12], tcp[13] = 5<<4, flagSYN
	binary.BigEndian.PutUint16(tcp[14:], 64240)
	const start = 1_795_000_000_000_000_000
	for i := range n {
		t := int64(start + i*1000)
		binary.LittleEndian.PutUint32(rec[0:], uint32(t/1e9))
		binary.LittleEndian.PutUint32(rec[4:], uint32(t%1e9))
		binary.LittleEndian.PutUint32(rec[8:], 54)
		binary.LittleEndian.PutUint32(rec[12:], 54)
		copy(ip[12:], []byte{10, byte(i >> 24), byte(i >> 16), byte(i >> 8)})
		binary.BigEndian.PutUint16(tcp[0:], uint16(1024+i%64000))
		binary.BigEndian.PutUint32(tcp[4:], uint32(i)*2654435761)
		if _, err := bw.Write(rec[:]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// TestSYNFloodMemory reads a flood of 2 M SYNs in a child process and holds its peak resident
// memory to 64 MB: without a bound on the connections that never open, the table kept every
// one (2 M SYNs cost 2 GB).
func TestSYNFloodMemory(t *testing.T) {
	if os.Getenv("HOPSCOPE_FLOOD_CHILD") == "1" {
		floodChild()
		return
	}
	if testing.Short() {
		t.Skip("reads a capture of 2 M packets")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSYNFloodMemory$", "-test.v")
	cmd.Env = append(os.Environ(), "HOPSCOPE_FLOOD_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	rss := peakRSS(out)
	if rss == 0 {
		t.Fatalf("the child did not report its peak resident memory:\n%s", out)
	}
	t.Logf("%d SYNs: peak resident memory %.1f MB; %s", floodSYNs, float64(rss)/(1<<20), childLine(out))
	if !strings.Contains(string(out), fmt.Sprintf("flows=%d ", floodSYNs)) || !strings.Contains(string(out), "never opened") {
		t.Errorf("the child did not report every connection and the bound:\n%s", out)
	}
	if rss > floodBudget {
		t.Errorf("peak resident memory %d MB, the budget is %d MB", rss>>20, floodBudget>>20)
	}
}

// peakRSS reads the child's own report of its peak resident memory (VmHWM). The rusage of the
// child is no good here: the child starts as a copy of this process, whose memory it counts.
func peakRSS(out []byte) int64 {
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func childLine(out []byte) string {
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "flows=") {
			return l
		}
	}
	return ""
}

// floodChild analyses the flood as it is generated, through a pipe, and prints what it read.
func floodChild() {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeSYNFlood(pw, floodSYNs)) }()
	sum, err := Analyze(context.Background(), pr, Options{Name: "flood"})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Printf("flows=%d packets=%d warnings=%q\n", sum.Flows, sum.Packets, sum.Warnings)
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			fmt.Println(l)
		}
	}
}

// TestFlowSize keeps a connection within the allocator's 576-byte size class: past it every
// connection costs 640 bytes, and a capture of many short connections holds thousands at once
// (those closing linger, see closedLinger), which the peak memory pays twice over.
func TestFlowSize(t *testing.T) {
	if n := unsafe.Sizeof(Flow{}); n > 576 {
		t.Errorf("Flow is %d bytes, past the 576-byte size class (group small fields to save padding)", n)
	}
	// Each connection has a hop besides (what links knows of it), as long.
	if n := unsafe.Sizeof(hop{}); n > 128 {
		t.Errorf("hop is %d bytes, past the 128-byte size class", n)
	}
}
