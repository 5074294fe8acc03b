package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"charm.land/ssh"
	"github.com/spf13/cobra"

	"github.com/hopscope/hopscope/knowledge"
)

// Defaults of the serve flags.
const (
	// defaultIdleTimeout ends a session nobody has typed in for an hour: long enough to watch a
	// replay or a followed log during an incident call, short enough that forgotten sessions do
	// not pile up on a bastion.
	defaultIdleTimeout = time.Hour
	// defaultMaxSession ends any session after a working shift, however busy.
	defaultMaxSession = 8 * time.Hour
	// defaultHandshakeTimeout is how long a TCP connection may take to complete the SSH handshake
	// and authentication; a client that never starts it holds no socket longer than this.
	defaultHandshakeTimeout = 20 * time.Second
	// defaultMaxSessions keeps a team's sessions (a few MB each) well inside a bastion's memory.
	defaultMaxSessions = 32
	// defaultMaxSessionsPerKey lets one person keep a few screens open, not take them all.
	defaultMaxSessionsPerKey = 4
	// maxSessionsPerConn is how many sessions one TCP connection may multiplex: ssh's
	// ControlMaster shares a connection between a few terminals, never hundreds.
	maxSessionsPerConn = 4
)

// serveShutdownTimeout is how long open sessions get to end when the server is stopped.
const serveShutdownTimeout = 5 * time.Second

// serveOptions configure `hopscope serve`. Zero durations and counts mean the defaults.
type serveOptions struct {
	listen         string
	authorizedKeys string
	hostKey        string
	// allowTargets lists where the live checks of remote sessions may connect; empty: nowhere.
	allowTargets     string
	idleTimeout      time.Duration
	maxSession       time.Duration
	handshakeTimeout time.Duration
	maxSessions      int
	maxPerKey        int
	maxPerConn       int
	// logFile receives the connection log (logfmt); empty: standard error.
	logFile string
	// log, when set, receives the connection log instead (tests).
	log io.Writer
	// train hands every session a training run of trainCount incidents instead of the screen,
	// the progress kept per key (see cmd_serve_train.go).
	train         bool
	trainCount    int
	trainPlaybook string
}

func (o serveOptions) withDefaults() serveOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defN := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	def(&o.idleTimeout, defaultIdleTimeout)
	def(&o.maxSession, defaultMaxSession)
	def(&o.handshakeTimeout, defaultHandshakeTimeout)
	defN(&o.maxSessions, defaultMaxSessions)
	defN(&o.maxPerKey, defaultMaxSessionsPerKey)
	defN(&o.maxPerConn, maxSessionsPerConn)
	return o
}

func newServeCmd() *cobra.Command {
	var o serveOptions
	home, _ := os.UserHomeDir()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the interactive screen to a team over SSH",
		Long: `serve runs an SSH server that gives every session its own interactive screen
(the same as running hopscope with no arguments). Only public-key authentication is
accepted, against an authorized_keys file (from=, expiry-time=, no-pty and restrict are
honoured; a key with an option serve does not implement is refused); the host key is
created on first use. It listens on the loopback address unless told otherwise.

The live checks of a session may connect only to --allow-targets (none when not given).
Forwarding, agent forwarding, exec and subsystems are refused. Every connection, session,
refusal and check target is written to the connection log in logfmt.`,
		Example: `  hopscope serve
  hopscope serve --listen 10.0.0.5:2222 --authorized-keys /etc/hopscope/keys --allow-targets 10.20.0.0/16,proxy.corp:3128
  ssh -p 2222 -t localhost`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			kb, err := knowledge.Default()
			if err != nil {
				return fmt.Errorf("knowledge: %w", err)
			}
			if o.logFile != "" {
				f, err := os.OpenFile(o.logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
				if err != nil {
					return fmt.Errorf("serve: connection log: %w", err)
				}
				defer f.Close()
				o.log = f
			} else {
				o.log = cmd.ErrOrStderr()
			}
			srv, err := newSSHServer(o, kb)
			if err != nil {
				return err
			}
			ln, err := listen(o.listen)
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "hopscope: serving on %s (connect with: %s)\n", describeListener(ln.Addr()), sshCommand(ln.Addr()))
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serveUntilDone(ctx, srv, ln)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:2222", "address to listen on (an IPv4 address listens on IPv4 only, an IPv6 one on IPv6 only, :PORT on both)")
	f.StringVar(&o.authorizedKeys, "authorized-keys", filepath.Join(home, ".ssh", "authorized_keys"), "public keys allowed to connect (OpenSSH authorized_keys format)")
	f.StringVar(&o.hostKey, "host-key", filepath.Join(home, ".config", "hopscope", "ssh_host_ed25519"), "the server's private key (created if missing)")
	f.StringVar(&o.allowTargets, "allow-targets", "", "where the sessions' live checks may connect: CIDR networks, addresses, host names, each with an optional :PORT, comma-separated (empty: nowhere)")
	f.DurationVar(&o.idleTimeout, "idle-timeout", defaultIdleTimeout, "end a session after this long without a key pressed")
	f.DurationVar(&o.maxSession, "max-session", defaultMaxSession, "end a session after this long, however busy")
	f.DurationVar(&o.handshakeTimeout, "handshake-timeout", defaultHandshakeTimeout, "close a connection that has not completed the SSH handshake and login in this long")
	f.IntVar(&o.maxSessions, "max-sessions", defaultMaxSessions, "the most sessions open at once")
	f.IntVar(&o.maxPerKey, "max-sessions-per-key", defaultMaxSessionsPerKey, "the most sessions open at once with one key")
	f.StringVar(&o.logFile, "log-file", "", "append the connection log to this file (default: standard error)")
	f.BoolVar(&o.train, "train", false, "give every session a training run (hopscope train) instead of the screen; each key's progress is its own")
	f.IntVar(&o.trainCount, "train-count", 5, "with --train, how many incidents a session trains on")
	f.StringVar(&o.trainPlaybook, "train-playbook", "", "with --train, only incidents of this playbook (proxy-tunnel, tls-handshake, mod-proxy)")
	return cmd
}

// listen opens the listening socket. An IPv4 address listens on IPv4 only: Go's "tcp" would
// bind 0.0.0.0 as a dual-stack IPv6 socket and accept IPv6 clients the operator did not mean.
func listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--listen %q: want HOST:PORT (%v)", addr, err)
	}
	network := "tcp"
	if ip, err := netip.ParseAddr(host); err == nil {
		network = "tcp6"
		if ip.Is4() {
			network = "tcp4"
		}
	}
	return net.Listen(network, addr)
}

// describeListener names the listening address and the families it takes.
func describeListener(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	switch {
	case ta.IP.To4() != nil:
		return a.String() + ", IPv4"
	case ta.IP.IsUnspecified():
		return a.String() + ", IPv4 and IPv6"
	}
	return a.String() + ", IPv6"
}

// sshCommand is the command a team member types to connect: a wildcard address is not one a
// client can reach, so the machine's name stands in for it.
func sshCommand(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return "ssh -t " + a.String()
	}
	host := ta.IP.String()
	if ta.IP.IsUnspecified() {
		host = "THIS-HOST"
		if h, err := os.Hostname(); err == nil && h != "" {
			host = h
		}
	}
	return fmt.Sprintf("ssh -p %d -t %s", ta.Port, host)
}

// serveUntilDone serves on ln until ctx ends, then gives open sessions a moment to close.
func serveUntilDone(ctx context.Context, srv *ssh.Server, ln net.Listener) error {
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		if errors.Is(err, ssh.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), serveShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, ssh.ErrServerClosed) {
			_ = srv.Close()
			return fmt.Errorf("serve: shutdown: %w", err)
		}
		return nil
	}
}
