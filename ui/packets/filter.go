package packets

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/hopscope/hopscope/capture"
)

// maxMatches bounds the packet numbers a filter keeps (8 bytes each).
const maxMatches = 1 << 20

// filter is a packet filter the operator types: every term must match. Terms are "host ADDR",
// "port N", a TCP flag (syn, fin, rst, ack, psh), or a word looked for, whatever its case, in the
// packet's headers and payload and in what the packet list says of it ("CONNECT", "Host:",
// "X-Squid-Error", "ERR_ACCESS_DENIED", "ClientHello", "403").
type filter struct {
	text  string
	hosts []netip.Addr
	ports []uint16
	flags uint8 // TCP flag bits that must all be set
	words []string
}

// TCP flag bits (RFC 9293 §3.1).
const (
	flagFIN = 1 << iota
	flagSYN
	flagRST
	flagPSH
	flagACK
)

var flagBits = map[string]uint8{"fin": flagFIN, "syn": flagSYN, "rst": flagRST, "psh": flagPSH, "ack": flagACK}

// parseFilter reads a filter; an empty text is no filter. An error says which term is wrong and
// what it should look like.
func parseFilter(text string) (filter, error) {
	f := filter{text: strings.TrimSpace(text)}
	terms := strings.Fields(f.text)
	for i := 0; i < len(terms); i++ {
		t := strings.ToLower(terms[i])
		switch t {
		case "host":
			if i+1 == len(terms) {
				return filter{}, errors.New("filter: host needs an address, such as host 10.0.0.5 or host ::1")
			}
			i++
			a, err := netip.ParseAddr(strings.Trim(terms[i], "[]"))
			if err != nil || a.Zone() != "" {
				return filter{}, fmt.Errorf("filter: host %s: not an IP address (an IPv4 address has four numbers, such as 10.0.0.5; names are not looked up)", terms[i])
			}
			f.hosts = append(f.hosts, a.Unmap())
		case "port":
			if i+1 == len(terms) {
				return filter{}, errors.New("filter: port needs a number, such as port 3128")
			}
			i++
			p, err := strconv.ParseUint(terms[i], 10, 16)
			if err != nil || p == 0 {
				return filter{}, fmt.Errorf("filter: port %s: not a port number (1 to 65535)", terms[i])
			}
			f.ports = append(f.ports, uint16(p))
		default:
			if bit, ok := flagBits[t]; ok {
				f.flags |= bit
				continue
			}
			f.words = append(f.words, t)
		}
	}
	return f, nil
}

// match reports whether a decoded segment passes every term. It runs for every packet a filter
// looks at, so it allocates nothing: addresses compare as values, words are searched for in the
// bytes as they are.
func (f *filter) match(s *capture.Segment) bool {
	for _, h := range f.hosts {
		if s.Src.IP() != h && s.Dst.IP() != h {
			return false
		}
	}
	for _, p := range f.ports {
		if s.SrcPort != p && s.DstPort != p {
			return false
		}
	}
	if s.Flags&f.flags != f.flags {
		return false
	}
	if len(f.words) == 0 {
		return true
	}
	kind, detail := capture.Label(s)
	for _, w := range f.words {
		if !containsFold(s.Payload, w) && !containsFold(kind, w) && !containsFold(detail, w) {
			return false
		}
	}
	return true
}

// containsFold reports whether b holds word (lower case) in any mix of ASCII case.
func containsFold[T string | []byte](b T, word string) bool {
	n := len(word)
	if n == 0 {
		return true
	}
	first := word[0]
	for i := 0; i+n <= len(b); i++ {
		if lower(b[i]) != first {
			continue
		}
		j := 1
		for j < n && lower(b[i+j]) == word[j] {
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
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
		var seg capture.Segment
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
			ok := capture.DecodeSegment(&p, &seg) && f.match(&seg)
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
