// Package text recognises pasted or saved error text (gateway fault bodies, trace headers, curl and
// Go client errors, Apache and nginx error lines) and turns what it says into evidence.
package text

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// ErrNothingRecognised is returned when text holds no line any recognizer knows.
var ErrNothingRecognised = errors.New("no known error text found")

// ErrNotText is returned for input that is not text (NUL bytes).
var ErrNotText = errors.New("not text")

// ErrEmpty is returned for input with no line that holds anything but white space.
var ErrEmpty = errors.New("empty input")

// maxLine bounds one line; longer lines are cut, with a warning (a pasted JSON body may be one
// long line).
const maxLine = 1 << 20

// perRecognizer bounds the lines of one recognizer emitted one by one; the rest are counted and
// reported as one summary, so that a text of a million identical errors stays a short ledger.
const perRecognizer = 3

// Result says what was read.
type Result struct {
	Lines      int64
	Recognised int
	Warnings   []string
}

// Read scans r line by line and emits evidence for every line a recognizer matches. name is used
// in evidence sources ("name:line"). It fails with ErrNotText on binary input and with
// ErrNothingRecognised when no line matched.
func Read(kb *knowledge.Base, name string, r io.Reader, emit func(diagnose.Evidence)) (Result, error) {
	return ReadAttempts(kb, name, r, emit, nil)
}

// ReadAttempts is Read that also reports to attempt the CONNECTs a forward proxy's log shows
// (Privoxy, tinyproxy), each an attempt on the proxy's hop to its target. A nil attempt reports
// none.
func ReadAttempts(kb *knowledge.Base, name string, r io.Reader, emit func(diagnose.Evidence), attempt func(diagnose.Attempt)) (Result, error) {
	var res Result
	plog := proxyLog{sink: attempt, name: name}
	// context[i] is true once a line matched recognizer i's After condition.
	context := make([]bool, len(kb.Recognizers))
	// more[i] counts recognizer i's lines past perRecognizer, from line moreFrom[i] to moreTo[i].
	matched := make([]int, len(kb.Recognizers))
	more := make([]int, len(kb.Recognizers))
	moreFrom := make([]int64, len(kb.Recognizers))
	moreTo := make([]int64, len(kb.Recognizers))
	// last[i] is the number of the last line recognizer i matched, so that a line joined to the
	// one before it (a hard-wrapped error) is only tried for what neither half said alone.
	last := make([]int64, len(kb.Recognizers))
	var prev string
	var nonBlank int64
	var tun tunnels
	var folded []byte
	var j joiner
	br := bufio.NewReaderSize(r, maxLine)
	long, badUTF8 := false, false
	for {
		line, rerr := br.ReadSlice('\n')
		if long { // the rest of a line already cut
			long = rerr == bufio.ErrBufferFull
			if rerr == nil || long {
				continue
			}
			line = nil
		}
		if rerr == bufio.ErrBufferFull {
			long = true
			res.Warnings = append(res.Warnings, fmt.Sprintf("line %d is longer than %d bytes: only its start was read", res.Lines+1, maxLine))
		} else if len(line) == 0 {
			if rerr != nil && rerr != io.EOF {
				return res, fmt.Errorf("%s: %w", name, rerr)
			}
			break
		}
		res.Lines++
		if bytes.IndexByte(line, 0) >= 0 {
			return res, fmt.Errorf("%s line %d: %w", name, res.Lines, ErrNotText)
		}
		s := strings.TrimSpace(string(line))
		if !utf8.ValidString(s) {
			// A stray byte in another encoding (a Latin-1 name in a log) spoils one line, not
			// the text: the recognizers see it with the byte replaced.
			s = strings.ToValidUTF8(s, "\uFFFD")
			if !badUTF8 {
				badUTF8 = true
				res.Warnings = append(res.Warnings, fmt.Sprintf("line %d is not valid UTF-8: bytes that do not decode were replaced", res.Lines))
			}
		}
		if s != "" {
			nonBlank++
		}
		bare := stripPrefix(s)
		tun.read(bare, res.Lines)
		plog.read(s, res.Lines)
		folded = knowledge.FoldASCII(folded[:0], s)
		hit := false
		for i, rec := range kb.Recognizers {
			if rec.NeedsContext() {
				if !context[i] {
					context[i] = rec.MatchContext(s) || rec.MatchContext(bare)
					continue
				}
			}
			// bare is the end of s, so what s cannot hold, bare cannot either.
			if !rec.MayMatch(folded) || !rec.Match(s) && (bare == s || !rec.Match(bare)) {
				continue
			}
			hit = true
			last[i] = res.Lines
			res.Recognised++
			if matched[i]++; matched[i] > perRecognizer {
				if more[i]++; more[i] == 1 {
					moreFrom[i] = res.Lines
				}
				moreTo[i] = res.Lines
				continue
			}
			for _, sig := range rec.Signals {
				emit(diagnose.Evidence{
					Signal: sig,
					Source: fmt.Sprintf("%s:%d", name, res.Lines),
					Kind:   diagnose.FromText,
					// Redacted before the cut, which could leave a password without the @ after it.
					Detail: clip(diagnose.Redact(rec.Says+": "+s), 240),
					Path:   name,
					Line:   int(res.Lines),
				})
			}
		}
		if !hit && prev != "" && s != "" {
			res.Recognised += j.try(kb, name, prev, s, res.Lines, last, emit)
		}
		prev = s
	}
	for i, rec := range kb.Recognizers {
		if more[i] == 0 {
			continue
		}
		for _, sig := range rec.Signals {
			emit(diagnose.Evidence{
				Signal: sig,
				Source: fmt.Sprintf("%s:%d", name, moreFrom[i]),
				Kind:   diagnose.FromText,
				Detail: rec.Says + ": " + moreLike(more[i], moreFrom[i], moreTo[i]),
				Path:   name,
				Line:   int(moreFrom[i]),
			})
		}
	}
	tun.emit(name, emit)
	plog.flush()
	if nonBlank == 0 {
		return res, fmt.Errorf("%s: %w", name, ErrEmpty)
	}
	if res.Recognised == 0 {
		return res, fmt.Errorf("%s: %s read: %w (expected a gateway fault, curl or Go client error, or an Apache or nginx error line)", name, lines(res.Lines), ErrNothingRecognised)
	}
	return res, nil
}

// joiner tries the recognizers on a line joined to the one before it, for an error that a
// terminal or a log shipper wrapped onto two lines: once with the two halves run together (a
// wrap in the middle of a word) and once with a space between them (a wrap at a space). Only
// recognizers that matched neither half alone count. Its buffers are reused from line to line,
// and a joined form is built as a string only for a recognizer whose hints it holds.
type joiner struct{ tight, spaced []byte }

// try returns how many recognizers matched the joined forms of prev and s (line n).
func (j *joiner) try(kb *knowledge.Base, name, prev, s string, n int64, last []int64, emit func(diagnose.Evidence)) int {
	j.tight = knowledge.FoldASCII(knowledge.FoldASCII(j.tight[:0], prev), s)
	j.spaced = knowledge.FoldASCII(append(knowledge.FoldASCII(j.spaced[:0], prev), ' '), s)
	found := 0
	for i, rec := range kb.Recognizers {
		if rec.NeedsContext() || last[i] == n-1 {
			continue
		}
		var form string
		switch {
		case rec.MayMatch(j.tight) && rec.Match(prev+s):
			form = prev + s
		case rec.MayMatch(j.spaced) && rec.Match(prev+" "+s):
			form = prev + " " + s
		default:
			continue
		}
		last[i] = n
		found++
		for _, sig := range rec.Signals {
			emit(diagnose.Evidence{
				Signal: sig,
				Source: fmt.Sprintf("%s:%d", name, n-1),
				Kind:   diagnose.FromText,
				Detail: clip(rec.Says+" (over two lines): "+form, 240),
				Path:   name,
				Line:   int(n - 1),
			})
		}
	}
	return found
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// lines counts lines in words: "1 line", "3 lines".
func lines(n int64) string {
	if n == 1 {
		return "1 line"
	}
	return fmt.Sprintf("%d lines", n)
}

// moreLike says how many more lines a recognizer matched past the ones kept one by one, and where.
func moreLike(n int, from, to int64) string {
	if n == 1 {
		return fmt.Sprintf("1 more line like it (line %d)", from)
	}
	return fmt.Sprintf("%d more lines like it (lines %d–%d)", n, from, to)
}
