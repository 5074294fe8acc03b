package probe

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"
	"time"
)

// BodyOutcome says how a large upload ended.
type BodyOutcome string

// The ways an upload ends.
const (
	BodyOK       BodyOutcome = "ok"        // the whole body went out and an answer came back
	BodyAnswered BodyOutcome = "answered"  // the server answered before the body was all sent
	BodyReset    BodyOutcome = "reset"     // the server reset the connection during the body
	BodyClosed   BodyOutcome = "closed"    // the server closed the connection during the body
	BodyStalled  BodyOutcome = "stalled"   // the server stopped reading: no progress before the stall timeout
	BodyNoAnswer BodyOutcome = "no-answer" // the body went out, no answer before the deadline
	BodyFailed   BodyOutcome = "error"     // could not start (see Err)
	// BodyBadAnswer: an answer began but could not be read: cut mid-head, or a head past maxHead.
	BodyBadAnswer BodyOutcome = "bad-answer"
)

// uploadChunk is the size of each write: small enough that a stall is noticed within one
// stall timeout even on a slow path, large enough to keep loopback busy.
const uploadChunk = 32 << 10

// BodyResult is the outcome of sending a large request body.
type BodyResult struct {
	// Size is the body's length as announced in Content-Length.
	Size int64 `json:"size"`
	// Sent counts the body bytes the kernel accepted before the end.
	Sent int64 `json:"sent"`
	// Outcome says how it ended.
	Outcome BodyOutcome `json:"outcome"`
	// Took is the time from the first byte of the request to the end.
	Took time.Duration `json:"took_ns"`
	// TCP is the kernel's view of the connection when the upload stalled or went unanswered
	// (direct connections on Linux): a shut window says the backend stopped reading.
	TCP *TCPState `json:"tcp,omitempty"`
	// Status is the answer's status code, when one came.
	Status int `json:"status,omitempty"`
	// Err is the error that ended it.
	Err string `json:"error,omitempty"`
}

// Upload sends a POST with a body of o.BodySize bytes on a fresh connection from dial, and
// watches where the far side stops reading, closes or resets.
func Upload(ctx context.Context, dial func(context.Context) (net.Conn, error), o *Options, h *Hooks) *BodyResult {
	res := &BodyResult{Size: o.BodySize}
	conn, err := dial(ctx)
	if err != nil {
		res.Outcome, res.Err = BodyFailed, err.Error()
		return res
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	start := o.now()
	req := newRequest(o, http.MethodPost, nil, o.BodySize)
	req.Header.Set("Content-Type", "application/octet-stream")
	head := requestHead(req) + "\r\n"

	// The answer is read while the body is written: a server may answer (413, 400) or close
	// before it has read everything.
	answer := make(chan readOutcome, 1)
	go func() { answer <- readAnswer(conn, req) }()

	stall := orDefault(o.StallTimeout, DefaultStallTimeout)
	werr := writeBody(conn, head, o.BodySize, stall, o.now, &res.Sent)
	if werr == nil {
		_ = conn.SetReadDeadline(o.now().Add(orDefault(o.HTTPTimeout, DefaultHTTPTimeout)))
	} else {
		// Give an answer already on its way a moment to arrive, then stop waiting.
		_ = conn.SetReadDeadline(o.now().Add(200 * time.Millisecond))
	}
	a := <-answer
	res.Took = o.now().Sub(start)
	var st TCPState
	var haveTCP bool
	if raw := rawTCP(conn); raw != nil {
		st, haveTCP = tcpState(raw)
	}
	res.Status = a.status
	switch {
	case werr == nil && a.status > 0:
		res.Outcome = BodyOK
	case werr == nil:
		res.Outcome, res.Err = uploadFailure(a.err, BodyNoAnswer), errString(a.err)
		if res.Outcome == BodyNoAnswer && haveTCP && st.SendWindow == 0 && (st.NotSent > 0 || st.Unacked > 0) {
			// The whole body fitted in the socket buffers, yet the backend's window is shut:
			// it stopped reading, as a stall with a bigger body would show.
			res.Outcome = BodyStalled
		}
	case a.status > 0:
		res.Outcome, res.Err = BodyAnswered, werr.Error()
	default:
		res.Outcome, res.Err = uploadFailure(werr, BodyFailed), werr.Error()
		if res.Outcome == BodyFailed && a.err != nil {
			res.Outcome = uploadFailure(a.err, BodyFailed)
		}
	}
	if haveTCP && (res.Outcome == BodyStalled || res.Outcome == BodyNoAnswer) {
		res.TCP = &st
	}
	return res
}

// writeBody writes the head then size bytes, each write bounded by the stall timeout.
func writeBody(conn net.Conn, head string, size int64, stall time.Duration, now func() time.Time, sent *int64) error {
	_ = conn.SetWriteDeadline(now().Add(stall))
	if _, err := io.WriteString(conn, head); err != nil {
		return err
	}
	chunk := make([]byte, uploadChunk)
	for i := range chunk {
		chunk[i] = 'x'
	}
	for *sent < size {
		n := int64(len(chunk))
		if left := size - *sent; left < n {
			n = left
		}
		_ = conn.SetWriteDeadline(now().Add(stall))
		k, err := conn.Write(chunk[:n])
		*sent += int64(k)
		if err != nil {
			return err
		}
	}
	_ = conn.SetWriteDeadline(time.Time{})
	return nil
}

type readOutcome struct {
	status int
	err    error
}

// readAnswer reads the head of the server's answer to an upload, within maxHead.
func readAnswer(conn net.Conn, req *http.Request) readOutcome {
	hc := newHeadCap(conn)
	resp, err := http.ReadResponse(bufio.NewReader(hc), req)
	if err != nil {
		return readOutcome{err: headError(err, hc.got, hc.left <= 0)}
	}
	resp.Body.Close()
	return readOutcome{status: resp.StatusCode}
}

// uploadFailure classifies the error that ended an upload.
func uploadFailure(err error, def BodyOutcome) BodyOutcome {
	var cut *CutError
	switch {
	case err == nil:
		return def
	case errors.Is(err, ErrHeadTooLarge), errors.As(err, &cut):
		return BodyBadAnswer
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return BodyReset
	case errors.Is(err, os.ErrDeadlineExceeded):
		if def == BodyNoAnswer {
			return BodyNoAnswer
		}
		return BodyStalled
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return BodyClosed
	}
	return def
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// FormatSize writes a byte count as "4 MB", "512 kB" or "100 B".
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " kB"
	}
	return strconv.FormatInt(n, 10) + " B"
}
