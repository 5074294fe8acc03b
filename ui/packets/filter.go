package packets

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/hopscope/hopscope/capture"
)

// maxMatches bounds the packet numbers a filter keeps (8 bytes each).
const maxMatches = 1 << 20

// filter is a packet filter the operator types: every term must match. Terms are "host ADDR",
// "port N", a TCP flag (syn, fin, rst, ack, psh), or a word looked for in the packet's
// description ("CONNECT", "ClientHello", "403").
type filter struct {
	text  string
	hosts []string
	ports []uint16
	flags []string
	words []string
}

// parseFilter reads a filter; an empty text is no filter.
func parseFilter(text string) (filter, error) {
	f := filter{text: strings.TrimSpace(text)}
	terms := strings.Fields(f.text)
	for i := 0; i < len(terms); i++ {
		t := strings.ToLower(terms[i])
		switch t {
		case "host", "port":
			if i+1 == len(terms) {
				return filter{}, fmt.Errorf("filter: %q needs a value", t)
			}
			i++
			if t == "host" {
				f.hosts = append(f.hosts, terms[i])
				continue
			}
			p, err := strconv.ParseUint(terms[i], 10, 16)
			if err != nil {
				return filter{}, fmt.Errorf("filter: %q is not a port", terms[i])
			}
			f.ports = append(f.ports, uint16(p))
		case "syn", "fin", "rst", "ack", "psh":
			f.flags = append(f.flags, strings.ToUpper(t))
		default:
			f.words = append(f.words, t)
		}
	}
	return f, nil
}

// match reports whether a packet passes every term.
func (f filter) match(pi capture.PacketInfo) bool {
	for _, h := range f.hosts {
		if !pi.TCP || pi.Src.Addr.IP().String() != h && pi.Dst.Addr.IP().String() != h {
			return false
		}
	}
	for _, p := range f.ports {
		if !pi.TCP || pi.Src.Port != p && pi.Dst.Port != p {
			return false
		}
	}
	for _, fl := range f.flags {
		if !strings.Contains(pi.Flags, fl) {
			return false
		}
	}
	for _, w := range f.words {
		if !strings.Contains(strings.ToLower(pi.Info), w) {
			return false
		}
	}
	return true
}

// filterRun goes through a list of packets on its own goroutine and collects those that match.
type filterRun struct {
	filter filter
	cancel context.CancelFunc

	mu      sync.Mutex
	matches []int64
	scanned int64
	total   int64
	done    bool
}

// startFilter runs f over the packets listed in nums, or over packets 1 to n when nums is nil,
// reading them with a reader of its own.
func startFilter(ctx context.Context, file *capture.File, f filter, nums []int64, n int64) *filterRun {
	ctx, cancel := context.WithCancel(ctx)
	run := &filterRun{filter: f, cancel: cancel, total: n}
	go func() {
		pr := file.NewPacketReader()
		defer func() {
			run.mu.Lock()
			run.done = true
			run.mu.Unlock()
		}()
		for i := range n {
			if i%4096 == 0 && ctx.Err() != nil {
				return
			}
			num := i + 1
			if nums != nil {
				num = nums[i]
			}
			p, err := pr.Packet(num)
			if err != nil {
				return
			}
			ok := f.match(capture.Describe(&p))
			run.mu.Lock()
			if ok && len(run.matches) < maxMatches {
				run.matches = append(run.matches, num)
			}
			run.scanned = i + 1
			run.mu.Unlock()
		}
	}()
	return run
}

// snapshot returns the matches so far and how far the run got.
func (r *filterRun) snapshot() (matches []int64, scanned, total int64, done bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.matches, r.scanned, r.total, r.done
}
