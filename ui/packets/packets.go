// Package packets is the capture pane: the conversations of the captures an investigation read
// (sortable, filtered by outcome), each conversation's packets or all of them in a list that only
// reads the rows on screen, a packet's decoded fields or hex, a conversation's payload as text, and
// a jump from any finding to the packets that show it.
package packets

import (
	"context"
	"io/fs"
	"slices"
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
	modeConvs mode = iota
	modePackets
	modeDetail
	modeFollow
	modeEvidence
)

// Model is the capture pane.
type Model struct {
	styles common.Styles
	keys   common.KeyMap
	own    KeyMap
	ctx    context.Context
	// files is where the investigation's files are read from (common.SessionMsg.Files).
	files fs.FS

	width, height int
	focused       bool

	sources []*source
	cur     int
	mode    mode

	outcome, order int
	convCursor     int
	convOffset     int
	conv           *conv   // the conversation whose packets are listed; nil for all packets
	convPackets    []int64 // its packet numbers, found on opening it
	pktCursor      int64   // index into the listed packets, from 0
	pktOffset      int64
	detail         int64 // the packet shown in detail
	hex            bool
	scroll         int
	follow         []string
	evidence       []diagnose.Evidence
	evCursor       int
	evOffset       int
	back           mode // where Back goes from detail

	typing    bool   // a filter is being typed
	input     string // what was typed
	filterErr string // why the filter typed cannot be applied, shown under it
	legend    bool   // the conversations list gives way to the legend of its codes
	run       *filterRun
	filtered  bool // the packet list shows the run's matches

	visible visibleList // see visibleConvs

	cache string
	dirty bool
}

// New returns the pane. Reading stops when ctx is cancelled.
func New(ctx context.Context, st common.Styles, km common.KeyMap) *Model {
	return &Model{ctx: ctx, styles: st, keys: km, own: DefaultKeyMap(), dirty: true}
}

// ID implements common.Pane.
func (m *Model) ID() string { return "packets" }

// Title implements common.Pane.
func (m *Model) Title() string {
	if len(m.sources) == 0 {
		return "Packets"
	}
	s := m.sources[m.cur]
	name := s.path
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return "Packets · " + termtext.Escape(name) + " · " + [...]string{"conversations", "packets", "packet", "stream", "evidence"}[m.mode]
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
func (m *Model) SetFocused(f bool) { m.focused = f }

// Update implements common.Pane.
func (m *Model) Update(msg tea.Msg) (common.Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case common.SessionMsg:
		return m, m.session(msg)
	case common.JumpMsg:
		return m, m.jumpTo(msg)
	case openedMsg:
		// A capture that cannot be opened (a bundled incident's, a gzipped file) is reported in
		// the pane, not as an error of the program: the investigation itself is fine.
		m.dirty = true
		if msg.err != nil {
			return m, nil
		}
		return m, tick()
	case tickMsg:
		m.dirty = true
		if m.run != nil {
			if _, _, _, done := m.run.snapshot(); !done {
				return m, tick()
			}
		}
		for _, s := range m.sources {
			if _, done, _ := s.snapshot(); !done {
				return m, tick()
			}
		}
	case tea.PasteMsg:
		// A filter pasted (a header name copied from a packet) is typed text; it is one line.
		if m.typing {
			m.input += strings.Join(strings.Fields(msg.Content), " ")
			m.filterErr, m.dirty = "", true
		}
	case tea.KeyPressMsg:
		if len(m.sources) == 0 {
			return m, nil
		}
		m.dirty = true
		if m.typing {
			return m, m.typeKey(msg)
		}
		m.key(msg)
	}
	return m, nil
}

// Capturing implements common.TextInput: while a filter is typed every key is text.
func (m *Model) Capturing() bool { return m.typing }

// typeKey edits the filter being typed; Apply starts it over the listed packets.
func (m *Model) typeKey(msg tea.KeyPressMsg) tea.Cmd {
	m.filterErr = ""
	switch {
	case key.Matches(msg, m.own.Apply):
		if _, err := parseFilter(m.input); err != nil {
			// The typing stays open with the reason, so the filter can be mended, not retyped.
			m.filterErr = err.Error()
			return nil
		}
		m.typing = false
		return m.applyFilter()
	case key.Matches(msg, m.own.Cancel):
		m.typing = false
	case key.Matches(msg, m.own.Clear):
		m.input = ""
	case msg.Code == tea.KeyBackspace:
		if r := []rune(m.input); len(r) > 0 {
			m.input = string(r[:len(r)-1])
		}
	case msg.Text != "":
		m.input += msg.Text
	}
	return nil
}

// applyFilter runs the typed filter over the packets listed (a conversation's, or all); an empty
// filter shows them all again.
func (m *Model) applyFilter() tea.Cmd {
	m.stopFilter()
	f, err := parseFilter(m.input)
	if err != nil {
		return common.ErrorCmd(err)
	}
	file := m.sources[m.cur].fileOf()
	if f.text == "" || file == nil {
		return nil
	}
	var nums []int64
	n := file.Index.Len()
	if m.conv != nil {
		nums = append(nums, m.convPackets...)
		n = int64(len(nums))
	}
	m.run = startFilter(m.ctx, file, f, nums, n)
	m.filtered, m.mode, m.pktCursor, m.pktOffset = true, modePackets, 0, 0
	return tick()
}

// stopFilter drops the filter in force.
func (m *Model) stopFilter() {
	if m.run != nil {
		m.run.cancel()
	}
	m.run, m.filtered = nil, false
}

// session starts reading every capture the evidence points at that is not read yet, and keeps
// the findings that point at packets for the evidence list.
func (m *Model) session(msg common.SessionMsg) tea.Cmd {
	m.files = msg.Files
	var cmds []tea.Cmd
	m.evidence = m.evidence[:0]
	for _, e := range msg.Ledger {
		j, ok := common.Locate(e)
		if !ok || j.Packet == 0 {
			continue
		}
		path, n := j.Path, j.Packet
		m.evidence = append(m.evidence, diagnose.Evidence{Signal: e.Signal, Source: e.Source, At: e.At, Detail: e.Detail, Path: path, Packets: []int64{n}})
		known := false
		for _, s := range m.sources {
			known = known || s.path == path
		}
		if !known {
			s := &source{path: path, fsys: m.files}
			m.sources = append(m.sources, s)
			cmds = append(cmds, load(m.ctx, s))
		}
	}
	m.dirty = true
	return tea.Batch(cmds...)
}

// Back implements common.Leveled: esc goes up one level as Back does, until the conversations.
func (m *Model) Back() bool {
	if m.mode == modeConvs || len(m.sources) == 0 {
		return false
	}
	m.up()
	m.dirty = true
	return true
}

// up goes up one level: a filter in force is dropped first, a packet's detail (fields or hex)
// goes back to the list it was opened from, a list back to the conversations.
func (m *Model) up() {
	if m.mode == modePackets && m.filtered {
		m.stopFilter()
		return
	}
	switch m.mode {
	case modeDetail:
		m.mode = m.back
	case modeFollow, modeEvidence:
		m.mode = modeConvs
		if m.conv != nil {
			m.mode = modePackets
		}
	default:
		m.mode = modeConvs
	}
	m.scroll = 0
}

// key handles a key press in the current mode.
func (m *Model) key(msg tea.KeyPressMsg) {
	k, o := m.keys, m.own
	switch {
	case key.Matches(msg, o.Filter) && (m.mode == modePackets || m.mode == modeConvs):
		// A new filter starts empty; the one in force stays until another is applied.
		m.typing, m.input, m.filterErr = true, "", ""
		return
	case key.Matches(msg, o.File):
		m.stopFilter()
		m.cur = (m.cur + 1) % len(m.sources)
		m.mode, m.conv, m.convPackets, m.pktCursor, m.pktOffset = modeConvs, nil, nil, 0, 0
		return
	case key.Matches(msg, o.Evidence):
		m.mode = modeEvidence
		return
	case key.Matches(msg, o.AllPackets):
		m.stopFilter()
		m.mode, m.conv, m.convPackets, m.pktCursor, m.pktOffset = modePackets, nil, nil, 0, 0
		return
	case key.Matches(msg, o.Back):
		m.up()
		return
	}
	switch m.mode {
	case modeConvs:
		m.keyConvs(msg, k, o)
	case modePackets:
		m.keyPackets(msg, k, o)
	case modeDetail, modeFollow:
		switch {
		case key.Matches(msg, o.Hex):
			m.hex = !m.hex
		case key.Matches(msg, k.Up):
			m.scroll = max(m.scroll-1, 0)
		case key.Matches(msg, k.Down):
			m.scroll++
		case key.Matches(msg, k.PageUp):
			m.scroll = max(m.scroll-m.height, 0)
		case key.Matches(msg, k.PageDown):
			m.scroll += m.height
		case key.Matches(msg, k.Top):
			m.scroll = 0
		}
	case modeEvidence:
		n := len(m.evidenceHere())
		switch {
		case key.Matches(msg, k.Up):
			m.evCursor = max(m.evCursor-1, 0)
		case key.Matches(msg, k.Down):
			m.evCursor = min(m.evCursor+1, max(n-1, 0))
		case key.Matches(msg, k.Select) && n > 0:
			m.jump(m.evidenceHere()[m.evCursor].Packets[0])
		}
	}
}

// Selected returns the capture shown and the number of the packet under the cursor (0 when no
// packet list is shown).
func (m *Model) Selected() (path string, packet int64) {
	if len(m.sources) == 0 {
		return "", 0
	}
	path = m.sources[m.cur].path
	if m.mode != modePackets {
		return path, 0
	}
	n, nth := m.listed()
	switch {
	case nth == nil:
		return path, 0
	case m.conv == nil && !m.filtered:
		// All packets: the cursor may be ahead of an index still being read.
		return path, m.pktCursor + 1
	case m.pktCursor >= n:
		return path, 0
	}
	return path, nth(m.pktCursor)
}

// jumpTo shows the packet a piece of evidence points at, in its capture (read now if the
// evidence named it first).
func (m *Model) jumpTo(j common.JumpMsg) tea.Cmd {
	if j.Packet < 1 {
		return nil
	}
	var cmd tea.Cmd
	i := slices.IndexFunc(m.sources, func(s *source) bool { return s.path == j.Path })
	if i < 0 {
		s := &source{path: j.Path, fsys: m.files}
		m.sources = append(m.sources, s)
		i, cmd = len(m.sources)-1, load(m.ctx, s)
	}
	m.cur, m.typing, m.dirty = i, false, true
	m.jump(j.Packet)
	return cmd
}

// jump lists all packets with the cursor on packet n.
func (m *Model) jump(n int64) {
	m.stopFilter()
	m.mode, m.conv, m.convPackets = modePackets, nil, nil
	m.pktCursor = n - 1
	m.pktOffset = max(n-1-int64(m.height/2), 0)
}

// evidenceHere is the evidence about the current capture.
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
	if m.typing {
		return []key.Binding{m.own.Apply, m.own.Cancel, m.own.Clear}
	}
	switch m.mode {
	case modeConvs:
		return []key.Binding{m.keys.Select, m.own.Outcome, m.own.Sort, m.own.AllPackets, m.own.Filter, m.own.Follow, m.own.Evidence, m.own.Legend}
	case modePackets:
		return []key.Binding{m.keys.Select, m.own.Back, m.own.Filter, m.own.Follow, m.own.Evidence}
	case modeDetail:
		return []key.Binding{m.own.Hex, m.own.Back}
	}
	return []key.Binding{m.keys.Select, m.own.Back}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.ShortHelp(), {m.keys.Up, m.keys.Down, m.keys.PageUp, m.keys.PageDown, m.keys.Top, m.keys.Bottom, m.own.File}}
}
