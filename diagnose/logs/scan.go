package logs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
)

// ErrBinary is returned when a log turns out to hold binary data.
var ErrBinary = errors.New("binary data in a text log")

// maxLine bounds one line: a longer one is skipped and counted, so one runaway line cannot make
// the reader hold an unbounded buffer.
const maxLine = 1 << 20

// ctxEvery is how many lines pass between looks at the context: often enough to stop within a
// few milliseconds, rare enough to cost nothing.
const ctxEvery = 1 << 14

// Stats says what a scan read.
type Stats struct {
	Format Format
	// Lines read, Parsed in the format, Unknown not in it, TooLong over maxLine and skipped.
	Lines, Parsed, Unknown, TooLong int64
	// FirstUnknown is the number of the first line not in the format (0 when none).
	FirstUnknown int64
	// BinaryAt is the line where binary data (a NUL byte) was found and reading stopped (0: none).
	BinaryAt int64
	// Bytes is how many bytes were read, line endings included.
	Bytes int64
}

// Warnings describes in words what was skipped.
func (s Stats) Warnings() []string {
	var w []string
	if s.Unknown > 0 {
		w = append(w, fmt.Sprintf("%d of %d lines are not %s lines and were skipped (first: line %d)", s.Unknown, s.Lines, s.Format, s.FirstUnknown))
	}
	if s.TooLong > 0 {
		w = append(w, fmt.Sprintf("%d lines longer than %d bytes were skipped", s.TooLong, maxLine))
	}
	if s.BinaryAt > 0 {
		w = append(w, fmt.Sprintf("binary data at line %d: stopped reading there (%s)", s.BinaryAt, ErrBinary))
	}
	return w
}

// Scan reads a log of a known format line by line and calls fn for every line in the format.
// The record and its byte fields are reused for the next line: fn must copy what it keeps, and
// must not change the record.
// Lines not in the format are counted, not fatal; binary data stops the scan with what was read
// and a note in Stats. Only a read error or the context's end returns an error.
func Scan(ctx context.Context, r io.Reader, f Format, opts Options, fn func(*Record)) (Stats, error) {
	if runtime.GOMAXPROCS(0) > 1 {
		return scanParallel(ctx, r, f, opts, fn)
	}
	return scanSequential(ctx, r, f, opts, fn)
}

// scanSequential is Scan on one goroutine.
func scanSequential(ctx context.Context, r io.Reader, f Format, opts Options, fn func(*Record)) (Stats, error) {
	p, err := newParser(f, opts)
	if err != nil {
		return Stats{Format: f}, err
	}
	sc := newLineScanner(r, f, p)
	for sc.next() {
		if sc.st.Lines%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return sc.st, err
			}
		}
		fn(&sc.rec)
	}
	return sc.st, sc.err
}

// lineScanner turns a byte stream into parsed records, one reused buffer and record throughout.
type lineScanner struct {
	br    *bufio.Reader
	p     parser
	c     cleaner // p, when it is one
	rec   Record
	ready bool // rec was reset once: c may clean it
	st    Stats
	err   error
	long  bool // inside a line longer than the buffer
}

func newLineScanner(r io.Reader, f Format, p parser) *lineScanner {
	c, _ := p.(cleaner)
	return &lineScanner{br: bufio.NewReaderSize(r, maxLine), p: p, c: c, st: Stats{Format: f}}
}

// next advances to the next line in the format; false at the end, on binary data or an error.
func (s *lineScanner) next() bool {
	for {
		line, err := s.br.ReadSlice('\n')
		s.st.Bytes += int64(len(line))
		if err == bufio.ErrBufferFull {
			if !s.long {
				s.st.Lines++
				s.st.TooLong++
			}
			s.long = true
			continue
		}
		if s.long {
			s.long = false
			if err == nil {
				continue
			}
		}
		if len(line) == 0 {
			if err != nil && err != io.EOF {
				s.err = err
			}
			return false
		}
		s.st.Lines++
		if bytes.IndexByte(line, 0) >= 0 {
			s.st.BinaryAt = s.st.Lines
			return false
		}
		line = trimEOL(line)
		s.rec.reuse(s.st.Lines, line, s.c, s.ready)
		s.ready = true
		if s.p.parse(line, &s.rec) {
			s.st.Parsed++
			return true
		}
		if len(line) > 0 {
			s.st.Unknown++
			if s.st.FirstUnknown == 0 {
				s.st.FirstUnknown = s.st.Lines
			}
		}
		if err != nil {
			return false
		}
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}
