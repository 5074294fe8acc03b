package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/hopscope/hopscope/diagnose/probe"
	"github.com/hopscope/hopscope/internal/sshpolicy"
	"github.com/hopscope/hopscope/knowledge"
)

// permNoPTY marks, in a login's permissions, a key that may not open a terminal.
const permNoPTY = "hopscope-no-pty"

// sshServer is the state `hopscope serve` shares between its connections.
type sshServer struct {
	opts      serveOptions
	kb        *knowledge.Base
	incidents fs.FS
	log       *slog.Logger
	keys      *sshpolicy.KeyFile
	slots     *sshpolicy.Slots
	allow     *probe.AllowList
	// emulatePty is the library's emulated-terminal handler, which each session's handler
	// needs (a terminal is drawn over the channel, no pty device is opened).
	emulatePty ssh.PtyHandler
	sessions   atomic.Int64
	// conns counts the TCP connections open, logins included; refusedConns those refused.
	conns, refusedConns atomic.Int64
}

// connsPerSession sets the cap on TCP connections from the cap on sessions: room for logins in
// progress and for a few connections without a session, not for a flood.
const connsPerSession = 4

func (s *sshServer) maxConns() int64 { return int64(max(connsPerSession*s.opts.maxSessions, 16)) }

// connState is what serve tracks of one TCP connection, kept in its context.
type connState struct {
	mu sync.Mutex
	// open counts its sessions open; idleFrom is when its last session ended (or it began).
	open     int
	idleFrom time.Time
}

// connStateKey finds a connection's connState in its context.
var connStateKey = &struct{ name string }{"hopscope-conn-state"}

func connStateOf(ctx ssh.Context) *connState {
	st, _ := ctx.Value(connStateKey).(*connState)
	return st
}

// acceptConn counts a new TCP connection against the cap, and watches it: a connection that
// holds no session for the idle timeout is closed (client keep-alives do not keep it).
func (s *sshServer) acceptConn(ctx ssh.Context, c net.Conn) net.Conn {
	if s.conns.Add(1) > s.maxConns() {
		s.conns.Add(-1)
		// A flood is logged by its first refusal and then every hundredth.
		if n := s.refusedConns.Add(1); n == 1 || n%100 == 0 {
			s.log.Info("connection refused", "remote", c.RemoteAddr().String(), "refused_so_far", n,
				"reason", fmt.Sprintf("%d connections open, the most this server takes (%d per --max-sessions)", s.maxConns(), connsPerSession))
		}
		return nil
	}
	st := &connState{idleFrom: time.Now()}
	ctx.SetValue(connStateKey, st)
	go s.watchConn(ctx, c, st)
	return c
}

func (s *sshServer) watchConn(ctx ssh.Context, c net.Conn, st *connState) {
	defer s.conns.Add(-1)
	t := time.NewTimer(s.opts.idleTimeout)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st.mu.Lock()
		open, idle := st.open, time.Since(st.idleFrom)
		st.mu.Unlock()
		if open == 0 && idle >= s.opts.idleTimeout {
			s.log.Info("connection closed", "key", fingerprint(ctx), "remote", c.RemoteAddr().String(),
				"reason", fmt.Sprintf("no session open for %s (--idle-timeout)", s.opts.idleTimeout))
			_ = c.Close()
			return
		}
		if open > 0 {
			idle = 0
		}
		t.Reset(s.opts.idleTimeout - idle)
	}
}

// newSSHServer builds the server: public keys from the authorized_keys file only, one program per
// session, sessions counted against the limits, forwarding of any kind refused.
func newSSHServer(o serveOptions, kb *knowledge.Base) (*ssh.Server, error) {
	o = o.withDefaults()
	w := o.log
	if w == nil {
		w = os.Stderr
	}
	s := &sshServer{opts: o, kb: kb, incidents: bundledIncidents(), log: slog.New(slog.NewTextHandler(w, nil)),
		slots: sshpolicy.NewSlots(sshpolicy.Limits{Total: o.maxSessions, PerKey: o.maxPerKey, PerConn: o.maxPerConn})}
	var err error
	if s.allow, err = probe.ParseAllowList(o.allowTargets); err != nil {
		return nil, fmt.Errorf("serve: --allow-targets: %w", err)
	}
	if s.keys, err = sshpolicy.OpenKeyFile(o.authorizedKeys, func(w string) {
		s.log.Warn("authorized_keys", "path", o.authorizedKeys, "problem", w)
	}); err != nil {
		return nil, fmt.Errorf("serve: %w (give --authorized-keys FILE with the team's public keys)", err)
	}
	if err := os.MkdirAll(filepath.Dir(o.hostKey), 0o700); err != nil {
		return nil, fmt.Errorf("serve: host key: %w", err)
	}
	var tmp ssh.Server
	_ = ssh.EmulatePty()(&tmp)
	s.emulatePty = tmp.PtyHandler

	srv, err := wish.NewServer(
		wish.WithHostKeyPath(o.hostKey),
		wish.WithPublicKeyAuth(s.authorize),
	)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	s.checkHostKeyMode()
	srv.HandshakeTimeout = o.handshakeTimeout
	// Sessions end themselves at their maximum length, with a message; the connection's own
	// deadline comes a little later. The library's idle timeout is not used: any byte, a
	// keep-alive included, resets it (and it races with the handshake deadline); sessions and
	// connections time their idleness themselves.
	srv.MaxTimeout = o.maxSession + time.Minute
	srv.ConnCallback = s.acceptConn
	srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": s.sessionChannel, "default": s.refuseChannel}
	srv.RequestHandlers = map[string]ssh.RequestHandler{"default": s.globalRequest}
	srv.ConnectionFailedCallback = s.connectionFailed
	if s.allow.Empty() {
		s.log.Info("serve", "allow_targets", "none", "note", "live checks of every session are refused (give --allow-targets)")
	} else {
		s.log.Info("serve", "allow_targets", s.allow.String())
	}
	return srv, nil
}

// checkHostKeyMode warns about a host key others on the machine can read: with it, anyone can
// pose as this server to the team.
func (s *sshServer) checkHostKeyMode() {
	st, err := os.Stat(s.opts.hostKey)
	if err != nil {
		return
	}
	if mode := st.Mode().Perm(); mode&0o077 != 0 {
		s.log.Warn("host key readable by group or others", "path", s.opts.hostKey, "mode", fmt.Sprintf("%04o", mode),
			"fix", "chmod 600 "+s.opts.hostKey)
	}
}

// authorize decides on each key a client offers, by the authorized_keys file as it is now.
func (s *sshServer) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	fp := gossh.FingerprintSHA256(key)
	keys, err := s.keys.Keys()
	if err != nil {
		s.log.Error("login refused", "key", fp, "remote", ctx.RemoteAddr().String(), "user", ctx.User(), "reason", err.Error())
		return false
	}
	d := sshpolicy.Authorize(keys, key, ctx.RemoteAddr(), time.Now())
	if !d.OK {
		attrs := []any{"key", fp, "remote", ctx.RemoteAddr().String(), "user", ctx.User(), "reason", d.Reason}
		if d.Line > 0 {
			attrs = append(attrs, "line", d.Line)
		}
		s.log.Info("key refused", attrs...)
		return false
	}
	perms := ctx.Permissions()
	if perms.Extensions == nil {
		perms.Extensions = map[string]string{}
	}
	if d.NoPTY {
		perms.Extensions[permNoPTY] = "1"
	}
	return true
}

// connectionFailed logs a connection that never logged in.
func (s *sshServer) connectionFailed(c net.Conn, err error) {
	reason := err.Error()
	var ne net.Error
	var auth *gossh.ServerAuthError
	if errors.As(err, &auth) {
		reason = "login refused: no key the client offered is accepted"
	} else if errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		reason = fmt.Sprintf("no SSH handshake and login within %s (--handshake-timeout)", s.opts.handshakeTimeout)
	} else if errors.Is(err, io.EOF) {
		reason = "the client closed the connection before logging in"
	}
	s.log.Info("connection failed", "remote", c.RemoteAddr().String(), "reason", reason)
}

// refuseChannel refuses every channel but a session: port forwarding (direct-tcpip), X11,
// agent and streamlocal channels.
func (s *sshServer) refuseChannel(_ *ssh.Server, _ *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	s.log.Info("channel refused", "type", nc.ChannelType(), "key", fingerprint(ctx), "remote", ctx.RemoteAddr().String())
	_ = nc.Reject(gossh.Prohibited, "hopscope serve opens no "+nc.ChannelType()+" channels")
}

// globalRequest refuses every connection-wide request; asking for a forwarded port is logged
// (keep-alives are answered by the refusal itself, which is all a client waits for).
func (s *sshServer) globalRequest(ctx ssh.Context, _ *ssh.Server, req *gossh.Request) (bool, []byte) {
	switch req.Type {
	case "tcpip-forward", "cancel-tcpip-forward", "streamlocal-forward@openssh.com", "cancel-streamlocal-forward@openssh.com":
		s.log.Info("request refused", "type", req.Type, "key", fingerprint(ctx), "remote", ctx.RemoteAddr().String(),
			"reason", "serve forwards no ports")
	}
	return false, nil
}

// fingerprint is the SHA256 fingerprint of the key the connection logged in with.
func fingerprint(ctx ssh.Context) string {
	if k, ok := ctx.Value(ssh.ContextKeyPublicKey).(ssh.PublicKey); ok && k != nil {
		return gossh.FingerprintSHA256(k)
	}
	return "none"
}
