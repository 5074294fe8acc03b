package lab

import (
	"context"
	"fmt"
	"os"

	"github.com/hopscope/hopscope/lab/backend"
)

// backendEnv marks a process started by the lab to run one of lab/backend's servers. Any program
// that links the lab (hopscope itself, a package's test binary) can then serve as the backend:
// the lab re-executes its own binary with this variable set and `lab backend FLAGS…` as
// arguments, and init below runs the server instead of the program's main.
const backendEnv = "HOPSCOPE_LAB_BACKEND"

func init() {
	if os.Getenv(backendEnv) != "1" {
		return
	}
	args := os.Args[1:]
	for i, a := range args {
		if a == "backend" {
			args = args[i+1:]
			break
		}
	}
	if err := backend.Main(args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hopscope lab backend: "+err.Error())
		os.Exit(1)
	}
	os.Exit(0)
}

// revBackendPort is where the lab's backends listen inside a scenario's namespace.
const revBackendPort = 9000

// loopbackHosts are the backend's addresses when it shares the proxy's namespace.
var loopbackHosts = [2]string{"127.0.0.1", "::1"}

// startBackends runs a lab/backend server on each of hosts (IPv4, IPv6) at revBackendPort inside
// netns, both appending their request lines to log/backend.log. flags are the server's own
// (--mode and what the mode needs).
func (l *Lab) startBackends(ctx context.Context, netns string, hosts [2]string, flags ...string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("lab: find own executable for the backend: %w", err)
	}
	for i, host := range hosts {
		name := "backend"
		if i > 0 {
			name = "backend-v6"
		}
		addr := hostPort(host, revBackendPort)
		argv := append([]string{exe, "lab", "backend", "--listen", addr, "--log", l.LogPath("backend.log")}, flags...)
		if _, err := l.Spawn(ctx, Daemon{Name: name, Argv: argv, Netns: netns, Ready: addr,
			Env: []string{backendEnv + "=1"}}); err != nil {
			return err
		}
	}
	return nil
}
