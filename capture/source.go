package capture

import (
	"errors"
	"io"
)

// bufSize is the reader's buffer: large enough that a read system call moves hundreds of
// packets, small enough to stay out of the way of the flow table's memory budget. It is the size
// of the buffers handed to the workers too (batchBuf): 1 MB here cost 2 MB of peak memory on a
// capture of short connections, and was slower with two workers (BenchmarkAnalyzeFile).
const bufSize = 1 << 18

// maxBlock bounds one record or block. libpcap's largest snapshot length is 256 KiB; pcapng
// blocks that carry other things (name tables, comments) stay far below this. Anything larger is
// corruption, and refusing it keeps a damaged length field from making us allocate gigabytes.
const maxBlock = 16 << 20

// errTooLarge reports a record whose length field is beyond maxBlock.
var errTooLarge = errors.New("record length out of range")

// source is a buffered reader that hands out contiguous windows of its buffer, so a packet is
// decoded where it was read, without a copy. A window is valid until the next call.
type source struct {
	r    io.Reader
	buf  []byte
	pos  int   // start of unread bytes in buf
	end  int   // end of valid bytes in buf
	off  int64 // stream offset of buf[pos]
	err  error // sticky read error (io.EOF at the end)
	zero int   // reads in a row that returned nothing
	// spare, when set, returns a buffer of at least n bytes (and of bufSize or more) to go on
	// in, and the full one is appended to retired instead of being reused: then every window
	// handed out stays valid until its owner gives the buffer back.
	spare   func(n int) []byte
	retired [][]byte
}

func newSource(r io.Reader) *source {
	return &source{r: r, buf: make([]byte, bufSize)}
}

// newSourceSize is a source with a smaller buffer, for reading one packet at a known offset.
func newSourceSize(r io.Reader, size int) *source {
	return &source{r: r, buf: make([]byte, size)}
}

// peek returns the next n bytes without consuming them. At a clean end it returns io.EOF; when
// fewer than n bytes remain it returns io.ErrUnexpectedEOF.
func (s *source) peek(n int) ([]byte, error) {
	if n < 0 || n > maxBlock {
		return nil, errTooLarge
	}
	for s.end-s.pos < n {
		if s.err != nil {
			if s.end == s.pos && s.err == io.EOF {
				return nil, io.EOF
			}
			if s.err == io.EOF {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, s.err
		}
		s.fill(n)
	}
	return s.buf[s.pos : s.pos+n], nil
}

// fill reads more bytes, first moving the unread tail to the front (and growing the buffer when
// one record is larger than it).
func (s *source) fill(n int) {
	if len(s.buf)-s.pos < n {
		if s.spare != nil {
			// The packets handed out so far stay where they are: their buffer is retired whole
			// and the unread bytes move to a fresh one.
			nb := s.spare(n)
			copy(nb, s.buf[s.pos:s.end])
			s.retired = append(s.retired, s.buf)
			s.buf = nb
		} else if n > len(s.buf) {
			nb := make([]byte, n)
			copy(nb, s.buf[s.pos:s.end])
			s.buf = nb
		} else {
			copy(s.buf, s.buf[s.pos:s.end])
		}
		s.end -= s.pos
		s.pos = 0
	}
	m, err := s.r.Read(s.buf[s.end:])
	s.end += m
	switch {
	case err != nil:
		s.err = err
	case m > 0:
		s.zero = 0
	default:
		// io.Reader allows an empty read without an error now and then; a reader that does it
		// forever would spin, so a long run of them counts as a failed stream.
		s.zero++
		if s.zero > 100 {
			s.err = io.ErrNoProgress
		}
	}
}

// next consumes and returns the next n bytes.
func (s *source) next(n int) ([]byte, error) {
	b, err := s.peek(n)
	if err != nil {
		return nil, err
	}
	s.pos += n
	s.off += int64(n)
	return b, nil
}

// skip consumes n bytes that need not be contiguous (a large block of no interest).
func (s *source) skip(n int64) error {
	for n > 0 {
		if s.end == s.pos {
			if _, err := s.peek(1); err != nil {
				if err == io.EOF {
					return io.ErrUnexpectedEOF
				}
				return err
			}
		}
		k := int64(s.end - s.pos)
		if k > n {
			k = n
		}
		s.pos += int(k)
		s.off += k
		n -= k
	}
	return nil
}
