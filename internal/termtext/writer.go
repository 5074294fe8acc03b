package termtext

import (
	"io"
	"unicode/utf8"
)

// Writer passes text on to a terminal with EscapeKeepNewlines applied: a report's every line,
// whatever file names, log lines or peer answers it quotes, reaches the terminal as text. A
// character split over two writes is held back until it is whole.
type Writer struct {
	w    io.Writer
	hold []byte // the start of a UTF-8 sequence the last write ended in
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write escapes p and writes it; it reports len(p) when the escaped text was all written.
func (t *Writer) Write(p []byte) (int, error) {
	data := p
	if len(t.hold) > 0 {
		data = append(t.hold, p...)
		t.hold = nil
	}
	// Hold back an unfinished character at the end (at most 3 bytes).
	cut := len(data)
	for k := 1; k <= 3 && k <= len(data); k++ {
		c := data[len(data)-k]
		if c < utf8.RuneSelf {
			break
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(data[len(data)-k:]) {
				cut = len(data) - k
			}
			break
		}
	}
	t.hold = append(t.hold[:0], data[cut:]...)
	if _, err := io.WriteString(t.w, EscapeKeepNewlines(string(data[:cut]))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes out a held-back byte sequence (escaped, as it will never be whole).
func (t *Writer) Flush() error {
	if len(t.hold) == 0 {
		return nil
	}
	_, err := io.WriteString(t.w, EscapeKeepNewlines(string(t.hold)))
	t.hold = nil
	return err
}
