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
	// The sessions end themselves on these, with a message; the connection's own deadlines are
	// a little later, for a connection that holds no session or a client that stopped reading.
	srv.IdleTimeout = o.idleTimeout + time.Minute
	srv.MaxTimeout = o.maxSession + time.Minute
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
