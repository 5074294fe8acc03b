package capture

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/hopscope/hopscope/internal/testenv"
)

// corpusDir holds tcpdump's own regression captures: many link types, damaged files, odd writers.
// It is looked for in ../shared beside the repository first, then in /work/shared.
var corpusDir = testenv.SharedPath("corpus/tcpdump-tests")

// perFileLimit bounds one corpus file; the largest is a few hundred KB, so a second is generous
// and anything slower is a loop.
const perFileLimit = 2 * time.Second

func corpusFiles(t testing.TB) []string {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*"))
	if len(files) == 0 {
		testenv.Missing(t, "the tcpdump test corpus at %s (shared/corpus beside the repository)", corpusDir)
	}
	return files
}

// readAll reads every packet of b through Reader and Analyzer, returning the packet count.
func readAll(t testing.TB, b []byte) (int64, []string, error) {
	rd, err := NewReader(bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	for {
		_, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next returned %v, want only io.EOF", err)
		}
	}
	return rd.Packets(), rd.Warnings(), nil
}

func TestReadCorpus(t *testing.T) {
	var read, refused int
	for _, f := range corpusFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if _, _, err := readAll(t, b); err != nil {
				refused++
				return
			}
			read++
			if _, err := Analyze(context.Background(), bytes.NewReader(b), Options{Name: filepath.Base(f)}); err != nil {
				t.Errorf("%s: Analyze after a successful read: %v", f, err)
			}
		}()
		select {
		case <-done:
		case <-time.After(perFileLimit):
			t.Fatalf("%s: not read within %v", f, perFileLimit)
		}
	}
	t.Logf("%d captures read, %d refused as not pcap/pcapng", read, refused)
	if read < 500 {
		t.Errorf("only %d corpus files read; the corpus is mostly pcap", read)
	}
}

// badFraction lists corpus files whose microsecond field is out of range; pcapgo multiplies it
// in 32 bits and wraps, this reader keeps the value as written (as tcpdump prints it).
var badFraction = map[string]bool{
	"atm-oam-loopback-print-overrun.pcap": true,
	"rx_serviceid_oobr.pcap":              true,
	"timestamp_invalid_micro.pcap":        true,
}

// TestReadMatchesPcapgo checks the reader against gopacket's pcapgo on every corpus file that
// pcapgo reads to the end: same packet count, same bytes, same timestamps.
func TestReadMatchesPcapgo(t *testing.T) {
	compared := 0
	for _, f := range corpusFiles(t) {
		b, _ := os.ReadFile(f)
		type ref struct {
			ts   int64
			data []byte
		}
		var want []ref
		var next func() ([]byte, int64, error)
		if len(b) >= 4 && isPcapMagic(b) && string(b[:4]) != "\x34\xcd\xb2\xa1" && string(b[:4]) != "\xa1\xb2\xcd\x34" {
			pr, err := pcapgo.NewReader(bytes.NewReader(b))
			if err != nil {
				continue
			}
			next = func() ([]byte, int64, error) {
				d, ci, err := pr.ReadPacketData()
				return d, ci.Timestamp.UnixNano(), err
			}
		} else if len(b) >= 4 && string(b[:4]) == "\x0a\x0d\x0d\x0a" {
			pr, err := pcapgo.NewNgReader(bytes.NewReader(b), pcapgo.NgReaderOptions{WantMixedLinkType: true})
			if err != nil {
				continue
			}
			next = func() ([]byte, int64, error) {
				d, ci, err := pr.ReadPacketData()
				return d, ci.Timestamp.UnixNano(), err
			}
		} else {
			continue
		}
		clean := true
		for {
			d, ts, err := next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				clean = false
				break
			}
			want = append(want, ref{ts, d})
		}
		if !clean {
			continue
		}
		rd, err := NewReader(bytes.NewReader(b))
		if err != nil {
			t.Errorf("%s: pcapgo reads it, NewReader: %v", filepath.Base(f), err)
			continue
		}
		i := 0
		for ; ; i++ {
			p, err := rd.Next()
			if err == io.EOF {
				break
			}
			if i >= len(want) {
				t.Errorf("%s: more packets than pcapgo (%d)", filepath.Base(f), len(want))
				break
			}
			if !bytes.Equal(p.Data, want[i].data) || (p.Time != want[i].ts && !badFraction[filepath.Base(f)]) {
				t.Errorf("%s: packet %d differs from pcapgo (time %d vs %d, %d vs %d bytes)", filepath.Base(f), i+1, p.Time, want[i].ts, len(p.Data), len(want[i].data))
				break
			}
		}
		if i != len(want) && i < len(want) {
			t.Errorf("%s: %d packets, pcapgo %d; warnings %q", filepath.Base(f), i, len(want), rd.Warnings())
		}
		compared++
	}
	t.Logf("%d files compared with pcapgo", compared)
}
