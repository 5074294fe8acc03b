package common

import "charm.land/bubbles/v2/key"

// KeyMap holds every binding of the program. DefaultKeyMap builds the one instance; the root passes
// a copy to each pane, which may disable the bindings it cannot act on (disabled bindings leave the
// help bar). Keys are matched only with key.Matches.
type KeyMap struct {
	// Root: quitting, help, moving between and arranging panes.
	Quit      key.Binding
	ForceQuit key.Binding
	Help      key.Binding
	Back      key.Binding
	NextPane  key.Binding
	PrevPane  key.Binding
	Zoom      key.Binding
	Swap      key.Binding
	Grow      key.Binding
	Shrink    key.Binding

	// Moving inside a pane.
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Select   key.Binding

	// Answering a manual step of the decision tree.
	Yes      key.Binding
	No       key.Binding
	DontKnow key.Binding
	Choose   key.Binding
	Playbook key.Binding

	// Submitting pasted text.
	Submit key.Binding

	// Writing the must-gather report of the investigation.
	Report key.Binding

	// Running live checks.
	RunChecks key.Binding
	RunNext   key.Binding

	// Replaying evidence in capture time. Home and End are not among them: they move the focused
	// list, as Top and Bottom.
	Replay    key.Binding
	PlayPause key.Binding
	StepOn    key.Binding
	StepBack  key.Binding
	JumpStart key.Binding
	JumpEnd   key.Binding
	JumpNext  key.Binding
	JumpPrev  key.Binding
}

// DefaultKeyMap returns the bindings. They avoid keys that SSH clients and terminal multiplexers
// commonly take (ctrl+a, ctrl+b, ctrl+z) and work without function keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		NextPane:  key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
		PrevPane:  key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "prev pane")),
		Zoom:      key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "zoom")),
		Swap:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "swap pane")),
		Grow:      key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "grow")),
		Shrink:    key.NewBinding(key.WithKeys("-"), key.WithHelp("-", "shrink")),

		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "f"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "top")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "bottom")),
		Select:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),

		Yes:      key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
		No:       key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "no")),
		DontKnow: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "don't know")),
		Choose:   key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9"), key.WithHelp("1-9", "answer")),
		Playbook: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "other playbook")),

		Submit: key.NewBinding(key.WithKeys("ctrl+s", "alt+enter"), key.WithHelp("ctrl+s", "recognise")),
		Report: key.NewBinding(key.WithKeys("W"), key.WithHelp("W", "write must-gather report")),

		RunChecks: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "run all checks")),
		RunNext:   key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "run the suggested check")),

		Replay:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "replay from the start")),
		PlayPause: key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "play/pause")),
		StepOn:    key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→", "step")),
		StepBack:  key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←", "step back")),
		JumpStart: key.NewBinding(key.WithKeys("<"), key.WithHelp("<", "to start")),
		JumpEnd:   key.NewBinding(key.WithKeys(">"), key.WithHelp(">", "to end")),
		JumpNext:  key.NewBinding(key.WithKeys("."), key.WithHelp(".", "next change")),
		JumpPrev:  key.NewBinding(key.WithKeys(","), key.WithHelp(",", "previous change")),
	}
}

// ChosenIndex returns the zero-based answer a Choose key press stands for ("1" is 0).
func ChosenIndex(keystroke string) (int, bool) {
	if len(keystroke) == 1 && keystroke[0] >= '1' && keystroke[0] <= '9' {
		return int(keystroke[0] - '1'), true
	}
	return 0, false
}
