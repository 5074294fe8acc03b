package train

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hopscope/hopscope/analyze"
	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// Session is one incident being trained on. The inputs a trainee asks for are copied into a
// temporary folder of a neutral name, so that neither the scenario's folder name (which often
// names the cause) nor the truth file ever reaches the screen, and the packet and log panes can
// open them as files.
type Session struct {
	kb     *knowledge.Base
	sc     Scenario
	dir    string
	opened []string
	// same groups the inputs that hold the same traffic (see analyze.SameTraffic).
	same    [][]string
	started time.Time
	now     func() time.Time
}

// Offer is an input a trainee may ask for.
type Offer struct {
	// Name is the file's name inside the incident ("lo.pcap", "access.log").
	Name string
	// Label says what it is, as an operator would call it ("packet capture", "server log").
	Label string
	// Same are the other files that hold the same traffic (lo.pcap beside any.pcapng): asking
	// for Name gives what they would.
	Same []string
}

// Start begins training on sc; now stamps the start (time.Now when nil). Close removes the copies.
func Start(kb *knowledge.Base, sc Scenario, now func() time.Time) (*Session, error) {
	if now == nil {
		now = time.Now
	}
	tmp, err := os.MkdirTemp("", "hopscope-train-")
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	s := &Session{kb: kb, sc: sc, dir: filepath.Join(tmp, "incident"), same: sameTraffic(sc), started: now(), now: now}
	if err := os.Mkdir(s.dir, 0o700); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("train: %w", err)
	}
	if err := s.copy(SymptomFile); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close removes the session's copies.
func (s *Session) Close() { os.RemoveAll(filepath.Dir(s.dir)) }

// Scenario returns the incident (its answer included: for the debrief and the tests only).
func (s *Session) Scenario() Scenario { return s.sc }

// Started returns when the session began.
func (s *Session) Started() time.Time { return s.started }

// Opened lists the inputs asked for, in order.
func (s *Session) Opened() []string { return s.opened }

// Offered lists the inputs not yet asked for, the files of one recording as one: a recording
// asked for under any of its names is not offered again.
func (s *Session) Offered() []Offer {
	var out []Offer
	for _, g := range s.same {
		if !slices.ContainsFunc(g, func(in string) bool { return slices.Contains(s.opened, in) }) {
			out = append(out, Offer{Name: g[0], Label: label(g[0]), Same: g[1:]})
		}
	}
	return out
}

// sameTraffic groups a scenario's inputs that hold the same traffic; each input is its own group
// when the scenario's files cannot be read.
func sameTraffic(sc Scenario) [][]string {
	if sub, err := fs.Sub(sc.FS, sc.Dir); err == nil {
		return analyze.SameTraffic(sub, sc.Inputs)
	}
	var out [][]string
	for _, in := range sc.Inputs {
		out = append(out, []string{in})
	}
	return out
}

// twins reports whether a and b hold the same traffic (or are the same input).
func twins(same [][]string, a, b string) bool {
	if a == b {
		return true
	}
	for _, g := range same {
		if slices.Contains(g, a) {
			return slices.Contains(g, b)
		}
	}
	return false
}

// label names a file the way an operator would ask for it.
func label(name string) string {
	base := path.Base(name)
	switch {
	case strings.Contains(base, ".pcap"):
		return "packet capture"
	case strings.HasSuffix(base, ".log"), strings.Contains(base, "log"):
		return "server log"
	}
	return "file"
}

// Open asks for an input: it is copied for the panes and its evidence joins the next Collect.
func (s *Session) Open(name string) error {
	if !slices.Contains(s.sc.Inputs, name) {
		return fmt.Errorf("train: no input %q in this incident", name)
	}
	if slices.Contains(s.opened, name) {
		return nil
	}
	if err := s.copy(name); err != nil {
		return err
	}
	s.opened = append(s.opened, name)
	return nil
}

func (s *Session) copy(name string) error {
	src, err := s.sc.FS.Open(path.Join(s.sc.Dir, name))
	if err != nil {
		return fmt.Errorf("train: %s: %w", name, unwrap(err))
	}
	defer src.Close()
	dst := filepath.Join(s.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	f, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if _, err := io.Copy(f, src); err != nil {
		f.Close()
		return fmt.Errorf("train: %s: %w", name, err)
	}
	return f.Close()
}

// Dir is the folder the symptom and the inputs asked for are copied into.
func (s *Session) Dir() string { return s.dir }

// Paths returns the disk paths of the symptom and the inputs asked for.
func (s *Session) Paths() []string {
	out := []string{filepath.Join(s.dir, SymptomFile)}
	for _, n := range s.opened {
		out = append(out, filepath.Join(s.dir, filepath.FromSlash(n)))
	}
	return out
}

// Collect reads the symptom and the inputs asked for, together (logs are judged together).
func (s *Session) Collect(ctx context.Context) ([]diagnose.Evidence, []diagnose.Input, error) {
	return analyze.Collect(ctx, s.kb, s.Paths(), nil, analyze.Options{})
}

// maxSymptomLines bounds the symptom page: a client's error is a screen or two, not a log.
const maxSymptomLines = 400

// Symptom returns what the client saw, line by line, redacted, as the trainee first reads it.
func (s *Session) Symptom() []string {
	b, err := os.ReadFile(filepath.Join(s.dir, SymptomFile))
	if err != nil {
		return []string{"(the client's error could not be read: " + err.Error() + ")"}
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > maxSymptomLines {
		lines = append(lines[:maxSymptomLines], fmt.Sprintf("[… %d more lines]", len(lines)-maxSymptomLines))
	}
	for i, l := range lines {
		lines[i] = diagnose.Redact(strings.TrimRight(l, "\r"))
	}
	return lines
}

// Elapsed is the time since the session began.
func (s *Session) Elapsed() time.Duration { return s.now().Sub(s.started) }

// collectFS reads the named inputs of the scenario from its own files, together. An input that
// cannot be read (an empty log) is a warning, as in a folder handed to analyze.
func collectFS(ctx context.Context, kb *knowledge.Base, sc Scenario, names []string) (*diagnose.Session, error) {
	sub, err := fs.Sub(sc.FS, sc.Dir)
	if err != nil {
		return nil, err
	}
	evs, _, err := analyze.CollectFS(ctx, kb, only{sub, names}, []string{"."}, analyze.Options{})
	if err != nil {
		return nil, err
	}
	sess := diagnose.NewSession(kb)
	for _, ev := range evs {
		sess.Add(ev)
	}
	return sess, nil
}

// only shows the named files of a folder (and the folders that lead to them).
type only struct {
	fsys  fs.FS
	names []string
}

func (o only) shows(name string) bool {
	for _, n := range o.names {
		if name == "." || n == name || strings.HasPrefix(n, name+"/") {
			return true
		}
	}
	return false
}

func (o only) Open(name string) (fs.File, error) {
	if !o.shows(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return o.fsys.Open(name)
}

func (o only) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(o.fsys, name)
	var out []fs.DirEntry
	for _, e := range entries {
		if o.shows(path.Join(name, e.Name())) {
			out = append(out, e)
		}
	}
	return out, err
}
