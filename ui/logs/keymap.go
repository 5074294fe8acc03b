package logs

import "charm.land/bubbles/v2/key"

// KeyMap holds the pane's own bindings; moving and opening use the program's common keys. The keys
// avoid those the root and the replay take first (q ? esc tab z s + - space ← → < > r x p y n d)
// and the common moves (j k b f g G).
type KeyMap struct {
	// Timeline shows each backend's failures over time.
	Timeline key.Binding
	// Lines lists the failing lines.
	Lines key.Binding
	// Evidence lists the evidence read from the log, to jump to its line.
	Evidence key.Binding
	// File switches between the logs read.
	File key.Binding
	// Follow follows the log live: lines written from now on join the timeline and the list.
	Follow key.Binding
}

// DefaultKeyMap returns the pane's bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Timeline: key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "failures over time")),
		Lines:    key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "failing lines")),
		Evidence: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "evidence → line")),
		File:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "next log")),
		Follow:   key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "follow live")),
	}
}
