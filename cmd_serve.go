package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/activeterm"
	wishtea "charm.land/wish/v2/bubbletea"
	"charm.land/wish/v2/recover"
	"github.com/spf13/cobra"

	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui"
)

// serveIdleTimeout ends an SSH session nobody has typed in for an hour: long enough for an
// incident call, short enough that forgotten sessions do not pile up on a bastion.
const serveIdleTimeout = time.Hour

// serveShutdownTimeout is how long open sessions get to end when the server is stopped.
const serveShutdownTimeout = 5 * time.Second

// serveOptions configure `hopscope serve`.
type serveOptions struct {
	listen         string
	authorizedKeys string
	hostKey        string
}

func newServeCmd() *cobra.Command {
	var o serveOptions
	home, _ := os.UserHomeDir()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the interactive screen to a team over SSH",
		Long: `serve runs an SSH server that gives every session its own interactive screen
(the same as running hopscope with no arguments). Only public-key authentication is
accepted, against an authorized_keys file; the host key is created on first use.
It listens on the loopback address unless told otherwise.`,
		Example: `  hopscope serve
  hopscope serve --listen 127.0.0.1:2222 --authorized-keys ~/.ssh/authorized_keys
  ssh -p 2222 -t localhost`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			kb, err := knowledge.Default()
			if err != nil {
				return fmt.Errorf("knowledge: %w", err)
			}
			srv, err := newSSHServer(o, kb)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", o.listen)
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			host, port, _ := net.SplitHostPort(ln.Addr().String())
			fmt.Fprintf(cmd.ErrOrStderr(), "hopscope: serving on %s (connect with: ssh -p %s -t %s)\n", ln.Addr(), port, host)
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serveUntilDone(ctx, srv, ln)
		},
	}
	cmd.Flags().StringVar(&o.listen, "listen", "127.0.0.1:2222", "address to listen on")
	cmd.Flags().StringVar(&o.authorizedKeys, "authorized-keys", filepath.Join(home, ".ssh", "authorized_keys"), "public keys allowed to connect (OpenSSH authorized_keys format)")
	cmd.Flags().StringVar(&o.hostKey, "host-key", filepath.Join(home, ".config", "hopscope", "ssh_host_ed25519"), "the server's private key (created if missing)")
	return cmd
}

// newSSHServer builds the server: public keys from the authorized_keys file only, one program per
// session, a panic in one session kept from taking the others down.
func newSSHServer(o serveOptions, kb *knowledge.Base) (*ssh.Server, error) {
	if _, err := os.Stat(o.authorizedKeys); err != nil {
		return nil, fmt.Errorf("serve: authorized keys: %w (give --authorized-keys FILE with the team's public keys)", err)
	}
	if err := os.MkdirAll(filepath.Dir(o.hostKey), 0o700); err != nil {
		return nil, fmt.Errorf("serve: host key: %w", err)
	}
	incidents := bundledIncidents()
	handler := func(sess ssh.Session) (tea.Model, []tea.ProgramOption) {
		return ui.New(kb, ui.Options{Incidents: incidents}), nil
	}
	srv, err := wish.NewServer(
		wish.WithHostKeyPath(o.hostKey),
		wish.WithAuthorizedKeys(o.authorizedKeys),
		wish.WithIdleTimeout(serveIdleTimeout),
		wish.WithMiddleware(
			recover.Middleware(wishtea.Middleware(handler), activeterm.Middleware()),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	return srv, nil
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
			return fmt.Errorf("serve: shutdown: %w", err)
		}
		return nil
	}
}
