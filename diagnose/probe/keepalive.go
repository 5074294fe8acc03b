package probe

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

// KeepaliveOutcome says how the reuse of an idle connection went.
type KeepaliveOutcome string

// The ways a reuse ends.
const (
	ReuseOK      KeepaliveOutcome = "ok"       // the second request on the idle connection was answered
	ReuseFailed  KeepaliveOutcome = "failed"   // the second request failed: the server had closed the connection
	ReuseNotKept KeepaliveOutcome = "not-kept" // the server closed after the first answer (no keep-alive at all)
	ReuseError   KeepaliveOutcome = "error"    // the first request failed (see Err)
)

// KeepaliveResult is the outcome of reusing a kept-alive connection after an idle pause.
type KeepaliveResult struct {
	// Idle is the pause between the first answer and the second request.
	Idle time.Duration `json:"idle_ns"`
	// Outcome says how it went.
	Outcome KeepaliveOutcome `json:"outcome"`
	// ServerKeepAlive is the server's Keep-Alive header ("timeout=5, max=100"), when it sent one.
	ServerKeepAlive string `json:"server_keep_alive,omitempty"`
	// ClosedWhileIdle says the server's close (FIN or close_notify) had already arrived when the
	// second request was about to be sent: a client that does not look first races it.
	ClosedWhileIdle bool `json:"closed_while_idle"`
	// First and Second are the two requests' results.
	First  *HTTPResult `json:"first,omitempty"`
	Second *HTTPResult `json:"second,omitempty"`
	// Err is the error that ended it.
	Err string `json:"error,omitempty"`
}

// Reuse sends a request on a fresh connection from dial, waits o.KeepaliveIdle, then sends a
// second request on the same connection, as a proxy's connection pool would.
func Reuse(ctx context.Context, dial func(context.Context) (net.Conn, error), o *Options, h *Hooks) *KeepaliveResult {
	res := &KeepaliveResult{Idle: o.KeepaliveIdle}
	conn, err := dial(ctx)
	if err != nil {
		res.Outcome, res.Err = ReuseError, err.Error()
		return res
	}
	defer conn.Close()
	var br *bufio.Reader
	res.First, br = RoundTrip(ctx, conn, nil, newRequest(o, o.Method, nil, 0), o, h)
	if res.First.Outcome != HTTPAnswered {
		res.Outcome, res.Err = ReuseError, res.First.Err
		return res
	}
	for _, hl := range res.First.Headers {
		if k, v, _ := strings.Cut(hl, ": "); strings.EqualFold(k, "Keep-Alive") {
			res.ServerKeepAlive = v
		}
	}
	if res.First.Closes {
		res.Outcome = ReuseNotKept
		return res
	}
	t := time.NewTimer(o.KeepaliveIdle)
	select {
	case <-ctx.Done():
		t.Stop()
		res.Outcome, res.Err = ReuseError, ctx.Err().Error()
		return res
	case <-t.C:
	}
	res.ClosedWhileIdle = peerClosed(conn, br)
	res.Second, _ = RoundTrip(ctx, conn, br, newRequest(o, o.Method, nil, 0), o, h)
	res.Outcome = ReuseOK
	if res.Second.Outcome != HTTPAnswered {
		res.Outcome, res.Err = ReuseFailed, res.Second.Err
	}
	return res
}

// peerClosed looks, without waiting, whether the peer's close has arrived on an idle connection.
func peerClosed(conn net.Conn, br *bufio.Reader) bool {
	_ = conn.SetReadDeadline(time.Now().Add(time.Millisecond))
	defer conn.SetReadDeadline(time.Time{})
	_, err := br.Peek(1)
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, io.EOF)
}
