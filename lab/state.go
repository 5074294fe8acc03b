package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultStateRoot holds one directory per scenario that is up: its configs, logs, and the
// state file naming every process and namespace it made, so that `lab down` from another
// process can remove them.
const DefaultStateRoot = "/run/hopscope-lab"

// ErrAlreadyUp is returned by Start when the scenario's state directory exists.
var ErrAlreadyUp = errors.New("scenario is already up")

// ErrNotUp is returned by Down when the scenario has no state directory.
var ErrNotUp = errors.New("scenario is not up")

// state is what a lab made, persisted after every change in Dir/state.json.
type state struct {
	Scenario  string    `json:"scenario"`
	Processes []procRef `json:"processes"`
	// Namespaces are network namespace names, deleted in reverse order.
	Namespaces []string `json:"namespaces"`
	// EtcNetns are /etc/netns/NAME directories made for per-namespace resolv.conf files.
	EtcNetns []string `json:"etc_netns,omitempty"`
	Targets  Targets  `json:"targets"`
}

// procRef names a process the lab started. Start is its start time in clock ticks since boot
// (/proc/PID/stat field 22), so that a recycled PID is never signalled.
type procRef struct {
	Name  string `json:"name"`
	PID   int    `json:"pid"`
	Start uint64 `json:"start"`
}

const stateFile = "state.json"

func (l *Lab) save() error {
	b, err := json.MarshalIndent(l.st, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(l.Dir, stateFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("lab: save state: %w", err)
	}
	return os.Rename(tmp, filepath.Join(l.Dir, stateFile))
}

func loadState(dir string) (state, error) {
	var st state
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("lab: %s: %w", filepath.Join(dir, stateFile), err)
	}
	return st, nil
}

// stateDirName turns a scenario name into a directory name (names are dotted ids already).
func stateDirName(name string) string {
	return strings.NewReplacer("/", "_", " ", "_").Replace(name)
}
