// Package common holds what every hopscope pane shares: the pane contract, the one Styles and the
// one KeyMap of the program, and the messages that carry data between the panes and the root.
//
// A pane is a rectangle of the screen that shows one thing (the decision tree, the ranked causes,
// the evidence ledger, a capture's packets, a log). The root model in package ui owns the layout:
// it places panes in slots, gives each its size with SetSize, sends key presses to the focused pane
// only, and sends data messages (SessionMsg and the pane's own messages) to every pane whether
// focused or not. A pane never draws its own border or title, never reads the terminal size, and
// never changes the session itself: it asks with AddEvidenceMsg or NoteMsg.
//
// To add a pane: write a package under ui/ with a Model that satisfies Pane, construct it with the
// Styles and KeyMap it is given, and register it in ui/panes.go. Then it can be placed in a layout
// or swapped into any slot by the operator.
package common

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
)

// Pane is the contract every pane satisfies.
//
// Update returns the pane itself (panes are pointers), so the root needs no type assertions.
// View returns exactly what fits the size last given to SetSize: at most height lines, none
// wider than width. View is called on every frame, so a pane caches its rendering and redraws
// only after a message, a key or SetSize changed what it shows.
//
// The help.KeyMap methods list the pane's bindings for the help bar; a binding the pane cannot
// act on right now is disabled with SetEnabled(false) and drops out of the help by itself. The
// root also routes by them: a key the focused pane lists (enabled) in FullHelp reaches the pane
// before the replay's keys, so a pane may reuse ← and → while they mean something to it.
type Pane interface {
	help.KeyMap
	// ID is the pane's stable name in layouts, such as "tree" or "ledger".
	ID() string
	// Title is what the frame around the pane shows. It may change with the pane's state.
	Title() string
	// Init returns the pane's first command, if any.
	Init() tea.Cmd
	// Update handles a message and returns the pane and a command.
	Update(msg tea.Msg) (Pane, tea.Cmd)
	// View renders the pane's content (no frame) at its current size.
	View() string
	// SetSize gives the pane the inner size it may draw in. Sizes may be zero or tiny.
	SetSize(width, height int)
	// SetFocused tells the pane whether key presses go to it.
	SetFocused(focused bool)
}

// TextInput is implemented by panes that take typed text (a text area). While Capturing reports
// true, the root sends the pane every key except the few that must always work (ForceQuit,
// NextPane, PrevPane), so typing "q" writes a q instead of quitting.
type TextInput interface {
	Capturing() bool
}

// Leveled is implemented by panes with levels of their own (a capture's conversations, a
// conversation's packets, a packet's detail). The root's Back key (esc) calls Back first: it goes
// up one level and reports true, or reports false at the top, and the root goes back instead.
type Leveled interface {
	Back() bool
}

// Clickable is implemented by panes whose rows can be picked with the mouse. The root focuses the
// pane under a click and calls Click with the cell inside the pane's content (x, y from 0; y is -1
// on the frame). The pane moves its cursor to the row there; again is set when the pane was
// focused already, and a click then on the row under the cursor acts as enter.
type Clickable interface {
	Click(x, y int, again bool) tea.Cmd
}
