package logs

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"time"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/internal/termtext"
)

// MaxOverviewLines bounds the failing lines an Overview keeps for a viewer to list; the counts
// per minute cover the whole log whatever its size.
const MaxOverviewLines = 20000

// MaxLineText is how many bytes of a failing line an overview keeps: 20000 lines of it are 8 MB.
const MaxLineText = 400

// Overview is what a viewer shows of one log: the failures per minute of each backend and the
// failing lines themselves.
type Overview struct {
	Path   string
	Format Format
	Stats  Stats
	// Gzipped says the log was compressed (and so cannot be followed as it grows).
	Gzipped bool
	// Backends holds each backend's failures per minute, most failures first. An access log's
	// failed requests count under "requests" (or the upstream, when the format names it).
	Backends []BackendMinutes
	// First and Last are the times of the first and last failure.
	First, Last time.Time
	// Lines are the failing lines in file order, at most MaxOverviewLines; Dropped counts the rest.
	Lines   []Line
	Dropped int64

	index map[string]int // backend name → position in Backends
}

// Add takes one more line of the log (ReadOverview calls it for every line; a viewer following
// the log calls it for each new one). Lines that show no failure are ignored.
func (ov *Overview) Add(rec *Record) {
	failed := rec.Event.IsFailure() || (rec.IsFailedRequest() && ov.Format != SquidAccess) ||
		(ov.Format == SquidAccess && rec.Status >= 400)
	if !failed {
		return
	}
	if len(ov.Lines) < MaxOverviewLines {
		// A viewer shows these lines as they are kept: a password in a proxied URL, a token in
		// a query string or a cookie echoed by an error line stays off the screen.
		// Controls a terminal would obey are escaped, and the escapes cut again to the bound.
		text := termtext.Escape(diagnose.Redact(clip(rec.Text, MaxLineText)))
		if len(text) > MaxLineText+len("…") {
			text = clip([]byte(text), MaxLineText)
		}
		ov.Lines = append(ov.Lines, Line{Number: rec.Line, At: rec.Time, Event: rec.Event, Backend: diagnose.Redact(string(rec.Backend)), Status: rec.Status, Text: text})
	} else {
		ov.Dropped++
	}
	if rec.Companion {
		return
	}
	name := "requests"
	if rec.Event != EventRequest || len(rec.Backend) > 0 {
		name = diagnose.Redact(string(rec.Backend))
	}
	if ov.index == nil {
		ov.reindex()
	}
	i, ok := ov.index[name]
	if !ok {
		i = len(ov.Backends)
		ov.Backends = append(ov.Backends, BackendMinutes{Name: name, PerMinute: map[int64]int{}, PerSecond: map[int64]int{}})
		ov.index[name] = i
	}
	b := &ov.Backends[i]
	b.Total++
	if rec.Time.IsZero() {
		return
	}
	sec := rec.Time.Unix()
	b.PerMinute[sec/60]++
	if b.PerSecond != nil {
		if _, ok := b.PerSecond[sec]; ok || len(b.PerSecond) < maxSeconds {
			b.PerSecond[sec]++
		} else {
			b.PerSecond = nil
		}
	}
	if ov.First.IsZero() || rec.Time.Before(ov.First) {
		ov.First = rec.Time
	}
	if rec.Time.After(ov.Last) {
		ov.Last = rec.Time
	}
}

func (ov *Overview) reindex() {
	ov.index = make(map[string]int, len(ov.Backends))
	for i, b := range ov.Backends {
		ov.index[b.Name] = i
	}
}

// sortBackends puts the backends with most failures first.
func (ov *Overview) sortBackends() {
	sort.Slice(ov.Backends, func(i, j int) bool {
		if ov.Backends[i].Total != ov.Backends[j].Total {
			return ov.Backends[i].Total > ov.Backends[j].Total
		}
		return ov.Backends[i].Name < ov.Backends[j].Name
	})
	ov.index = nil
}

// BackendMinutes is one backend's failures over time.
type BackendMinutes struct {
	Name  string
	Total int64
	// PerMinute maps a minute (time.Unix()/60) to its failures.
	PerMinute map[int64]int
	// PerSecond maps a second (time.Unix()) to its failures, for incidents short enough to show
	// by the second; nil once the failures spread over more than maxSeconds distinct seconds.
	PerSecond map[int64]int
}

// maxSeconds bounds a backend's per-second counts (a day of seconds is 86,400).
const maxSeconds = 4096

// Line is one failing line of a log.
type Line struct {
	Number  int64
	At      time.Time
	Event   Event
	Backend string
	Status  int
	Text    string
}

// ReadOverview reads a log (plain or gzipped, its format detected from its content) for a viewer.
func ReadOverview(ctx context.Context, path string, opts Options) (Overview, error) {
	f, err := os.Open(path)
	if err != nil {
		return Overview{Path: path}, fmt.Errorf("log %s: %w", path, err)
	}
	defer f.Close()
	return readOverview(ctx, f, path, opts)
}

// ReadOverviewFS reads a log of fsys (such as one embedded in the program) as ReadOverview does.
func ReadOverviewFS(ctx context.Context, fsys fs.FS, name string, opts Options) (Overview, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return Overview{Path: name}, fmt.Errorf("log %s: %w", name, err)
	}
	defer f.Close()
	return readOverview(ctx, f, name, opts)
}

func readOverview(ctx context.Context, f io.Reader, path string, opts Options) (Overview, error) {
	var err error
	ov := Overview{Path: path}
	br := bufio.NewReaderSize(f, 64<<10)
	var r io.Reader = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return ov, fmt.Errorf("log %s: %w", path, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
		r = br
		ov.Gzipped = true
	}
	head, _ := br.Peek(64 << 10)
	format, ok := Detect(head, opts)
	if !ok {
		return ov, fmt.Errorf("log %s: %w", path, errNotLog)
	}
	ov.Format = format
	ov.Stats, err = Scan(ctx, r, format, opts, ov.Add)
	ov.sortBackends()
	if err != nil {
		return ov, fmt.Errorf("log %s: %w", path, err)
	}
	return ov, nil
}
