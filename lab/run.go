package lab

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Lab is a scenario that is up: its state directory, the processes and namespaces it made, and
// the Targets to point checks at. Scenario.Up builds it with Spawn, Netns, Veth, NFT, Config.
type Lab struct {
	Scenario Scenario
	// Dir is the state directory: config/ holds the servers' configurations, log/ their logs.
	Dir string
	// Targets is what Up returned.
	Targets Targets

	st    state
	procs map[int]*Process
}

// Start brings the named scenario up under DefaultStateRoot and returns it running. It fails
// with a clear error (naming the apt-get command) when not root or a program is missing, and
// with ErrAlreadyUp when the scenario is up already. On failure nothing is left behind.
// The caller must Close the Lab, or leave it up for `hopscope lab down NAME`.
func Start(ctx context.Context, name string) (*Lab, error) {
	return StartIn(ctx, DefaultStateRoot, name)
}

// StartIn is Start with another state root.
func StartIn(ctx context.Context, root, name string) (*Lab, error) {
	sc, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("lab: no scenario %q (hopscope lab list names them)", name)
	}
	if err := Check(sc); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, stateDirName(sc.Name))
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lab: %s: %w (hopscope lab down %s)", sc.Name, ErrAlreadyUp, sc.Name)
		}
		return nil, fmt.Errorf("lab: %w", err)
	}
	l := &Lab{Scenario: sc, Dir: dir, st: state{Scenario: sc.Name}, procs: map[int]*Process{}}
	for _, sub := range []string{"config", "log"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			_ = l.Close()
			return nil, fmt.Errorf("lab: %w", err)
		}
	}
	// Daemons drop root (squid runs as proxy, Privoxy as privoxy): let them write their logs.
	if err := os.Chmod(filepath.Join(dir, "log"), 0o777); err != nil {
		_ = l.Close()
		return nil, fmt.Errorf("lab: %w", err)
	}
	if err := l.save(); err != nil {
		_ = l.Close()
		return nil, err
	}
	t, err := sc.Up(ctx, l)
	if err != nil {
		_ = l.Close()
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	l.Targets = t
	l.st.Targets = t
	if err := l.save(); err != nil {
		_ = l.Close()
		return nil, err
	}
	return l, nil
}

// Close stops every process the lab started, deletes its namespaces (and with them their
// interfaces and firewall rules) and removes the state directory. It reports the first failure
// but always tries everything.
func (l *Lab) Close() error {
	return teardown(l.Dir, l.st, l.procs)
}

// Down removes a scenario brought up by another process (`hopscope lab up`).
func Down(name string) error { return DownIn(DefaultStateRoot, name) }

// DownIn is Down with another state root.
func DownIn(root, name string) error {
	dir := filepath.Join(root, stateDirName(name))
	if os.Geteuid() != 0 {
		if _, err := os.Stat(dir); err != nil {
			return fmt.Errorf("lab: %s: %w", name, ErrNotUp)
		}
		return fmt.Errorf("lab: taking %s down %w (its daemons and namespaces belong to root): run it with sudo", name, ErrNotRoot)
	}
	st, err := loadState(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(dir); serr != nil {
			return fmt.Errorf("lab: %s: %w", name, ErrNotUp)
		}
		st = state{Scenario: name}
	} else if err != nil {
		return err
	}
	return teardown(dir, st, nil)
}

// Open reads the Targets of a scenario that is up, e.g. to print them again.
func Open(name string) (Targets, error) {
	st, err := loadState(filepath.Join(DefaultStateRoot, stateDirName(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return Targets{}, fmt.Errorf("lab: %s: %w", name, ErrNotUp)
	}
	return st.Targets, err
}

func teardown(dir string, st state, procs map[int]*Process) error {
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	for i := len(st.Processes) - 1; i >= 0; i-- {
		ref := st.Processes[i]
		var done <-chan struct{}
		if p := procs[ref.PID]; p != nil {
			done = p.done
		}
		keep(stopProcess(ref, done))
	}
	for i := len(st.Namespaces) - 1; i >= 0; i-- {
		keep(deleteNetns(st.Namespaces[i]))
	}
	for _, d := range st.EtcNetns {
		keep(os.RemoveAll(d))
	}
	if dir != "" {
		keep(os.RemoveAll(dir))
	}
	return first
}

// Config writes a configuration file under Dir/config and returns its absolute path.
func (l *Lab) Config(name, content string) (string, error) {
	p := filepath.Join(l.Dir, "config", name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", fmt.Errorf("lab: %w", err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		return "", fmt.Errorf("lab: %w", err)
	}
	return p, nil
}

// LogPath returns the absolute path of a log file under Dir/log.
func (l *Lab) LogPath(name string) string { return filepath.Join(l.Dir, "log", name) }
