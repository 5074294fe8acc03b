package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Attempt is one committed diagnosis, as the progress file keeps it.
type Attempt struct {
	Scenario       string    `json:"scenario"`
	Cause          string    `json:"cause"`
	Playbook       string    `json:"playbook"`
	Given          string    `json:"given"`
	Right          bool      `json:"right"`
	StepRight      bool      `json:"step_right"`
	Sure           bool      `json:"sure"`
	ConfidentWrong bool      `json:"confident_wrong"`
	Seconds        float64   `json:"seconds"`
	Opened         int       `json:"opened"`
	Needed         int       `json:"needed"`
	Checks         int       `json:"checks"`
	At             time.Time `json:"at"`
}

// Progress is one trainee's record.
type Progress struct {
	User     string    `json:"user"`
	Attempts []Attempt `json:"attempts"`
	// Seen holds the scenarios done since the set was last gone through whole: the next ones are
	// picked among the others.
	Seen []string `json:"seen"`
}

// StateDir is where hopscope keeps state: $XDG_STATE_HOME/hopscope, or ~/.local/state/hopscope.
func StateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "hopscope"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("train: no home directory for the progress file (set XDG_STATE_HOME): %w", err)
	}
	return filepath.Join(home, ".local", "state", "hopscope"), nil
}

// UserName turns a user or key name into a file name: letters, digits, '.', '_' and '-' only.
func UserName(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	n := strings.Trim(b.String(), ".")
	if n == "" {
		return "trainee"
	}
	return n
}

// ProgressPath is the progress file of a user under the state directory.
func ProgressPath(stateDir, user string) string {
	return filepath.Join(stateDir, "train", UserName(user)+".json")
}

// LoadProgress reads a progress file; a missing one is an empty record.
func LoadProgress(file, user string) (Progress, error) {
	p := Progress{User: user}
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("train: progress: %w", err)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return Progress{User: user}, fmt.Errorf("train: progress file %s is damaged (%v); move it away to start afresh", file, err)
	}
	return p, nil
}

// Save writes the progress file atomically: a temporary file beside it, renamed over it.
func (p *Progress) Save(file string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("train: progress: %w", err)
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".progress-*")
	if err != nil {
		return fmt.Errorf("train: progress: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("train: progress: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("train: progress: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("train: progress: %w", err)
	}
	return nil
}

// Record adds a result; total is the size of the set being trained on, so that Seen starts over
// once every scenario of it was done.
func (p *Progress) Record(r Result, at time.Time, total int) {
	p.Attempts = append(p.Attempts, Attempt{Scenario: r.Scenario, Cause: r.Cause, Playbook: r.Playbook, Given: r.Given.Cause,
		Right: r.Right, StepRight: r.StepRight, Sure: r.Given.Sure, ConfidentWrong: r.ConfidentWrong,
		Seconds: r.Elapsed.Round(time.Millisecond).Seconds(), Opened: len(r.Opened), Needed: len(r.Needed), Checks: r.Given.Checks, At: at.UTC()})
	if !slices.Contains(p.Seen, r.Scenario) {
		p.Seen = append(p.Seen, r.Scenario)
	}
	if total > 0 && len(p.Seen) >= total {
		p.Seen = nil
	}
}

// CauseStats sums a trainee's attempts at one cause.
type CauseStats struct {
	Cause                        string
	Tried, Right, ConfidentWrong int
	Median                       time.Duration
}

// ByCause sums the attempts per cause, sorted by cause id.
func (p Progress) ByCause() []CauseStats {
	times := map[string][]float64{}
	stats := map[string]*CauseStats{}
	for _, a := range p.Attempts {
		s := stats[a.Cause]
		if s == nil {
			s = &CauseStats{Cause: a.Cause}
			stats[a.Cause] = s
		}
		s.Tried++
		if a.Right {
			s.Right++
		}
		if a.ConfidentWrong {
			s.ConfidentWrong++
		}
		times[a.Cause] = append(times[a.Cause], a.Seconds)
	}
	var out []CauseStats
	for c, s := range stats {
		t := times[c]
		sort.Float64s(t)
		m := t[len(t)/2]
		if len(t)%2 == 0 {
			m = (t[len(t)/2-1] + t[len(t)/2]) / 2
		}
		s.Median = time.Duration(m * float64(time.Second)).Round(time.Second)
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Cause < out[j].Cause })
	return out
}

// Pick chooses n scenarios: those not seen in the current round first, in random order; once a
// round is used up the next one starts, so no scenario repeats before all were seen.
func Pick(all []Scenario, seen []string, n int, rnd *rand.Rand) []Scenario {
	done := map[string]bool{}
	for _, s := range seen {
		done[s] = true
	}
	var out []Scenario
	for len(out) < n && len(all) > 0 {
		var fresh []Scenario
		for _, s := range all {
			if !done[s.Name] {
				fresh = append(fresh, s)
			}
		}
		if len(fresh) == 0 {
			clear(done)
			continue
		}
		rnd.Shuffle(len(fresh), func(i, j int) { fresh[i], fresh[j] = fresh[j], fresh[i] })
		for _, s := range fresh[:min(n-len(out), len(fresh))] {
			done[s.Name] = true
			out = append(out, s)
		}
	}
	return out
}
