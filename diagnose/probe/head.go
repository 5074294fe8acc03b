package probe

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
)

// maxHead bounds an answer's status line and headers together. Real proxies' and servers' heads
// are a few hundred bytes to a few kB (a squid error carries about 400); 64 kB leaves room for
// any cookie-laden one while a peer that never ends a line costs the probe no more than that.
const maxHead = 64 << 10

// ErrHeadTooLarge is returned when an answer's status line and headers run past maxHead: the
// peer is broken or hostile, and the probe stops reading rather than buffer it.
var ErrHeadTooLarge = errors.New("the answer's status line and headers run past 64 kB without ending")

// CutError says an answer stopped in the middle of its head: the peer closed the connection or
// went silent before a line's end (or before the blank line that ends the headers). A cut line
// is never taken for a whole one: "HTTP/1.1 200 Connection establ" opens no tunnel.
type CutError struct {
	// Got counts the bytes of the head that arrived.
	Got int64
	// Err is why reading stopped (io.EOF, a deadline, a reset).
	Err error
}

func (e *CutError) Error() string {
	return fmt.Sprintf("the answer stopped after %d bytes, before its head was complete: %v", e.Got, e.Err)
}

func (e *CutError) Unwrap() error { return e.Err }

// headCap lets at most left bytes through from r and then fails with ErrHeadTooLarge, so a
// bufio.Reader above it (and net/http's or our own head parsing above that) cannot grow past
// maxHead. Once the head is read, lift raises the cap for the body, which has bounds of its own.
type headCap struct {
	r    io.Reader
	left int64
	got  int64
}

func newHeadCap(r io.Reader) *headCap { return &headCap{r: r, left: maxHead} }

func (c *headCap) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, ErrHeadTooLarge
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	c.got += int64(n)
	return n, err
}

// lift removes the cap once the head has been read.
func (c *headCap) lift() { c.left = math.MaxInt64 }

// headError turns the error that ended the reading of a head into what happened: the cap
// reached, or the head cut after some bytes (got counts those read so far). capped says the cap
// was reached: net/http may then fail on the line the cap cut before it asks for more bytes.
func headError(err error, got int64, capped bool) error {
	switch {
	case err == nil, errors.Is(err, ErrHeadTooLarge):
		return err
	case capped:
		return ErrHeadTooLarge
	case got > 0:
		var cut *CutError
		if errors.As(err, &cut) {
			return err
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = io.EOF // net/http's name for an EOF in the middle of a head
		}
		return &CutError{Got: got, Err: err}
	}
	return err
}

// readHeadLine reads one line of an answer's head from br, without its line ending. A line must
// end in "\n": one cut short by a close, a reset or a deadline is a *CutError, never a line (which
// bufio's and textproto's ReadLine would hand back without an error). got is the count of head
// bytes read before this line, for the error.
func readHeadLine(br *bufio.Reader, got int64) (string, int64, error) {
	var long []byte
	for {
		frag, err := br.ReadSlice('\n')
		switch {
		case err == nil:
			got += int64(len(frag))
			if long != nil {
				frag = append(long, frag...)
			}
			frag = frag[:len(frag)-1]
			if n := len(frag); n > 0 && frag[n-1] == '\r' {
				frag = frag[:n-1]
			}
			return string(frag), got, nil
		case errors.Is(err, bufio.ErrBufferFull):
			// A line longer than the buffer: keep it (the cap below br bounds it) and read on.
			got += int64(len(frag))
			long = append(long, frag...)
			continue
		}
		got += int64(len(frag))
		return "", got, headError(err, got, false)
	}
}
