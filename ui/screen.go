package ui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/hopscope/hopscope/ui/common"
)

// screen is a set of panes and the layout that places them: the home screen, the investigation.
type screen struct {
	panes  []common.Pane
	layout layout
	focus  int  // index into layout.slots()
	zoomed bool // the focused pane fills the screen
	// single is set when the terminal is too small for the layout: only the focused pane shows.
	single bool
	rects  []rect
	// framed keeps each slot's last frame: a key that moves a cursor in one pane re-frames that
	// pane only.
	framed []framedPane
}

// framedPane is a pane's content in its frame, with what it was drawn from.
type framedPane struct {
	title, content string
	r              rect
	focused        bool
	out            string
}

func newScreen(panes []common.Pane, l layout) *screen {
	s := &screen{panes: panes, layout: l}
	s.setFocus(0)
	return s
}

// pane returns the pane with the given ID.
func (s *screen) pane(id string) common.Pane {
	for _, p := range s.panes {
		if p.ID() == id {
			return p
		}
	}
	return nil
}

// focused returns the pane in the focused slot.
func (s *screen) focused() common.Pane {
	sl := s.layout.slots()
	if len(sl) == 0 {
		return nil
	}
	return s.pane(sl[s.focus].pane)
}

// setFocus moves the focus to slot i (wrapping) and tells the panes.
func (s *screen) setFocus(i int) {
	n := len(s.layout.slots())
	if n == 0 {
		return
	}
	s.focus = ((i % n) + n) % n
	f := s.focused()
	for _, p := range s.panes {
		p.SetFocused(p == f)
	}
}

// focusPane moves the focus to the slot showing the pane id, if one does.
func (s *screen) focusPane(id string) {
	for i, sl := range s.layout.slots() {
		if sl.pane == id {
			s.setFocus(i)
			return
		}
	}
}

// show brings the pane id into view, in the first slot when no slot shows it, and focuses it.
func (s *screen) show(id string) {
	if s.pane(id) == nil {
		return
	}
	if sl := s.layout.slots(); len(sl) > 0 && !s.layout.shows(id) {
		sl[0].pane = id
	}
	s.focusPane(id)
}

// swap shows in the focused slot the next pane (in registration order) that no slot shows.
func (s *screen) swap() {
	sl := s.layout.slots()
	if len(sl) == 0 {
		return
	}
	cur := sl[s.focus]
	start := 0
	for i, p := range s.panes {
		if p.ID() == cur.pane {
			start = i
		}
	}
	for k := 1; k < len(s.panes); k++ {
		p := s.panes[(start+k)%len(s.panes)]
		if !s.layout.shows(p.ID()) {
			cur.pane = p.ID()
			s.setFocus(s.focus)
			return
		}
	}
}

// resize places the panes in an area of w×h cells and gives each its inner size. When the area is
// smaller than minW×minH, or the pane is zoomed, the focused pane alone fills it.
func (s *screen) resize(st common.Styles, w, h, minW, minH int) {
	s.single = s.zoomed || w < minW || h < minH
	fw, fh := st.FrameSize()
	if s.single {
		s.rects = []rect{{w: w, h: h}}
		if f := s.focused(); f != nil {
			f.SetSize(max(w-fw, 0), max(h-fh, 0))
		}
		return
	}
	s.rects = s.layout.place(w, h)
	for i, sl := range s.layout.slots() {
		if p := s.pane(sl.pane); p != nil {
			p.SetSize(max(s.rects[i].w-fw, 0), max(s.rects[i].h-fh, 0))
		}
	}
}

// view draws the panes in their frames.
func (s *screen) view(st common.Styles) string {
	if s.single {
		f := s.focused()
		if f == nil || len(s.rects) == 0 {
			return ""
		}
		return frame(st, f.Title(), f.View(), s.rects[0].w, s.rects[0].h, true)
	}
	var rows []string
	var cur []string
	y := -1
	for i, sl := range s.layout.slots() {
		r := s.rects[i]
		if r.y != y && cur != nil {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, cur...))
			cur = nil
		}
		y = r.y
		title, content := sl.pane, ""
		if p := s.pane(sl.pane); p != nil {
			title, content = p.Title(), p.View()
		}
		cur = append(cur, s.frameSlot(st, i, title, content, r, i == s.focus))
	}
	if cur != nil {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, cur...))
	}
	return strings.Join(rows, "\n")
}

// frameSlot frames slot i's content, reusing the last frame when nothing it shows changed.
func (s *screen) frameSlot(st common.Styles, i int, title, content string, r rect, focused bool) string {
	if len(s.framed) != len(s.rects) {
		s.framed = make([]framedPane, len(s.rects))
	}
	f := &s.framed[i]
	if f.out != "" && f.title == title && f.content == content && f.r == r && f.focused == focused {
		return f.out
	}
	*f = framedPane{title: title, content: content, r: r, focused: focused, out: frame(st, title, content, r.w, r.h, focused)}
	return f.out
}
