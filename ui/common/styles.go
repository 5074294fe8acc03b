package common

import (
	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles is the one set of styles of the program. DefaultStyles builds it; the root passes it to
// every pane. Colours are the 16 ANSI colours, which every terminal over SSH can show and which the
// terminal's own theme keeps readable; NO_COLOR (handled by the program's renderer) drops them, so
// nothing here depends on colour alone: the current step, the selection and the focused pane are
// also marked by a glyph, bold or reverse video.
type Styles struct {
	// Header is the top line (what is investigated); Status the line under the panes.
	Header lipgloss.Style
	Status lipgloss.Style
	// Error is how the status line shows an ErrorMsg.
	Error lipgloss.Style

	// Border and FocusedBorder draw pane frames; Title and FocusedTitle the frame's title.
	Border        lipgloss.Style
	FocusedBorder lipgloss.Style
	Title         lipgloss.Style
	FocusedTitle  lipgloss.Style
	// BorderShape is the set of characters frames are drawn with.
	BorderShape lipgloss.Border

	// Text styles inside panes.
	Heading  lipgloss.Style // a section heading
	Selected lipgloss.Style // the line under the pane's cursor
	Current  lipgloss.Style // the decision tree's current step
	Answered lipgloss.Style // a step already answered
	Dim      lipgloss.Style // what is not reached or matters less
	Label    lipgloss.Style // a field label ("why", "run")
	Rise     lipgloss.Style // a cause that gained confidence
	Fall     lipgloss.Style // a cause that lost confidence
	BarFull  lipgloss.Style // the filled part of a confidence bar
	BarEmpty lipgloss.Style // the rest of it
	Passed   lipgloss.Style // a check that passed
	Failed   lipgloss.Style // a check that failed
	Skipped  lipgloss.Style // a check that did not run

	// Help styles the help bar.
	Help help.Styles
}

// ANSI colour numbers (0-15), so that a 16-colour terminal shows exactly these.
const (
	red          = "1"
	green        = "2"
	yellow       = "3"
	blue         = "4"
	magenta      = "5"
	cyan         = "6"
	gray         = "8"
	brightRed    = "9"
	brightGreen  = "10"
	brightYellow = "11"
	brightBlue   = "12"
	brightCyan   = "14"
)

// DefaultStyles returns the program's styles.
func DefaultStyles() Styles {
	c := lipgloss.Color
	s := Styles{
		Header: lipgloss.NewStyle().Bold(true).Foreground(c(brightCyan)),
		Status: lipgloss.NewStyle().Foreground(c(gray)),
		Error:  lipgloss.NewStyle().Bold(true).Foreground(c(brightRed)),

		Border:        lipgloss.NewStyle().Foreground(c(gray)),
		FocusedBorder: lipgloss.NewStyle().Foreground(c(brightBlue)).Bold(true),
		Title:         lipgloss.NewStyle().Foreground(c(gray)),
		FocusedTitle:  lipgloss.NewStyle().Foreground(c(brightBlue)).Bold(true).Reverse(true),
		BorderShape:   lipgloss.RoundedBorder(),

		Heading:  lipgloss.NewStyle().Bold(true).Foreground(c(cyan)),
		Selected: lipgloss.NewStyle().Reverse(true),
		Current:  lipgloss.NewStyle().Bold(true).Foreground(c(brightYellow)),
		Answered: lipgloss.NewStyle().Foreground(c(green)),
		Dim:      lipgloss.NewStyle().Foreground(c(gray)),
		Label:    lipgloss.NewStyle().Foreground(c(magenta)),
		Rise:     lipgloss.NewStyle().Bold(true).Foreground(c(brightGreen)),
		Fall:     lipgloss.NewStyle().Foreground(c(red)),
		BarFull:  lipgloss.NewStyle().Foreground(c(blue)),
		BarEmpty: lipgloss.NewStyle().Foreground(c(gray)),
		Passed:   lipgloss.NewStyle().Foreground(c(green)),
		Failed:   lipgloss.NewStyle().Bold(true).Foreground(c(red)),
		Skipped:  lipgloss.NewStyle().Foreground(c(yellow)),
	}
	s.Help = help.Styles{
		ShortKey:       lipgloss.NewStyle().Foreground(c(brightBlue)),
		ShortDesc:      lipgloss.NewStyle().Foreground(c(gray)),
		ShortSeparator: lipgloss.NewStyle().Foreground(c(gray)),
		Ellipsis:       lipgloss.NewStyle().Foreground(c(gray)),
		FullKey:        lipgloss.NewStyle().Foreground(c(brightBlue)),
		FullDesc:       lipgloss.NewStyle().Foreground(c(gray)),
		FullSeparator:  lipgloss.NewStyle().Foreground(c(gray)),
	}
	return s
}

// FrameSize is how many columns and lines a pane's frame takes around its content: the border on
// each side, the title line on top and the border below.
func (s Styles) FrameSize() (width, height int) {
	b := s.BorderShape
	return lipgloss.Width(b.Left) + lipgloss.Width(b.Right), 2
}
