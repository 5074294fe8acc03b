// Package backend holds the lab's misbehaving HTTP backends: small servers that fail the way real
// backends fail behind a reverse proxy (a listen queue too short for a burst, a connection closed or
// no longer read in the middle of a request body, an idle keep-alive connection closed just as the
// proxy reuses it, one URL that never answers). The lab runs them as real processes
// (`hopscope lab backend --mode MODE --listen ADDR`) so the proxy in front talks to a real socket.
package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// Mode names one way of behaving.
type Mode string

// The modes a backend can run in.
const (
	// ModeOK answers every request with 200 after reading its whole body, keeping connections
	// alive for Config.Idle.
	ModeOK Mode = "ok"
	// ModeOverloaded listens with a tiny backlog and serves one connection at a time, pausing
	// before each accept: a burst overflows the listen queue and the kernel drops SYNs and
	// handshake ACKs.
	ModeOverloaded Mode = "overloaded"
	// ModeCloseBody reads Config.BodyAfter bytes of a request body, then closes the connection
	// without answering, as a backend that crashed in the middle of an upload.
	ModeCloseBody Mode = "close-body"
	// ModeStallBody reads Config.BodyAfter bytes of a request body, then stops reading and holds
	// the connection for Config.Hold, as a backend whose handler hung.
	ModeStallBody Mode = "stall-body"
	// ModeIdleClose keeps connections alive but closes, without answering, a request that arrives
	// on a connection idle for Config.Idle or longer: the idle timer fired while the request was
	// in flight, which is the keep-alive race a reusing proxy loses.
	ModeIdleClose Mode = "idle-close"
	// ModeFailPath answers like ModeOK except for paths under Config.FailPath, which hang
	// (Config.FailAction "hang") or are closed without an answer ("close").
	ModeFailPath Mode = "fail-path"
)

// Modes lists every mode, in the order `hopscope lab backend --help` shows them.
var Modes = []Mode{ModeOK, ModeOverloaded, ModeCloseBody, ModeStallBody, ModeIdleClose, ModeFailPath}

// Config says how a backend behaves. Zero durations and sizes take the defaults of Defaults.
type Config struct {
	Mode        Mode
	Listen      string        // host:port to listen on
	Backlog     int           // listen backlog; 0 keeps the system's (net.core.somaxconn)
	AcceptDelay time.Duration // ModeOverloaded: pause before each accept
	Work        time.Duration // time spent on each request before answering
	BodyAfter   int64         // ModeCloseBody, ModeStallBody: body bytes read before failing
	Reset       bool          // ModeCloseBody: abort with a reset rather than a plain close
	Idle        time.Duration // keep-alive idle timeout
	Hold        time.Duration // longest a stalled or hung connection is kept open
	FailPath    string        // ModeFailPath: path prefix that fails
	FailAction  string        // ModeFailPath: "hang" or "close"
	MaxConns    int           // connections served at once; more are closed at accept
	Log         io.Writer     // one line per request; nil discards
}

// Defaults fills the zero fields of c with values that keep a lab run short and bounded.
func (c Config) Defaults() Config {
	if c.Mode == "" {
		c.Mode = ModeOK
	}
	if c.Idle == 0 {
		// Long enough that a healthy backend never races a proxy's reuse in a lab run.
		c.Idle = 60 * time.Second
	}
	if c.Hold == 0 {
		// Longer than any proxy timeout the lab configures, short enough to bound a stray run.
		c.Hold = 30 * time.Second
	}
	if c.BodyAfter == 0 {
		c.BodyAfter = 64 << 10
	}
	if c.FailAction == "" {
		c.FailAction = "hang"
	}
	if c.MaxConns == 0 {
		c.MaxConns = 256
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	return c
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	known := false
	for _, m := range Modes {
		known = known || c.Mode == m
	}
	switch {
	case !known:
		return fmt.Errorf("unknown backend mode %q (want one of %s)", c.Mode, modeList())
	case c.Listen == "":
		return errors.New("backend needs an address to listen on (--listen HOST:PORT)")
	case c.Mode == ModeFailPath && !strings.HasPrefix(c.FailPath, "/"):
		return fmt.Errorf("fail-path mode needs a path starting with / (got %q)", c.FailPath)
	case c.FailAction != "hang" && c.FailAction != "close":
		return fmt.Errorf("unknown fail action %q (want hang or close)", c.FailAction)
	case c.Backlog < 0, c.BodyAfter < 0, c.MaxConns < 0:
		return errors.New("backlog, body size and connection limit must not be negative")
	}
	return nil
}

func modeList() string {
	s := make([]string, len(Modes))
	for i, m := range Modes {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

// Server is a running backend.
type Server struct {
	cfg Config
	ln  net.Listener
	log *lineLog
	wg  sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// Listen validates cfg and opens its listening socket; Serve then answers on it.
func Listen(cfg Config) (*Server, error) {
	cfg = cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ln, err := listenBacklog(cfg.Listen, cfg.Backlog)
	if err != nil {
		return nil, fmt.Errorf("backend: listen on %s: %w", cfg.Listen, err)
	}
	return &Server{cfg: cfg, ln: ln, log: &lineLog{w: cfg.Log}, conns: map[net.Conn]struct{}{}}, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve answers connections until ctx ends, then closes every connection and returns.
func (s *Server) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.ln.Close() })
	defer stop()
	sem := make(chan struct{}, s.cfg.MaxConns)
	var err error
	for {
		if s.cfg.Mode == ModeOverloaded && s.cfg.AcceptDelay > 0 {
			if !sleepCtx(ctx, s.cfg.AcceptDelay) {
				break
			}
		}
		var c net.Conn
		c, err = s.ln.Accept()
		if err != nil {
			break
		}
		if s.cfg.Mode == ModeOverloaded {
			// One connection at a time: the next accept waits for this one to finish.
			s.serveConn(ctx, c)
			continue
		}
		select {
		case sem <- struct{}{}:
		default:
			c.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer func() { <-sem; s.wg.Done() }()
			s.serveConn(ctx, c)
		}()
	}
	s.ln.Close()
	s.closeAll()
	s.wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("backend: accept: %w", err)
}

func (s *Server) track(c net.Conn, add bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		s.conns[c] = struct{}{}
	} else {
		delete(s.conns, c)
	}
}

func (s *Server) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

// sleepCtx waits d or until ctx ends; it reports whether the full time passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// lineLog serialises the request lines of concurrent connections.
type lineLog struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineLog) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, time.Now().UTC().Format("2006-01-02T15:04:05.000Z")+" "+format+"\n", args...)
}
