package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	wishtea "charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/diagnose/probe"
	"github.com/hopscope/hopscope/internal/sshpolicy"
)

// maxEnv bounds the environment variables a session may set: each is kept for the session's
// life, and a client could otherwise send them without end.
const maxEnv = 64

// forceCloseAfter is how long an ending session's screen gets to put the terminal back before
// the channel is closed under it.
const forceCloseAfter = 2 * time.Second

// Why a session ended, as the log says it.
const (
	endQuit       = "quit"
	endIdle       = "idle-timeout"
	endMaxSession = "max-session"
	endClientLeft = "client-closed"
	endNoTerminal = "no-terminal"
)

// servedSession is one SSH session of serve, from its channel's opening to its end.
type servedSession struct {
	id      int64
	key     string
	remote  string
	user    string
	started time.Time
	noPTY   bool

	ctx    context.Context
	cancel context.CancelFunc
	// lastInput is when the client last sent a byte of input (Unix nanoseconds).
	lastInput atomic.Int64

	mu      sync.Mutex
	why     string
	checked []string
	// closed says the session's last log line is written (or about to be).
	closed bool
}

// check refuses what is asked once the session's last log line is written.
func (ss *servedSession) check() error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return errSessionEnded
	}
	return nil
}

// end records why the session ends (the first reason holds) and stops its screen.
func (ss *servedSession) end(why string) {
	ss.mu.Lock()
	if ss.why == "" {
		ss.why = why
	}
	ss.mu.Unlock()
	ss.cancel()
}

func (ss *servedSession) reason() string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.why == "" {
		return endQuit
	}
	return ss.why
}

// sessionChannel runs one session channel: counted against the limits (a refused one is told
// why), its requests filtered, its screen ended by the idle and session timeouts.
func (s *sshServer) sessionChannel(_ *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	key := fingerprint(ctx)
	release, err := s.slots.Acquire(key, conn)
	var r *sshpolicy.Refusal
	if errors.As(err, &r) {
		s.log.Info("session refused", "key", key, "remote", ctx.RemoteAddr().String(), "user", ctx.User(), "reason", r.Log)
		_ = nc.Reject(gossh.ResourceShortage, r.Client)
		return
	}
	defer release()
	if cs := connStateOf(ctx); cs != nil {
		cs.mu.Lock()
		cs.open++
		cs.mu.Unlock()
		defer func() {
			cs.mu.Lock()
			cs.open--
			cs.idleFrom = time.Now()
			cs.mu.Unlock()
		}()
	}
	sctx, cancel := context.WithCancel(ctx)
	ss := &servedSession{id: s.sessions.Add(1), key: key, remote: ctx.RemoteAddr().String(), user: shorten(ctx.User(), 64),
		started: time.Now(), ctx: sctx, cancel: cancel}
	if p := ctx.Permissions(); p.Permissions != nil && p.Extensions[permNoPTY] != "" {
		ss.noPTY = true
	}
	ss.lastInput.Store(ss.started.UnixNano())
	fc := &filteredChannel{NewChannel: nc, s: s, ss: ss}
	go s.watch(ss, fc)
	inner := &ssh.Server{Handler: s.screen(ss), PtyHandler: s.emulatePty}
	ssh.DefaultSessionHandler(inner, conn, fc, ctx)
	ss.end(endClientLeft)
	end := time.Now()
	ss.mu.Lock()
	ss.closed = true
	checked := strings.Join(ss.checked, ",")
	ss.mu.Unlock()
	s.log.Info("session end", "session", ss.id, "key", ss.key, "remote", ss.remote, "user", ss.user,
		"start", ss.started.UTC().Format(time.RFC3339), "end", end.UTC().Format(time.RFC3339),
		"duration", end.Sub(ss.started).Round(time.Second).String(), "reason", ss.reason(), "checked", checked)
}

// watch ends the session when no input came for the idle timeout or when it reached its
// maximum length. Only input counts: keep-alives and the screen's own output do not.
func (s *sshServer) watch(ss *servedSession, fc *filteredChannel) {
	maxEnd := time.NewTimer(s.opts.maxSession)
	defer maxEnd.Stop()
	for {
		idleFor := time.Since(time.Unix(0, ss.lastInput.Load()))
		wait := s.opts.idleTimeout - idleFor
		if wait <= 0 {
			ss.end(endIdle)
			break
		}
		idle := time.NewTimer(wait)
		select {
		case <-ss.ctx.Done():
			idle.Stop()
		case <-maxEnd.C:
			idle.Stop()
			ss.end(endMaxSession)
		case <-idle.C:
			continue
		}
		break
	}
	// The screen puts the terminal back and says why; a channel whose screen never started (no
	// shell asked for) or does not stop is closed regardless.
	t := time.NewTimer(forceCloseAfter)
	defer t.Stop()
	<-t.C
	fc.close()
}

// screen is the session's handler: the interactive screen in the client's terminal, its live
// checks limited to the allowed targets.
func (s *sshServer) screen(ss *servedSession) ssh.Handler {
	return func(sess ssh.Session) {
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("session panic", "session", ss.id, "panic", fmt.Sprint(p))
			}
		}()
		pty, windows, ok := sess.Pty()
		if !ok {
			ss.end(endNoTerminal)
			why := "hopscope: the screen needs a terminal: connect with ssh -t"
			if ss.noPTY {
				why = "hopscope: this key may not open a terminal (no-pty or restrict in authorized_keys)"
			}
			fmt.Fprint(sess.Stderr(), why+"\r\n")
			_ = sess.Exit(1)
			return
		}
		s.log.Info("session start", "session", ss.id, "key", ss.key, "remote", ss.remote, "user", ss.user,
			"term", shorten(pty.Term, 64), "window", fmt.Sprintf("%dx%d", pty.Window.Width, pty.Window.Height))
		guard := &sessionGuard{list: s.allow, s: s, ss: ss}
		m, err := s.program(ss, guard)
		if err != nil {
			ss.end(endQuit)
			fmt.Fprint(sess.Stderr(), "hopscope: "+oneLine(err)+"\r\n")
			_ = sess.Exit(1)
			return
		}
		opts := append(wishtea.MakeOptions(sess), tea.WithContext(ss.ctx))
		p := tea.NewProgram(m, opts...)
		go func() {
			for {
				select {
				case <-ss.ctx.Done():
					return
				case w, ok := <-windows:
					if !ok {
						return
					}
					p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
				}
			}
		}()
		_, _ = p.Run()
		p.Kill()
		switch ss.reason() {
		case endIdle:
			fmt.Fprintf(sess, "\r\nhopscope: session closed after %s without input (serve --idle-timeout)\r\n", s.opts.idleTimeout)
		case endMaxSession:
			fmt.Fprintf(sess, "\r\nhopscope: session closed at its maximum length of %s (serve --max-session)\r\n", s.opts.maxSession)
		}
		ss.end(endQuit)
	}
}

// filteredChannel accepts a session channel and stands between its requests and the library:
// terminal sizes are clamped, what serve does not offer is refused and logged, and input is
// timed for the idle timeout.
type filteredChannel struct {
	gossh.NewChannel
	s  *sshServer
	ss *servedSession

	mu sync.Mutex
	ch gossh.Channel
	// clampedPty and clampedResize say a clamp was logged: a client resizing without end logs
	// it once.
	clampedPty, clampedResize bool
}

// Accept implements gossh.NewChannel.
func (fc *filteredChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := fc.NewChannel.Accept()
	if err != nil {
		return nil, nil, err
	}
	fc.mu.Lock()
	fc.ch = ch
	fc.mu.Unlock()
	out := make(chan *gossh.Request)
	go fc.filter(reqs, out)
	return &inputChannel{Channel: ch, ss: fc.ss}, out, nil
}

func (fc *filteredChannel) close() {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.ch != nil {
		_ = fc.ch.Close()
	}
}

func (fc *filteredChannel) filter(in <-chan *gossh.Request, out chan<- *gossh.Request) {
	defer close(out)
	env := 0
	for req := range in {
		switch req.Type {
		case "pty-req":
			if fc.ss.noPTY {
				fc.refuse(req, "no-pty or restrict in authorized_keys")
				continue
			}
			p, asked, kept, ok := sshpolicy.ClampPtyRequest(req.Payload)
			if ok && asked != kept {
				fc.logClamp(&fc.clampedPty, asked, kept)
			}
			req.Payload = p
		case "window-change":
			p, asked, kept, ok := sshpolicy.ClampWindowChange(req.Payload)
			if ok && asked != kept {
				fc.logClamp(&fc.clampedResize, asked, kept)
			}
			req.Payload = p
		case "env":
			if env++; env > maxEnv {
				_ = req.Reply(false, nil)
				continue
			}
		case "exec":
			var cmd struct{ Value string }
			_ = gossh.Unmarshal(req.Payload, &cmd)
			fc.refuse(req, "serve runs only its screen; commands are not run", "command", shorten(diagnose.Redact(cmd.Value), 200))
			continue
		case "subsystem":
			var sub struct{ Value string }
			_ = gossh.Unmarshal(req.Payload, &sub)
			fc.refuse(req, "serve offers no subsystems", "subsystem", shorten(sub.Value, 100))
			continue
		case "auth-agent-req@openssh.com":
			fc.refuse(req, "serve forwards no agent")
			continue
		case "x11-req":
			fc.refuse(req, "serve forwards no X11")
			continue
		}
		out <- req
	}
}

func (fc *filteredChannel) refuse(req *gossh.Request, reason string, attrs ...any) {
	ss := fc.ss
	fc.s.log.Info("request refused", append([]any{"session", ss.id, "type", req.Type, "key", ss.key, "remote", ss.remote, "reason", reason}, attrs...)...)
	_ = req.Reply(false, nil)
}

func (fc *filteredChannel) logClamp(logged *bool, asked, kept sshpolicy.Window) {
	if *logged {
		return
	}
	*logged = true
	fc.s.log.Info("window clamped", "session", fc.ss.id, "asked", fmt.Sprintf("%dx%d", asked.Columns, asked.Rows),
		"kept", fmt.Sprintf("%dx%d", kept.Columns, kept.Rows))
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// inputChannel notes when input arrives, and ends the session when the client stops sending or
// can no longer be written to.
type inputChannel struct {
	gossh.Channel
	ss *servedSession
}

// Read implements io.Reader.
func (c *inputChannel) Read(p []byte) (int, error) {
	n, err := c.Channel.Read(p)
	if n > 0 {
		c.ss.lastInput.Store(time.Now().UnixNano())
	}
	if err != nil {
		c.ss.end(endClientLeft)
	}
	return n, err
}

// Write implements io.Writer.
func (c *inputChannel) Write(p []byte) (int, error) {
	n, err := c.Channel.Write(p)
	if err != nil {
		c.ss.end(endClientLeft)
	}
	return n, err
}

// sessionGuard is a session's allow-list: each decision is logged with the session, and what
// was reached or refused is kept for the session's last log line.
type sessionGuard struct {
	list *probe.AllowList
	s    *sshServer
	ss   *servedSession
}

// maxChecked bounds the targets a session's last log line lists.
const maxChecked = 32

// errSessionEnded refuses what a check still asks once its session has ended: the session's
// last log line is written, so nothing more may be reached in its name.
var errSessionEnded = fmt.Errorf("the session has ended: %w", probe.ErrNotAllowed)

// note logs the decision err about target and keeps it for the session's last line; it returns
// err, or errSessionEnded without logging once that line is written.
func (g *sessionGuard) note(target string, err error) error {
	allowed := err == nil
	entry := target
	if !allowed {
		entry += "(refused)"
	}
	ss := g.ss
	// The decision is logged under the session's lock, which the last line is written after
	// taking: no check line can follow it.
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return errSessionEnded
	}
	attrs := []any{"session", ss.id, "key", ss.key, "target", target, "allowed", allowed}
	if err != nil {
		attrs = append(attrs, "reason", err.Error())
	}
	g.s.log.Info("check", attrs...)
	if !slices.Contains(ss.checked, entry) && len(ss.checked) < maxChecked {
		ss.checked = append(ss.checked, entry)
	}
	return err
}

// AllowLookup implements probe.Guard. Only a refusal is logged: a lookup reaches nothing by
// itself, and what it leads to is asked of AllowDial.
func (g *sessionGuard) AllowLookup(host string, port int) error {
	if err := g.list.AllowLookup(host, port); err != nil {
		return g.note(net.JoinHostPort(host, strconv.Itoa(port)), err)
	}
	return g.ss.check()
}

// AllowDial implements probe.Guard.
func (g *sessionGuard) AllowDial(host string, addr netip.AddrPort) error {
	err := g.list.AllowDial(host, addr)
	target := addr.String()
	if a, perr := netip.ParseAddr(host); perr != nil || a.Unmap() != addr.Addr().Unmap() {
		target = host + "=" + target
	}
	return g.note(target, err)
}

// AllowTunnel implements probe.Guard.
func (g *sessionGuard) AllowTunnel(host string, port int) error {
	return g.note("CONNECT "+net.JoinHostPort(host, strconv.Itoa(port)), g.list.AllowTunnel(host, port))
}
