package analyze

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/hopscope/hopscope/capture"
	"github.com/hopscope/hopscope/diagnose"
)

// answerFile is the lab's file that names a recording's true cause (testdata/scenarios): read as
// evidence it would hand the verdict over, so a folder's copy is left out.
const answerFile = "truth.yaml"

// The same recording often sits in a folder several times: as pcap and as pcapng, and seen on
// several interfaces (lo.pcap and any.pcapng, eth0.pcap and a router's any.pcapng). Counting it
// once per file multiplies every finding and every connection attempt. Two captures hold the
// same traffic when their TCP segments are the same: addresses, ports, sequence and
// acknowledgement numbers, flags and length. Timestamps and link layers are left out on purpose:
// pcap keeps microseconds and pcapng nanoseconds, and each interface frames a packet its own way,
// while initial sequence numbers are random, so two different connections practically never
// share a segment.
const (
	// sampleSegments is how many of a capture's first TCP segments are compared: enough that a
	// chance match is out of the question, few enough to cost nothing next to reading the file.
	sampleSegments = 512
	// sameShare is the share of the smaller sample that must be found in the other capture: a
	// capture on "any" may hold a few more segments (another interface's traffic) than lo's.
	sameShare = 0.9
	// minSegments is the smallest sample compared: one segment already names a connection (its
	// random initial sequence number and ephemeral port), and a capture of SYNs no one answered
	// holds little else.
	minSegments = 1
)

// traffic is a capture's sample of segments.
type traffic struct {
	path     string
	segments map[uint64]struct{}
}

// recordings remembers the captures read so far in one Collect.
type recordings struct {
	seed maphash.Seed
	read []traffic
}

func newRecordings() *recordings { return &recordings{seed: maphash.MakeSeed()} }

// sample reads the first segments of a capture (gzipped or not).
func (rs *recordings) sample(name string, r io.Reader) (traffic, error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return traffic{}, err
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	cr, err := capture.NewReader(br)
	if err != nil {
		return traffic{}, err
	}
	t := traffic{path: name, segments: map[uint64]struct{}{}}
	var s capture.Segment
	var key [16 + 16 + 2 + 2 + 4 + 4 + 1 + 4 + 1]byte
	for tries := 0; len(t.segments) < sampleSegments && tries < 4*sampleSegments; tries++ {
		p, err := cr.Next()
		if err != nil {
			break // a short or cut capture is sampled as far as it goes
		}
		if !capture.DecodeSegment(&p, &s) {
			continue
		}
		b := key[:0]
		b = append(b, s.Src[:]...)
		b = append(b, s.Dst[:]...)
		b = binary.BigEndian.AppendUint16(b, s.SrcPort)
		b = binary.BigEndian.AppendUint16(b, s.DstPort)
		b = binary.BigEndian.AppendUint32(b, s.Seq)
		b = binary.BigEndian.AppendUint32(b, s.Ack)
		b = append(b, s.Flags)
		b = binary.BigEndian.AppendUint32(b, uint32(s.Len))
		if s.Unreachable {
			b = append(b, 1) // an ICMP error quoting the segment, not the segment
		}
		t.segments[maphash.Bytes(rs.seed, b)] = struct{}{}
	}
	return t, nil
}

// same returns the capture read before that holds the same traffic as t, if any, and how many
// of the smaller sample's segments it shares.
func (rs *recordings) same(t traffic) (string, int, int) {
	for _, o := range rs.read {
		small, big := t.segments, o.segments
		if len(big) < len(small) {
			small, big = big, small
		}
		if len(small) < minSegments {
			continue
		}
		shared := 0
		for k := range small {
			if _, ok := big[k]; ok {
				shared++
			}
		}
		// The other end of a hop holds a subset of this end's segments when some were lost on
		// the way: that is not the same traffic but the other side, to be read and merged
		// connection by connection. Only captures alike in size and content are one recording.
		if float64(shared) >= sameShare*float64(len(small)) && float64(len(small)) >= sameShare*float64(len(big)) {
			return o.path, shared, len(small)
		}
	}
	return "", 0, 0
}

// duplicate decides whether the capture at name, opened by open, repeats one read before in
// this Collect. When it does it returns the input that says so; otherwise it remembers the
// capture's sample and returns false. A capture that cannot be sampled is read as usual (its
// reader gives the error).
func (rs *recordings) duplicate(name string, open func() (io.ReadCloser, error)) (diagnose.Input, bool) {
	f, err := open()
	if err != nil {
		return diagnose.Input{}, false
	}
	t, err := rs.sample(name, f)
	f.Close()
	if err != nil {
		return diagnose.Input{}, false
	}
	if other, shared, of := rs.same(t); other != "" {
		return diagnose.Input{Path: name, Kind: "skipped", Warnings: []string{
			fmt.Sprintf("the same traffic as %s (%d of %d segments alike): not counted again", other, shared, of)}}, true
	}
	rs.read = append(rs.read, t)
	return diagnose.Input{}, false
}

// isAnswerFile reports whether a file found in a folder is the lab's answer file.
func isAnswerFile(name string) bool { return filepath.Base(name) == answerFile }

// answerInput is the input listed for an answer file left out.
func answerInput(name string) diagnose.Input {
	return diagnose.Input{Path: name, Kind: "skipped", Warnings: []string{"the lab's answer (the true cause), not an observation: not read"}}
}

// SameTraffic groups the named files of fsys that hold the same traffic (one recording kept as
// pcap and pcapng, or seen on several interfaces), by the test a Collect uses to read such a
// recording once. Groups and their members keep the order of names; a file that is not a capture
// or cannot be read is a group of its own.
func SameTraffic(fsys fs.FS, names []string) [][]string {
	rs := newRecordings()
	var groups [][]string
	group := map[string]int{} // a sampled capture → its group
	for _, name := range names {
		if f, err := fsys.Open(name); err == nil {
			t, err := rs.sample(name, f)
			f.Close()
			if err == nil {
				if other, _, _ := rs.same(t); other != "" {
					groups[group[other]] = append(groups[group[other]], name)
					continue
				}
				rs.read = append(rs.read, t)
				group[name] = len(groups)
			}
		}
		groups = append(groups, []string{name})
	}
	return groups
}
