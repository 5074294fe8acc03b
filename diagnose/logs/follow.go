package logs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// DefaultPoll is how often Follow looks for new lines: a person watching a timeline does not
// notice a quarter of a second, and polling that often costs nothing measurable.
const DefaultPoll = 250 * time.Millisecond

// FollowOptions tune Follow.
type FollowOptions struct {
	Options
	// Format of the log; empty to detect it from the first lines written.
	Format Format
	// Poll is how often to look for new lines (DefaultPoll when zero).
	Poll time.Duration
	// FromEnd skips what the file holds when following starts (like tail -f -n 0).
	FromEnd bool
	// Offset and Line resume where an earlier read stopped: reading starts at byte Offset, and
	// the first line read is numbered Line+1. Ignored with FromEnd, or when the file is now
	// shorter than Offset (it was truncated or replaced, and is read from its start).
	Offset, Line int64
}

// Follow reads a log that is still being written: the lines already there (unless FromEnd), then
// each new line as it is completed, until ctx ends. A file truncated in place (copytruncate) is
// read again from its start; a file replaced by rotation is reopened. fn gets each line in the
// format and runs on the calling goroutine; its Record is reused. Follow returns the stats when
// ctx ends (with ctx's error) or when the file turns out not to be a log it can read.
func Follow(ctx context.Context, path string, opts FollowOptions, fn func(*Record)) (Stats, error) {
	poll := opts.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	fw := &follower{path: path, opts: opts, fn: fn, buf: make([]byte, 0, 64<<10), chunk: make([]byte, 64<<10)}
	defer fw.close()
	if err := fw.open(opts.FromEnd); err != nil {
		return fw.st, err
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		if err := fw.drain(ctx); err != nil {
			return fw.st, err
		}
		select {
		case <-ctx.Done():
			return fw.st, ctx.Err()
		case <-tick.C:
		}
		if err := fw.checkRotation(ctx); err != nil {
			return fw.st, err
		}
	}
}

// follower is the state of one Follow.
type follower struct {
	path  string
	opts  FollowOptions
	fn    func(*Record)
	f     *os.File
	info  os.FileInfo
	off   int64
	buf   []byte // the incomplete last line, carried to the next read
	chunk []byte
	p     parser
	rec   Record
	st    Stats
	skip  bool // inside a line longer than maxLine
}

func (fw *follower) open(atEnd bool) error {
	f, err := os.Open(fw.path)
	if err != nil {
		return fmt.Errorf("follow %s: %w", fw.path, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("follow %s: %w", fw.path, err)
	}
	fw.close()
	// Line numbers are the file's own, so that a viewer can jump to them: a new file starts at 1.
	fw.f, fw.info, fw.off, fw.buf, fw.st.Lines, fw.skip = f, info, 0, fw.buf[:0], 0, false
	switch {
	case atEnd:
		fw.off = info.Size()
	case fw.opts.Offset > 0 && fw.opts.Offset <= info.Size():
		fw.off, fw.st.Lines = fw.opts.Offset, fw.opts.Line
	}
	fw.opts.Offset, fw.opts.Line = 0, 0 // a reopened file is read from its start
	fw.st.Bytes = fw.off
	if fw.off > 0 {
		if _, err := f.Seek(fw.off, io.SeekStart); err != nil {
			return fmt.Errorf("follow %s: %w", fw.path, err)
		}
	}
	return nil
}

func (fw *follower) close() {
	if fw.f != nil {
		fw.f.Close()
		fw.f = nil
	}
}

// checkRotation reopens the path when the file was replaced, and rereads it when truncated.
func (fw *follower) checkRotation(ctx context.Context) error {
	info, err := os.Stat(fw.path)
	if err != nil {
		return nil // rotated away and not yet recreated: keep the old file until it is
	}
	if !os.SameFile(info, fw.info) {
		if err := fw.drain(ctx); err != nil { // finish the old file's last lines first
			return err
		}
		return fw.open(false)
	}
	if info.Size() < fw.off {
		// Truncated in place: nothing read before counts, not even a long line being skipped.
		fw.off, fw.buf, fw.st.Lines, fw.st.Bytes, fw.skip = 0, fw.buf[:0], 0, 0, false
		_, err := fw.f.Seek(0, io.SeekStart)
		return err
	}
	return nil
}

// drain reads what the file holds past the offset and hands on every completed line. It stops
// when ctx ends too: a log written faster than it is read would otherwise never leave drain.
func (fw *follower) drain(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := fw.f.Read(fw.chunk)
		start := fw.off
		fw.off += int64(n)
		if n > 0 {
			if err := fw.feed(fw.chunk[:n], start); err != nil {
				return err
			}
		}
		if err == io.EOF || n == 0 {
			return nil
		}
		if err != nil {
			return fmt.Errorf("follow %s: %w", fw.path, err)
		}
	}
}

// errNotLog stops following a file that is not a log in a known format.
var errNotLog = errors.New("not a server log in a known format")

// feed takes bytes read from the file at offset start; Stats.Bytes ends up at the offset just
// past the last complete line, where a later Follow may resume.
func (fw *follower) feed(b []byte, start int64) error {
	end := start + int64(len(b))
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(fw.buf)+len(b) > maxLine {
				fw.skip, fw.buf = true, fw.buf[:0]
			} else if !fw.skip {
				fw.buf = append(fw.buf, b...)
			}
			return nil
		}
		line := b[:i]
		b = b[i+1:]
		fw.st.Bytes = end - int64(len(b))
		if fw.skip {
			fw.skip = false
			fw.st.Lines++
			fw.st.TooLong++
			continue
		}
		if len(fw.buf) > 0 {
			fw.buf = append(fw.buf, line...)
			line = fw.buf
		}
		err := fw.line(trimEOL(line))
		fw.buf = fw.buf[:0]
		if err != nil {
			return err
		}
	}
	return nil
}

func (fw *follower) line(line []byte) error {
	fw.st.Lines++
	if bytes.IndexByte(line, 0) >= 0 {
		fw.st.BinaryAt = fw.st.Lines
		return fmt.Errorf("follow %s: line %d: %w", fw.path, fw.st.Lines, ErrBinary)
	}
	if fw.p == nil {
		f := fw.opts.Format
		if f == "" {
			var ok bool
			if f, ok = Detect(line, fw.opts.Options); !ok {
				if len(bytes.TrimSpace(line)) == 0 {
					return nil
				}
				return fmt.Errorf("follow %s: first line: %w", fw.path, errNotLog)
			}
		}
		p, err := newParser(f, fw.opts.Options)
		if err != nil {
			return fmt.Errorf("follow %s: %w", fw.path, err)
		}
		fw.p, fw.st.Format = p, f
	}
	fw.rec.reset(fw.st.Lines, line)
	if fw.p.parse(line, &fw.rec) {
		fw.st.Parsed++
		fw.fn(&fw.rec)
		return nil
	}
	if len(line) > 0 {
		fw.st.Unknown++
		if fw.st.FirstUnknown == 0 {
			fw.st.FirstUnknown = fw.st.Lines
		}
	}
	return nil
}
