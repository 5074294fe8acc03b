// Package termtext makes text from outside (file names, log lines, a peer's headers) safe to
// print to a terminal: control characters are written as escapes instead of being obeyed, so a
// file named "\x1b]0;owned\a.pcap" shows as that, not as a retitled or repainted terminal.
package termtext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Escape returns s with every character a terminal would act on written as a Go-style escape:
// C0 controls and DEL (\n, \r, \t, \x1b, …), C1 controls (\u009b, the one-byte CSI), the
// bidirectional overrides that reorder what is shown (\u202e …), and bytes that are not UTF-8
// (\xff). Printable text, any script, comes back unchanged, and s itself when nothing needs
// escaping.
func Escape(s string) string { return escape(s, false) }

// EscapeKeepNewlines is Escape but for '\n', for multi-line text printed as lines.
func EscapeKeepNewlines(s string) string { return escape(s, true) }

func escape(s string, keepNL bool) string {
	i := firstUnsafe(s, keepNL)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case unsafeRune(r, keepNL):
			b.WriteString(quoteRune(r))
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// firstUnsafe returns the offset of the first byte that needs escaping, or -1.
func firstUnsafe(s string, keepNL bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && !(keepNL && c == '\n') || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 || unsafeRune(r, keepNL) {
			return i
		}
		i += n
	}
	return -1
}

// unsafeRune reports whether a terminal would act on r rather than show it.
func unsafeRune(r rune, keepNL bool) bool {
	switch {
	case r == '\n':
		return !keepNL
	case r < 0x20, r == 0x7f, 0x80 <= r && r <= 0x9f:
		return true
	case 0x202a <= r && r <= 0x202e, 0x2066 <= r && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidirectional embeddings, overrides, isolates and marks
	}
	return false
}

func quoteRune(r rune) string {
	switch r {
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	}
	if r < 0x80 {
		return `\x` + hex2(byte(r))
	}
	h := strconv.FormatInt(int64(r), 16)
	return `\u` + strings.Repeat("0", 4-len(h)) + h
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

// EscapeScreen is EscapeKeepNewlines for a frame the program drew itself: the colour and style
// sequences its own styling writes (SGR, "\x1b[…m") pass, every other control is escaped. What
// a pane quotes from outside (a file name, a log line, a packet's text) cannot move the cursor,
// clear the screen, retitle the window or write to the clipboard.
func EscapeScreen(s string) string {
	i := nextUnsafe(s, 0)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	from := 0
	for i >= 0 {
		b.WriteString(s[from:i])
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			b.WriteString(`\x` + hex2(s[i]))
		} else {
			b.WriteString(quoteRune(r))
		}
		from = i + n
		i = nextUnsafe(s, from)
	}
	b.WriteString(s[from:])
	return b.String()
}

// nextUnsafe returns the offset, from i on, of the first character EscapeScreen escapes, or -1.
func nextUnsafe(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if c == 0x1b {
			if n := sgrLen(s[i:]); n > 0 {
				i += n
				continue
			}
			return i
		}
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 || unsafeRune(r, true) {
			return i
		}
		i += n
	}
	return -1
}

// sgrLen returns the length of the SGR sequence s starts with ("\x1b[1;38;5;203m"), or 0.
func sgrLen(s string) int {
	if len(s) < 3 || s[1] != '[' {
		return 0
	}
	for j := 2; j < len(s) && j < 64; j++ {
		switch c := s[j]; {
		case c == 'm':
			return j + 1
		case '0' <= c && c <= '9', c == ';', c == ':':
		default:
			return 0
		}
	}
	return 0
}
