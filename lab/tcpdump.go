package lab

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// droppedRE reads tcpdump's closing statistics.
var droppedRE = regexp.MustCompile(`(\d+) packets? dropped by kernel`)

// captureMaxPackets bounds a recording: the scenarios make a few dozen connections.
const captureMaxPackets = 5000

// tcpdumpRun is one tcpdump writing a pcap file.
type tcpdumpRun struct {
	cmd  *exec.Cmd
	file string
	errb *strings.Builder
	done chan struct{}
}

// startTcpdump records iface inside netns ("" = host) into file, restricted to ports when any
// are given, and returns once tcpdump says it is listening. -i any gives LINUX_SLL2 frames.
// Whole packets (loopback's are up to 64 kB plus headers) and a 64 MB ring: with the default
// 2 MB, -i any drops packets of a few dozen TLS connections, and a 32 MB ring still loses some
// of a few 1 MB uploads at loopback speed.
func startTcpdump(ctx context.Context, netns, iface, file string, ports []int) (*tcpdumpRun, error) {
	path, err := LookPath("tcpdump")
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	argv := []string{path, "-i", iface, "-n", "-U", "--immediate-mode", "-s", "65600", "-B", "65536", "-c", strconv.Itoa(captureMaxPackets), "-w", file}
	if len(ports) > 0 {
		var f []string
		for _, p := range ports {
			f = append(f, "port "+strconv.Itoa(p))
		}
		argv = append(argv, "(tcp or udp) and ("+strings.Join(f, " or ")+")")
	}
	if netns != "" {
		ip, err := LookPath("ip")
		if err != nil {
			return nil, fmt.Errorf("lab: %w", err)
		}
		argv = append([]string{ip, "netns", "exec", netns}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("lab: tcpdump: %w", err)
	}
	r := &tcpdumpRun{cmd: cmd, file: file, errb: &strings.Builder{}, done: make(chan struct{})}
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		said := false
		for sc.Scan() {
			r.errb.WriteString(sc.Text() + "\n")
			if !said && strings.Contains(sc.Text(), "listening on") {
				said = true
				close(listening)
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
		close(r.done)
	}()
	select {
	case <-listening:
		return r, nil
	case <-r.done:
		return nil, fmt.Errorf("lab: tcpdump -i %s exited: %s", iface, strings.TrimSpace(r.errb.String()))
	case <-ctx.Done():
		r.stop()
		return nil, fmt.Errorf("lab: tcpdump -i %s: %w", iface, ctx.Err())
	case <-time.After(startTimeout):
		r.stop()
		return nil, fmt.Errorf("lab: tcpdump -i %s did not start", iface)
	}
}

// stop ends tcpdump with SIGINT, which flushes the file, and waits for it.
func (r *tcpdumpRun) stop() error {
	_ = r.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-r.done:
	case <-time.After(stopTimeout):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
	if st, err := os.Stat(r.file); err != nil || st.Size() == 0 {
		return fmt.Errorf("lab: tcpdump wrote nothing to %s: %s", r.file, strings.TrimSpace(r.errb.String()))
	}
	// A capture with holes would show failures that did not happen (an alert never sent).
	if m := droppedRE.FindStringSubmatch(r.errb.String()); m != nil && m[1] != "0" {
		return fmt.Errorf("lab: tcpdump lost packets recording %s: %s packets dropped by kernel", r.file, m[1])
	}
	return nil
}

// toPcapng writes a pcapng copy of a pcap file with editcap (tcpdump 4.99 writes pcap only).
func toPcapng(ctx context.Context, pcap, pcapng string) error {
	return run(ctx, "editcap", "-F", "pcapng", pcap, pcapng)
}

// captureNames returns the files a capture of iface makes, e.g. lo.pcap and lo-v6.pcapng.
func captureNames(dir, iface, suffix string) (pcap, pcapng string) {
	base := filepath.Join(dir, iface+suffix)
	return base + ".pcap", base + ".pcapng"
}

var errNoTraffic = errors.New("lab: scenario has no client traffic")
