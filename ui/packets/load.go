package packets

import (
	"context"
	"errors"
	"io/fs"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/capture"
	"github.com/hopscope/hopscope/ui/common"
)

// tickEvery paces the redraws while a capture is read: the list grows smoothly without a message
// per packet.
const tickEvery = 100 * time.Millisecond

// conv is what the conversations list keeps of one connection (a Flow is far larger, and a capture
// can hold hundreds of thousands).
type conv struct {
	id             int
	client, server capture.Endpoint
	state          capture.State
	history        string
	outcome        string // what its HTTP or TLS came to (Flow.Outcome)
	packets        int64
	bytes          int64
	first, last    int64
	start, end     int64
}

// source is one capture being read or read: its file (for the index and packets), the
// conversations found so far, and how the reading ended.
type source struct {
	path string
	// fsys is where path is read from (see common.SessionMsg.Files); nil reads nothing.
	fsys fs.FS
	file *capture.File

	mu    sync.Mutex
	convs []conv
	done  bool
	err   error
	sum   capture.Summary
}

func (s *source) snapshot() ([]conv, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.convs, s.done, s.err
}

// tickMsg asks the pane to redraw while captures are read.
type tickMsg struct{}

// openedMsg reports a capture that could not be opened.
type openedMsg struct {
	path string
	err  error
}

func tick() tea.Cmd { return tea.Tick(tickEvery, func(time.Time) tea.Msg { return tickMsg{} }) }

// load opens a capture and reads it on its own goroutine, filling s as it goes.
func load(ctx context.Context, s *source) tea.Cmd {
	return func() tea.Msg {
		f, err := openCapture(s.fsys, s.path)
		if err != nil {
			s.mu.Lock()
			s.err, s.done = err, true
			s.mu.Unlock()
			return openedMsg{path: s.path, err: err}
		}
		s.mu.Lock()
		s.file = f
		s.mu.Unlock()
		go func() {
			sum, err := f.Analyze(ctx, capture.Options{Name: s.path, Trace: &capture.Trace{FlowDone: func(fl *capture.Flow) {
				c := conv{id: fl.ID, client: fl.Client, server: fl.Server, state: fl.State(), history: fl.History(), outcome: fl.Outcome(),
					packets: fl.Packets, bytes: fl.Bytes[0] + fl.Bytes[1], first: fl.FirstPacket, last: fl.LastPacket, start: fl.Start, end: fl.End}
				s.mu.Lock()
				s.convs = append(s.convs, c)
				s.mu.Unlock()
			}}})
			s.mu.Lock()
			s.sum, s.err, s.done = sum, err, true
			s.mu.Unlock()
		}()
		return openedMsg{path: s.path}
	}
}

// errNoFiles is the reason a capture named by evidence is not read when the investigation has no
// files to read (a pasted error).
var errNoFiles = errors.New("capture: this investigation has no capture files to read")

// openCapture opens path from the investigation's files: the disk for files named on the command
// line, the embedded folder of a bundled incident.
func openCapture(fsys fs.FS, path string) (*capture.File, error) {
	switch {
	case fsys == nil:
		return nil, errNoFiles
	case common.OnDisk(fsys):
		return capture.OpenFile(path)
	}
	return capture.OpenFS(fsys, path)
}

// fileOf returns the source's file once opened.
func (s *source) fileOf() *capture.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.file
}
