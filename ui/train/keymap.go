package train

import "charm.land/bubbles/v2/key"

// KeyMap holds the training keys. They are taken before the investigation's keys, so they use
// letters no pane binds.
type KeyMap struct {
	Ask     key.Binding
	Symptom key.Binding
	Start   key.Binding
	Commit  key.Binding
	Up      key.Binding
	Down    key.Binding
	Choose  key.Binding
	Back    key.Binding
	Sure    key.Binding
	Guess   key.Binding
	Next    key.Binding
	Quit    key.Binding
	Force   key.Binding
	// Yes and Stay answer the question asked before quitting.
	Yes  key.Binding
	Stay key.Binding
}

// DefaultKeyMap returns the training keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Ask:     key.NewBinding(key.WithKeys("I"), key.WithHelp("I", "ask for an input")),
		Symptom: key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "what the client saw")),
		Start:   key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter", "investigate")),
		Commit:  key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "commit a diagnosis")),
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Choose:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Sure:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "sure")),
		Guess:   key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "a guess")),
		Next:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next incident")),
		Quit:    key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Force:   key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Yes:     key.NewBinding(key.WithKeys("y", "enter"), key.WithHelp("y", "yes")),
		Stay:    key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", "no, stay")),
	}
}
