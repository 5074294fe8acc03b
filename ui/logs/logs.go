// Package logs is the server-log pane: for each log the investigation read, the failures per
// minute of each backend as a timeline, the failing lines, and a jump from a piece of evidence to
// the line that shows it.
package logs

import (
	"context"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/internal/termtext"
	"github.com/hopscope/hopscope/ui/common"
)

// mode is what the pane shows.
type mode int

const (
	modeTimeline mode = iota
	modeLines
	modeEvidence
)

var modeNames = [...]string{"failures over time", "failing lines", "evidence"}

// Model is the log pane.
type Model struct {
	styles common.Styles
	keys   common.KeyMap
	own    KeyMap
	ctx    context.Context
	// files is where the investigation's files are read from (common.SessionMsg.Files).
	files fs.FS

	width, height int
	focused       bool

	sources  []*source
	cur      int
	mode     mode
	evidence []diagnose.Evidence // log evidence of the ledger, all files

	lineCursor, lineOffset int
	open                   bool // the failing line under the cursor shows whole, wrapped
	wholeScroll            int  // how far that line is scrolled
	// pending is the line a jump waits to land on while its log is read.
	pending            int
	evCursor, evOffset int

	cache string
	dirty bool
}

// New returns the pane. Reading stops when ctx is cancelled.
func New(ctx context.Context, st common.Styles, km common.KeyMap) *Model {
	return &Model{ctx: ctx, styles: st, keys: km, own: DefaultKeyMap(), dirty: true}
}

// ID implements common.Pane.
func (m *Model) ID() string { return "logs" }

// Title implements common.Pane.
func (m *Model) Title() string {
	if len(m.sources) == 0 {
		return "Logs"
	}
	name := m.sources[m.cur].path
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = termtext.Escape(name)
	title := "Logs · " + name + " · " + m.modeName()
	if m.sources[m.cur].cancel != nil {
		title += " · following"
	}
	return title
}

// modeName names what the pane shows; a timeline says the unit its columns are drawn in, the
// same the body's heading gives.
func (m *Model) modeName() string {
	s := m.sources[m.cur]
	if m.mode != modeTimeline || s.loading || s.err != nil {
		return modeNames[m.mode]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ov.Backends) == 0 {
		return modeNames[m.mode]
	}
	return "failures per " + stepName(m.layoutTimeline(s.ov).step)
}

// Init implements common.Pane.
func (m *Model) Init() tea.Cmd { return nil }

// SetSize implements common.Pane.
func (m *Model) SetSize(w, h int) {
	if w != m.width || h != m.height {
		m.width, m.height, m.dirty = w, h, true
	}
}

// SetFocused implements common.Pane.
func (m *Model) SetFocused(f bool) {
	if f != m.focused {
		m.focused, m.dirty = f, true
	}
}

// Update implements common.Pane.
func (m *Model) Update(msg tea.Msg) (common.Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case common.SessionMsg:
		return m, m.session(msg)
	case common.JumpMsg:
		return m, m.jumpTo(msg)
	case loadedMsg:
		for i, s := range m.sources {
			if s.path == msg.path {
				s.mu.Lock()
				s.loading, s.ov, s.err = false, msg.ov, msg.err
				s.mu.Unlock()
				if m.pending > 0 && i == m.cur {
					m.jump(m.pending)
					m.pending = 0
				}
			}
		}
		m.dirty = true
	case followTickMsg:
		m.dirty = true
		var cmds []tea.Cmd
		following := false
		for _, s := range m.sources {
			if evs := s.newEvidence(); len(evs) > 0 {
				cmds = append(cmds, func() tea.Msg { return common.AddEvidenceMsg{Evidence: evs} })
			}
			following = following || s.cancel != nil
		}
		if following {
			cmds = append(cmds, followTick())
		}
		return m, tea.Batch(cmds...)
	case tea.KeyPressMsg:
		if len(m.sources) > 0 {
			m.dirty = true
			return m, m.key(msg)
		}
	}
	return m, nil
}

// session keeps the ledger's log evidence and starts reading every log it names for the first time.
func (m *Model) session(msg common.SessionMsg) tea.Cmd {
	m.files = msg.Files
	var cmds []tea.Cmd
	m.evidence = m.evidence[:0]
	for _, e := range msg.Ledger {
		j, ok := common.Locate(e)
		if !ok || j.Line == 0 {
			continue
		}
		path, line := j.Path, j.Line
		m.evidence = append(m.evidence, diagnose.Evidence{Signal: e.Signal, Source: e.Source, At: e.At, Detail: e.Detail, Path: path, Line: line})
		known := false
		for _, s := range m.sources {
			known = known || s.path == path
		}
		if !known {
			m.sources = append(m.sources, &source{path: path, fsys: m.files, loading: true})
			cmds = append(cmds, load(m.ctx, msg.Files, path))
		}
	}
	m.dirty = true
	return tea.Batch(cmds...)
}

// Back implements common.Leveled: esc from the failing lines or the evidence goes back to the
// timeline.
func (m *Model) Back() bool {
	if m.mode == modeTimeline || len(m.sources) == 0 {
		return false
	}
	m.mode, m.dirty = modeTimeline, true
	return true
}

// key handles a key press.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k, o := m.keys, m.own
	switch {
	case key.Matches(msg, o.Follow):
		s := m.sources[m.cur]
		if s.cancel != nil {
			s.stop()
			// What came since the last tick still goes in.
			if evs := s.newEvidence(); len(evs) > 0 {
				return func() tea.Msg { return common.AddEvidenceMsg{Evidence: evs} }
			}
			return nil
		}
		switch {
		case s.loading:
			return common.ErrorCmd(errStillReading)
		case s.err != nil:
			return common.ErrorCmd(s.err)
		case s.ov.Gzipped:
			return common.ErrorCmd(errGzipped)
		}
		if !common.OnDisk(s.fsys) {
			return common.ErrorCmd(errRecorded)
		}
		s.follow(m.ctx)
		return followTick()
	case key.Matches(msg, o.File):
		m.cur = (m.cur + 1) % len(m.sources)
		m.lineCursor, m.lineOffset, m.evCursor, m.evOffset = 0, 0, 0, 0
		return nil
	case key.Matches(msg, o.Timeline):
		m.mode = modeTimeline
		return nil
	case key.Matches(msg, o.Lines):
		m.mode = modeLines
		return nil
	case key.Matches(msg, o.Evidence):
		m.mode = modeEvidence
		return nil
	}
	var cursor *int
	n := 0
	switch m.mode {
	case modeLines:
		cursor, n = &m.lineCursor, len(m.sources[m.cur].lines())
		switch {
		case key.Matches(msg, k.Select):
			m.open, m.wholeScroll = !m.open, 0
			return nil
		case m.open && key.Matches(msg, k.Up):
			m.wholeScroll = max(m.wholeScroll-1, 0)
			return nil
		case m.open && key.Matches(msg, k.Down):
			m.wholeScroll++
			return nil
		}
	case modeEvidence:
		cursor, n = &m.evCursor, len(m.evidenceHere())
		if key.Matches(msg, k.Select) && n > 0 {
			m.jump(m.evidenceHere()[m.evCursor].Line)
			return nil
		}
	default:
		return nil
	}
	switch {
	case key.Matches(msg, k.Up):
		*cursor--
	case key.Matches(msg, k.Down):
		*cursor++
	case key.Matches(msg, k.PageUp):
		*cursor -= max(m.height-1, 1)
	case key.Matches(msg, k.PageDown):
		*cursor += max(m.height-1, 1)
	case key.Matches(msg, k.Top):
		*cursor = 0
	case key.Matches(msg, k.Bottom):
		*cursor = n - 1
	}
	*cursor = max(min(*cursor, n-1), 0)
	return nil
}

// Selected returns the log shown and the number of the failing line under the cursor (0 when
// the failing lines are not listed).
func (m *Model) Selected() (path string, line int64) {
	if len(m.sources) == 0 {
		return "", 0
	}
	s := m.sources[m.cur]
	lines := s.lines()
	if m.mode != modeLines || m.lineCursor >= len(lines) {
		return s.path, 0
	}
	return s.path, lines[m.lineCursor].Number
}

// jumpTo shows the line a piece of evidence points at, in its log (read now if the evidence
// named it first; the jump lands once it is read).
func (m *Model) jumpTo(j common.JumpMsg) tea.Cmd {
	if j.Line < 1 {
		return nil
	}
	var cmd tea.Cmd
	i := slices.IndexFunc(m.sources, func(s *source) bool { return s.path == j.Path })
	if i < 0 {
		m.sources = append(m.sources, &source{path: j.Path, fsys: m.files, loading: true})
		i, cmd = len(m.sources)-1, load(m.ctx, m.files, j.Path)
	}
	m.cur, m.dirty, m.pending = i, true, 0
	if m.sources[i].loading {
		m.mode, m.pending = modeLines, j.Line
		return cmd
	}
	m.jump(j.Line)
	return cmd
}

// jump lists the failing lines with the cursor on line n of the file (or the first failing line
// after it, when n itself is not a failing line).
func (m *Model) jump(n int) {
	lines := m.sources[m.cur].lines()
	i := sort.Search(len(lines), func(i int) bool { return lines[i].Number >= int64(n) })
	m.mode = modeLines
	m.lineCursor = max(min(i, len(lines)-1), 0)
	m.lineOffset = max(m.lineCursor-m.height/2, 0)
}

// evidenceHere is the evidence about the current log.
func (m *Model) evidenceHere() []diagnose.Evidence {
	var out []diagnose.Evidence
	for _, e := range m.evidence {
		if e.Path == m.sources[m.cur].path {
			out = append(out, e)
		}
	}
	return out
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	switch m.mode {
	case modeEvidence:
		return []key.Binding{m.keys.Select, m.own.Timeline, m.own.Lines}
	case modeLines:
		whole := m.keys.Select
		whole.SetHelp(whole.Help().Key, "whole line")
		if m.open {
			whole.SetHelp(whole.Help().Key, "back to the list")
		}
		return []key.Binding{whole, m.own.Timeline, m.own.Evidence, m.own.Follow, m.own.File}
	}
	return []key.Binding{m.own.Lines, m.own.Evidence, m.own.Follow, m.own.File}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.ShortHelp(), {m.keys.Up, m.keys.Down, m.keys.PageUp, m.keys.PageDown, m.keys.Top, m.keys.Bottom}}
}
