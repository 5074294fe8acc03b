package logs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose"
	logread "github.com/hopscope/hopscope/diagnose/logs"
	"github.com/hopscope/hopscope/ui/common"
)

// source is one log the pane shows: read once, on its own goroutine, when the investigation first
// names it, then followed live while the operator asks.
type source struct {
	path string
	// fsys is where path is read from (see common.SessionMsg.Files); nil reads nothing.
	fsys    fs.FS
	loading bool
	err     error

	mu     sync.Mutex // guards ov, live and fresh while the log is followed
	ov     logread.Overview
	cancel context.CancelFunc // stops following; nil when not following

	// live analyses the lines read while following, as analyze does a whole log, so that they
	// enter the investigation as evidence and not only the chart; fresh says lines came since
	// the evidence was last taken; sent counts what was handed over, by signal and by entry.
	live  *logread.Analyzer
	fresh bool
	sent  map[string]int
}

// perSignal bounds the evidence following hands over for one signal: the lines the analyzer
// keeps of a signal (three) and one count of the rest. More of the same moves no cause; the
// chart and the failing lines go on counting them.
const perSignal = 4

// newEvidence returns the evidence the lines followed since the last call show that was not
// handed over yet, or nil.
func (s *source) newEvidence() []diagnose.Evidence {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.fresh || s.live == nil {
		return nil
	}
	s.fresh = false
	if s.sent == nil {
		s.sent = map[string]int{}
	}
	var out []diagnose.Evidence
	for _, ev := range s.live.Evidence() {
		entry := ev.Signal + "\x00" + ev.Source + "\x00" + ev.Detail
		if s.sent[entry] > 0 || s.sent[ev.Signal] >= perSignal {
			continue
		}
		s.sent[entry]++
		s.sent[ev.Signal]++
		out = append(out, ev)
	}
	return out
}

// lines returns the failing lines known so far. The slice only grows while the log is followed
// (appends past its length), so the part returned stays valid.
func (s *source) lines() []logread.Line {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ov.Lines[:len(s.ov.Lines):len(s.ov.Lines)]
}

// followEvery paces the redraws while a log is followed; Follow itself polls the file as often.
const followEvery = logread.DefaultPoll

// followTickMsg asks the pane to redraw while logs are followed.
type followTickMsg struct{}

func followTick() tea.Cmd {
	return tea.Tick(followEvery, func(time.Time) tea.Msg { return followTickMsg{} })
}

// follow starts following a read log from where reading it stopped: new failing lines join the
// overview as they are written, until stop is called. Following again after a stop picks up the
// lines written in between.
func (s *source) follow(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	s.cancel = cancel
	s.mu.Lock()
	opts := logread.FollowOptions{Format: s.ov.Format, Offset: s.ov.Stats.Bytes, Line: s.ov.Stats.Lines}
	if s.live == nil {
		s.live = logread.NewAnalyzer()
	}
	s.mu.Unlock()
	go func() {
		// The error that ends following is the cancel itself or a file that went away; either
		// way the pane keeps what it has.
		st, _ := logread.Follow(ctx, s.path, opts, func(r *logread.Record) {
			s.mu.Lock()
			s.ov.Add(r)
			// Lines that are no failure reach here too: the count of lines read follows them.
			s.ov.Stats.Lines = max(s.ov.Stats.Lines, r.Line)
			s.live.Observe(s.path, opts.Format, r)
			s.fresh = true
			s.mu.Unlock()
		})
		s.mu.Lock()
		s.ov.Stats.Lines, s.ov.Stats.Bytes = st.Lines, st.Bytes
		s.mu.Unlock()
	}()
}

// stop ends following.
func (s *source) stop() {
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
}

// loadedMsg carries a log's overview once it is read.
type loadedMsg struct {
	path string
	ov   logread.Overview
	err  error
}

// errNoFiles is the reason a log named by evidence is not read when the investigation has no
// files to read (a pasted error).
var errNoFiles = errors.New("this investigation has no log files to read")

// errRecorded is the reason a bundled incident's log cannot be followed.
var errRecorded = errors.New("a recorded incident's log does not grow: there is nothing to follow")

// The reasons F does not follow a log now.
var (
	errStillReading = errors.New("logs: the log is still being read: F follows it once it is")
	errGzipped      = errors.New("logs: a gzipped log is not written to any more: there is nothing to follow")
)

// load reads a log's overview off the update loop, from the investigation's files: the disk for
// files named on the command line, the embedded folder of a bundled incident.
func load(ctx context.Context, fsys fs.FS, path string) tea.Cmd {
	return func() tea.Msg {
		var (
			ov  logread.Overview
			err error
		)
		switch {
		case fsys == nil:
			ov, err = logread.Overview{Path: path}, fmt.Errorf("log %s: %w", path, errNoFiles)
		case common.OnDisk(fsys):
			ov, err = logread.ReadOverview(ctx, path, logread.Options{})
		default:
			ov, err = logread.ReadOverviewFS(ctx, fsys, path, logread.Options{})
		}
		return loadedMsg{path: path, ov: ov, err: err}
	}
}
