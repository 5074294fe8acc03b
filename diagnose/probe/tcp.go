package probe

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// TCPOutcome says how one TCP connection attempt ended.
type TCPOutcome string

// The ways a connection attempt ends.
const (
	TCPConnected   TCPOutcome = "connected"   // the three-way handshake completed
	TCPRefused     TCPOutcome = "refused"     // the peer answered the SYN with a RST
	TCPTimeout     TCPOutcome = "timeout"     // no answer to the SYNs before the deadline
	TCPUnreachable TCPOutcome = "unreachable" // the network said no route, host or net unreachable
	TCPCanceled    TCPOutcome = "canceled"    // the caller gave up
	TCPError       TCPOutcome = "error"       // anything else (see Err)
	TCPNotAllowed  TCPOutcome = "not-allowed" // the Guard refused the address: nothing was sent
)

// maxAddrs bounds the addresses tried for one name: a name with dozens of records is still
// probed in bounded time and with bounded connections.
const maxAddrs = 8

// TCPAttempt is one connection attempt to one address.
type TCPAttempt struct {
	// Remote is the address tried (ip:port).
	Remote string `json:"remote"`
	// Local is the local address of the connection, when it connected.
	Local string `json:"local,omitempty"`
	// Outcome says how the attempt ended.
	Outcome TCPOutcome `json:"outcome"`
	// Took is the time from the first SYN to the handshake's end (or the failure).
	Took time.Duration `json:"took_ns"`
	// Err is the error, when it failed.
	Err string `json:"error,omitempty"`
}

// TCPResult is the outcome of connecting to every address of a host.
type TCPResult struct {
	// Attempts holds one attempt per address, in the resolver's order.
	Attempts []TCPAttempt `json:"attempts"`
	// Used is the index of the attempt whose connection is kept for the next checks; -1 when
	// none connected.
	Used int `json:"used"`
	// Skipped counts addresses past the bound that were not tried.
	Skipped int `json:"skipped,omitempty"`
}

// Outcome is the attempt kept when one connected, else the first attempt's outcome that says
// something about the network (an address the Guard refused says nothing about it); not-allowed
// when every address was refused.
func (r *TCPResult) Outcome() TCPOutcome {
	if r.Used >= 0 {
		return TCPConnected
	}
	if len(r.Attempts) == 0 {
		return TCPError
	}
	for _, a := range r.Attempts {
		if a.Outcome != TCPNotAllowed {
			return a.Outcome
		}
	}
	return TCPNotAllowed
}

// ConnectAll connects to port on every address of host at once, each within the connect timeout.
// It returns the result and the connection of the first address (in the given order) that
// connected; the others are closed. conn is nil when none connected. An address the options'
// Guard refuses is not dialled: its attempt says so.
func ConnectAll(ctx context.Context, o *Options, host string, addrs []netip.Addr, port int, h *Hooks) (*TCPResult, net.Conn) {
	res := &TCPResult{Used: -1}
	if len(addrs) > maxAddrs {
		res.Skipped = len(addrs) - maxAddrs
		addrs = addrs[:maxAddrs]
	}
	res.Attempts = make([]TCPAttempt, len(addrs))
	conns := make([]net.Conn, len(addrs))
	var wg sync.WaitGroup
	for i, a := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res.Attempts[i], conns[i] = connectOne(ctx, o, host, net.JoinHostPort(a.String(), strconv.Itoa(port)), h)
		}()
	}
	wg.Wait()
	var kept net.Conn
	for i, c := range conns {
		if c == nil {
			continue
		}
		if kept == nil {
			kept, res.Used = c, i
			continue
		}
		c.Close()
	}
	return res, kept
}

// connectOne makes one attempt.
func connectOne(ctx context.Context, o *Options, host, addr string, h *Hooks) (TCPAttempt, net.Conn) {
	h.connectStart(addr)
	at := TCPAttempt{Remote: addr}
	start := o.now()
	c, err := o.dial(ctx, host, addr, orDefault(o.ConnectTimeout, DefaultConnectTimeout))
	at.Took = o.now().Sub(start)
	if errors.Is(err, ErrNotAllowed) {
		at.Outcome, at.Err = TCPNotAllowed, err.Error()
	} else if err != nil {
		at.Outcome, at.Err = classifyConnect(ctx, err), err.Error()
	} else {
		at.Outcome, at.Local = TCPConnected, c.LocalAddr().String()
	}
	h.connectDone(at)
	return at, c
}

// classifyConnect maps a dial error to an outcome by the errno beneath it.
func classifyConnect(ctx context.Context, err error) TCPOutcome {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return TCPRefused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.EHOSTDOWN), errors.Is(err, syscall.ENETDOWN),
		// Linux's answer to a connect towards a blackhole route (EINVAL) or a prohibit route
		// (EACCES): the local routing table discards the path, nothing is sent.
		errors.Is(err, syscall.EINVAL), errors.Is(err, syscall.EACCES):
		return TCPUnreachable
	case errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, os.ErrDeadlineExceeded),
		errors.Is(err, context.DeadlineExceeded):
		return TCPTimeout
	case ctx.Err() == context.Canceled:
		return TCPCanceled
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return TCPTimeout
	}
	return TCPError
}
