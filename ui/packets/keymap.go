package packets

import "charm.land/bubbles/v2/key"

// KeyMap holds the pane's own bindings; moving and opening use the program's common keys. The keys
// avoid those the root and the replay take first (q ? esc tab z s + - space ← → < > r x p y n d).
type KeyMap struct {
	// Back goes up one level: detail to packets to conversations.
	Back key.Binding
	// Outcome cycles the conversations' outcome filter; Sort cycles their order.
	Outcome key.Binding
	Sort    key.Binding
	// AllPackets shows every packet of the capture instead of one conversation's.
	AllPackets key.Binding
	// Hex switches the packet detail between decoded fields and a hex dump.
	Hex key.Binding
	// Follow shows a conversation's payload as text, both directions in order.
	Follow key.Binding
	// Evidence lists the findings that point at packets, to jump to them.
	Evidence key.Binding
	// Legend explains the conversations' state and history codes.
	Legend key.Binding
	// File switches between the captures read.
	File key.Binding
	// Filter types a packet filter (host, port, flags, words); Apply and Cancel end the typing.
	Filter key.Binding
	Apply  key.Binding
	Cancel key.Binding
	// Clear empties the filter being typed.
	Clear key.Binding
}

// DefaultKeyMap returns the pane's bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Back:       key.NewBinding(key.WithKeys("backspace"), key.WithHelp("⌫", "back")),
		Outcome:    key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "filter by outcome")),
		Sort:       key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "sort")),
		AllPackets: key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "all packets")),
		Hex:        key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "hex/fields")),
		Follow:     key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "follow stream")),
		Evidence:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "evidence → packets")),
		File:       key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "next capture")),
		Legend:     key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "codes legend")),
		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter packets")),
		Apply:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply filter")),
		Cancel:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Clear:      key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "clear")),
	}
}
