package logs

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"sync"
)

// Reading a large log uses every core: one goroutine cuts the stream into blocks of whole lines,
// workers parse blocks side by side (each with its own parser and time-stamp cache), and the
// caller's goroutine takes the parsed records block by block in file order, so everything that
// counts runs, gaps and first occurrences sees the lines exactly as a sequential read would. A
// fixed set of blocks circulates, so memory stays flat whatever the log's size.

// blockSize is how much of the log one block holds: large enough that handing a block over costs
// nothing next to parsing it, small enough that a block's lines and records (some 300 bytes a
// line) are still in the caches when the caller's goroutine takes them after the worker that
// parsed them; at a megabyte they were not, and each line cost a tenth more. A block grows to
// hold a line longer than this, up to maxLine.
const blockSize = 128 << 10

// recLineBytes is a short typical log line: a block's records are first made for as many lines of
// that length as the block holds (more are added as needed).
const recLineBytes = 128

// blocks keeps blocks between scans: a folder of logs, or a viewer reading logs one after the
// other, reuses the same few megabytes instead of making them again for every file.
var blocks = sync.Pool{New: func() any { return &block{buf: make([]byte, blockSize)} }}

// block is a run of whole lines and what parsing them gave. Line numbers inside a block (of its
// records, firstUn and binary) count from the block's first line as 1 until observeBlock, which
// knows how many lines came before, makes them the file's: the reader need not count the lines.
type block struct {
	seq     int
	buf     []byte
	n       int   // bytes of buf in use
	tooLong int64 // lines over maxLine skipped by the reader before this block's lines

	recs []Record
	// arena holds bytes a parser made for the block's records (see arenaUser).
	arena []byte
	// format is the format recs were last filled in; ready how many of them were reset since it
	// became that, so that the format's cleaner may clear them instead (see Record.reuse).
	format  Format
	ready   int
	lines   int64
	parsed  int64
	unknown int64
	firstUn int64
	binary  int64
}

// An arenaUser is a parser that makes bytes for a record (rather than pointing into the line) and
// can put them where it is told. A block's records are all kept until the block has been read,
// so the bytes made for one line must not be overwritten by the next: the block gives the parser
// an arena of its own for them.
type arenaUser interface {
	useArena(a *[]byte)
}

// parse parses every line of b with p, a parser of format f.
func (b *block) parse(p parser, f Format) {
	b.recs, b.lines, b.parsed, b.unknown, b.firstUn, b.binary = b.recs[:0], 0, 0, 0, 0, 0
	if b.format != f {
		b.format, b.ready = f, 0
	}
	if cap(b.recs) == 0 {
		// Room for the lines of a block of typical lines at once: growing by doubling from
		// nothing made several times a block's records in garbage, and the page faults of
		// fresh memory for them, in every scan that started with new blocks.
		b.recs = make([]Record, 0, b.n/recLineBytes+16)
	}
	c, _ := p.(cleaner)
	if a, ok := p.(arenaUser); ok {
		b.arena = b.arena[:0]
		a.useArena(&b.arena)
		defer a.useArena(nil)
	}
	data := b.buf[:b.n]
	// One search for a NUL byte over the whole block instead of one per line: nul is how many
	// bytes of data come before the first NUL.
	nul := bytes.IndexByte(data, 0)
	if nul < 0 {
		nul = len(data)
	}
	var num int64 = 1
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line, data = data[:i+1], data[i+1:]
		}
		b.lines++
		if nul < len(line) {
			b.binary = num
			return
		}
		nul -= len(line)
		line = trimEOL(line)
		if len(b.recs) == cap(b.recs) {
			b.recs = append(b.recs, Record{})
		} else {
			b.recs = b.recs[:len(b.recs)+1]
		}
		r := &b.recs[len(b.recs)-1]
		r.reuse(num, line, c, len(b.recs) <= b.ready)
		b.ready = max(b.ready, len(b.recs))
		if p.parse(line, r) {
			b.parsed++
		} else {
			b.recs = b.recs[:len(b.recs)-1]
			if len(line) > 0 {
				b.unknown++
				if b.firstUn == 0 {
					b.firstUn = num
				}
			}
		}
		num++
	}
}

// scanParallel is Scan with the parsing spread over the cores.
func scanParallel(parent context.Context, r io.Reader, f Format, opts Options, fn func(*Record)) (Stats, error) {
	workers := min(runtime.GOMAXPROCS(0), 4)
	nblocks := 2*workers + 2
	ctx, cancel := context.WithCancel(parent)
	defer cancel()

	// Blocks are made as the reader needs them, up to nblocks: a small log costs one.
	free := make(chan *block, nblocks)
	jobs := make(chan *block, nblocks)
	done := make(chan *block, nblocks)
	var readErr error
	var readBytes int64

	go func() { // the reader
		defer close(jobs)
		readErr, readBytes = cutBlocks(ctx, r, free, nblocks, jobs)
	}()
	var wg sync.WaitGroup
	for range workers {
		p, err := newParser(f, opts)
		if err != nil {
			return Stats{Format: f}, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				b.parse(p, f)
				done <- b
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	st := Stats{Format: f}
	pending := map[int]*block{}
	next := 0
	stopped := false
	for b := range done {
		pending[b.seq] = b
		for {
			b, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if !stopped {
				stopped = observeBlock(ctx, b, &st, fn)
				if stopped {
					cancel()
				}
			}
			free <- b
		}
	}
	for len(free) > 0 {
		blocks.Put(<-free)
	}
	st.Bytes = readBytes
	if st.BinaryAt > 0 {
		return st, nil
	}
	if err := parent.Err(); err != nil {
		return st, err
	}
	return st, readErr
}

// observeBlock hands a parsed block's records to fn in order, numbered as lines of the file, and
// adds its counts to st. It reports whether reading must stop (binary data, or the context ended).
func observeBlock(ctx context.Context, b *block, st *Stats, fn func(*Record)) bool {
	if ctx.Err() != nil {
		return true
	}
	// The block's line 1 is the file's line base+1.
	base := st.Lines + b.tooLong
	st.TooLong += b.tooLong
	st.Lines += b.lines + b.tooLong
	st.Parsed += b.parsed
	st.Unknown += b.unknown
	if st.FirstUnknown == 0 && b.firstUn > 0 {
		st.FirstUnknown = base + b.firstUn
	}
	for i := range b.recs {
		r := &b.recs[i]
		r.Line += base
		fn(r)
	}
	if b.binary > 0 {
		st.BinaryAt = base + b.binary
		return true
	}
	return false
}

// cutBlocks reads r into blocks of whole lines, numbering them, until EOF, an error or ctx ends.
// A line longer than maxLine is skipped and counted.
func cutBlocks(ctx context.Context, r io.Reader, free <-chan *block, nblocks int, jobs chan<- *block) (error, int64) {
	var (
		carry   []byte // the unfinished last line of the previous read
		seq     int
		made    int
		total   int64
		skip    bool  // inside a line over maxLine
		skipped int64 // such lines since the last block
		spare   = make([]byte, 0, blockSize)
	)
	for {
		var b *block
		select {
		case b = <-free:
		default:
			if made < nblocks {
				made++
				b = blocks.Get().(*block)
				break
			}
			select {
			case b = <-free:
			case <-ctx.Done():
				return nil, total
			}
		}
		if ctx.Err() != nil {
			return nil, total
		}
		if len(carry) >= len(b.buf) {
			b.buf = growBlock(b.buf, 0, len(carry)+1)
		}
		b.n = copy(b.buf, carry)
		carry = carry[:0]
		var err error
		end := 0
		for {
			for b.n < len(b.buf) && err == nil {
				var k int
				k, err = r.Read(b.buf[b.n:])
				b.n += k
				total += int64(k)
			}
			if skip { // drop the rest of an overlong line
				i := bytes.IndexByte(b.buf[:b.n], '\n')
				if i < 0 {
					b.n = 0
				} else {
					b.n = copy(b.buf, b.buf[i+1:b.n])
					skip = false
					skipped++
				}
			}
			end = b.n
			if err != nil {
				break
			}
			i := bytes.LastIndexByte(b.buf[:b.n], '\n')
			if i >= 0 || b.n < len(b.buf) {
				end = i + 1
				break
			}
			// A full block with no line end: a line longer than the block. The block grows
			// for it up to maxLine; past that the line is skipped.
			if len(b.buf) < maxLine {
				b.buf = growBlock(b.buf, b.n, len(b.buf)+1)
				continue
			}
			skip, b.n, end = true, 0, 0
			break
		}
		if err == nil {
			carry = append(spare[:0], b.buf[end:b.n]...)
			spare = carry
			b.n = end
		}
		b.seq, b.tooLong = seq, skipped
		skipped = 0
		seq++
		jobs <- b
		if err != nil {
			if err == io.EOF {
				return nil, total
			}
			return err, total
		}
	}
}

// growBlock returns a block buffer of at least need bytes (doubling, up to maxLine) holding the
// first n bytes of buf.
func growBlock(buf []byte, n, need int) []byte {
	size := max(len(buf), blockSize)
	for size < need {
		size *= 2
	}
	nb := make([]byte, min(size, maxLine))
	copy(nb, buf[:n])
	return nb
}
