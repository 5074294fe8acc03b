package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Daemon describes a server to run in the foreground with its own configuration.
type Daemon struct {
	// Name identifies it in the state file and names its output file, Dir/log/NAME.out.
	Name string
	// Argv is the command and its arguments; the program is looked up on PATH and in /usr/sbin.
	Argv []string
	// Netns runs it inside that network namespace ("" = host).
	Netns string
	// Ready, when set, is a literal host:port the daemon listens on (TCP): Spawn returns once
	// the daemon has a socket listening there (read from /proc, no connection is made), or
	// fails when the daemon exits or startTimeout passes.
	Ready string
	// Env adds environment variables.
	Env []string
	// Etc replaces files under /etc for this daemon only (a private mount namespace with bind
	// mounts), e.g. {"resolv.conf": "nameserver 127.213.1.53\n"} to make name resolution local
	// and deterministic. The files are written to config/etc/.
	Etc map[string]string
}

// Process is a daemon the lab started.
type Process struct {
	Name string
	PID  int
	// Output is the file holding the daemon's standard output and error.
	Output string
	done   chan struct{}
}

// Spawn runs d in its own session (so it outlives `lab up`) and records it in the state file
// before waiting for it to be ready.
func (l *Lab) Spawn(ctx context.Context, d Daemon) (*Process, error) {
	if len(d.Argv) == 0 {
		return nil, errors.New("lab: daemon with no command")
	}
	path, err := LookPath(d.Argv[0])
	if err != nil {
		return nil, fmt.Errorf("lab: %s: %w", d.Argv[0], err)
	}
	argv := append([]string{path}, d.Argv[1:]...)
	if len(d.Etc) > 0 {
		if argv, err = l.withEtc(d.Etc, argv); err != nil {
			return nil, err
		}
	}
	if d.Netns != "" {
		ip, err := LookPath("ip")
		if err != nil {
			return nil, fmt.Errorf("lab: ip: %w", err)
		}
		argv = append([]string{ip, "netns", "exec", d.Netns}, argv...)
	}
	out := filepath.Join(l.Dir, "log", d.Name+".out")
	f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	defer f.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = l.Dir
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), d.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("lab: start %s: %w", d.Name, err)
	}
	p := &Process{Name: d.Name, PID: cmd.Process.Pid, Output: out, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	l.procs[p.PID] = p
	l.st.Processes = append(l.st.Processes, procRef{Name: d.Name, PID: p.PID, Start: procStart(p.PID)})
	if err := l.save(); err != nil {
		return p, err
	}
	if d.Ready == "" {
		return p, nil
	}
	if err := l.waitReady(ctx, p, path, d.Ready); err != nil {
		return p, fmt.Errorf("lab: %s did not start listening on %s: %w%s", d.Name, d.Ready, err, tail(out))
	}
	return p, nil
}

// withEtc wraps argv so that it runs in a private mount namespace where each file of etc is
// bind-mounted over /etc/NAME; sh execs the daemon, so its PID is the one recorded.
func (l *Lab) withEtc(etc map[string]string, argv []string) ([]string, error) {
	unshare, err := LookPath("unshare")
	if err != nil {
		return nil, fmt.Errorf("lab: unshare: %w", err)
	}
	names := make([]string, 0, len(etc))
	for n := range etc {
		names = append(names, n)
	}
	sort.Strings(names)
	var script []string
	for _, n := range names {
		p, err := l.Config(filepath.Join("etc", n), etc[n])
		if err != nil {
			return nil, err
		}
		script = append(script, fmt.Sprintf("mount --bind %s /etc/%s", p, n))
	}
	script = append(script, `exec "$0" "$@"`)
	return append([]string{unshare, "--mount", "--propagation", "private", "sh", "-c", strings.Join(script, " && ")}, argv...), nil
}

// waitReady polls until p listens on addr, p exits, or startTimeout passes. The daemon's PID
// becomes the program's own once `ip netns exec` (or sh) has exec'd it (its /proc/PID/exe is
// exe); from then on /proc/PID/net is the namespace it serves in.
func (l *Lab) waitReady(ctx context.Context, p *Process, exe, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	for {
		ok, err := false, error(nil)
		if cur, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", p.PID)); cur == exe {
			ok, err = listening(p.PID, addr)
		}
		if err != nil && ctx.Err() == nil && !os.IsNotExist(err) {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-p.done:
			return errors.New("it exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Signal sends sig to a running daemon's process group (SIGSTOP makes a server that listens and
// never answers).
func (l *Lab) Signal(p *Process, sig syscall.Signal) error {
	if err := syscall.Kill(-p.PID, sig); err != nil {
		return fmt.Errorf("lab: signal %s: %w", p.Name, err)
	}
	return nil
}

// stopProcess ends a recorded process and its group: SIGTERM (with SIGCONT, in case it was
// stopped), then SIGKILL after stopTimeout. A PID whose start time changed is left alone.
func stopProcess(ref procRef, done <-chan struct{}) error {
	if !alive(ref) {
		return nil
	}
	_ = syscall.Kill(-ref.PID, syscall.SIGTERM)
	_ = syscall.Kill(ref.PID, syscall.SIGTERM)
	_ = syscall.Kill(-ref.PID, syscall.SIGCONT)
	if waitGone(ref, done, stopTimeout) {
		return nil
	}
	_ = syscall.Kill(-ref.PID, syscall.SIGKILL)
	_ = syscall.Kill(ref.PID, syscall.SIGKILL)
	if waitGone(ref, done, stopTimeout) {
		return nil
	}
	return fmt.Errorf("lab: %s (pid %d) did not exit", ref.Name, ref.PID)
}

func waitGone(ref procRef, done <-chan struct{}, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if done != nil {
			select {
			case <-done:
				return true
			case <-time.After(20 * time.Millisecond):
			}
			continue
		}
		if !alive(ref) {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// alive reports whether ref's process still runs (a zombie counts as gone).
func alive(ref procRef) bool {
	st, start, ok := procStat(ref.PID)
	if !ok || st == 'Z' || st == 'X' {
		return false
	}
	return ref.Start == 0 || start == ref.Start
}

func procStart(pid int) uint64 {
	_, start, _ := procStat(pid)
	return start
}

// procStat reads a process's state letter and start time from /proc/PID/stat.
func procStat(pid int) (byte, uint64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name in parentheses may hold spaces; fields restart after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 20 {
		return 0, 0, false
	}
	start, _ := strconv.ParseUint(f[19], 10, 64)
	return f[0][0], start, true
}

// tail returns the last lines of a daemon's output, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return "\n--- " + path + " ---\n" + strings.TrimSpace(string(b))
}
