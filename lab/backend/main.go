package backend

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Main runs a backend from command-line arguments (the flags of `hopscope lab backend`) until
// SIGTERM, SIGINT or --lifetime. Request lines go to stdout, or to --log when given.
func Main(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backend", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c Config
	var mode, logPath string
	var lifetime time.Duration
	fs.StringVar(&mode, "mode", string(ModeOK), "behaviour: "+modeList())
	fs.StringVar(&c.Listen, "listen", "", "address to listen on, HOST:PORT")
	fs.IntVar(&c.Backlog, "backlog", 0, "listen backlog (0: the system's)")
	fs.DurationVar(&c.AcceptDelay, "accept-delay", 0, "overloaded: pause before each accept")
	fs.DurationVar(&c.Work, "work", 0, "time spent on each request before answering")
	fs.Int64Var(&c.BodyAfter, "body-after", 0, "close-body, stall-body: body bytes read before failing (default 65536)")
	fs.BoolVar(&c.Reset, "reset", false, "close-body: reset the connection instead of closing it")
	fs.DurationVar(&c.Idle, "idle", 0, "keep-alive idle timeout (default 60s)")
	fs.DurationVar(&c.Hold, "hold", 0, "longest a stalled or hung connection is kept (default 30s)")
	fs.StringVar(&c.FailPath, "fail-path", "", "fail-path: path prefix that fails")
	fs.StringVar(&c.FailAction, "fail-action", "hang", "fail-path: hang or close")
	fs.IntVar(&c.MaxConns, "max-conns", 0, "connections served at once (default 256)")
	fs.StringVar(&logPath, "log", "", "file to append request lines to (default stdout)")
	fs.DurationVar(&lifetime, "lifetime", time.Hour, "stop after this long")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("backend: unexpected argument %q", fs.Arg(0))
	}
	c.Mode = Mode(mode)
	c.Log = stdout
	if logPath != "" {
		f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("backend: open log: %w", err)
		}
		defer f.Close()
		c.Log = f
	}
	srv, err := Listen(c)
	if err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	if lifetime > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, lifetime)
		defer stop()
	}
	fmt.Fprintf(stderr, "backend %s listening on %s\n", c.Mode, srv.Addr())
	return srv.Serve(ctx)
}
