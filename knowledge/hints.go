package knowledge

import (
	"bytes"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// hintsOf returns literals, in lower case, at least one of which every text a pattern matches
// holds (a line is folded to lower case before it is compared, so the same hints serve
// case-sensitive and case-insensitive patterns), or nil when no such set can be read off the
// pattern. They let a line skip a recognizer with a substring search instead of running its
// regular expression: most lines of a pasted log match nothing.
func hintsOf(re *syntax.Regexp) [][]byte {
	switch re.Op {
	case syntax.OpCapture:
		return hintsOf(re.Sub[0])
	case syntax.OpLiteral:
		if !foldsAsASCII(re.Rune) {
			return nil
		}
		return [][]byte{lower(string(re.Rune))}
	case syntax.OpConcat:
		// Any one child that must match gives a hint; take the longest literal child, or else
		// the first child that yields hints of its own.
		var best []byte
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpLiteral && foldsAsASCII(sub.Rune) && len(string(sub.Rune)) > len(best) {
				best = lower(string(sub.Rune))
			}
		}
		if len(best) >= 3 {
			return [][]byte{best}
		}
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpCapture || sub.Op == syntax.OpAlternate {
				if h := hintsOf(sub); h != nil {
					return h
				}
			}
		}
		if best != nil {
			return [][]byte{best}
		}
		return nil
	case syntax.OpAlternate:
		var all [][]byte
		for _, sub := range re.Sub {
			h := hintsOf(sub)
			if h == nil {
				return nil
			}
			all = append(all, h...)
		}
		return all
	}
	return nil
}

// patternHints parses a recognizer's expression for its hints.
func patternHints(expr string) [][]byte {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	return hintsOf(re)
}

func lower(s string) []byte { return []byte(strings.ToLower(s)) }

// foldsAsASCII reports whether a literal has no letters outside ASCII that have a case: FoldASCII
// folds only ASCII letters, so a hint with others could miss a line the pattern matches.
func foldsAsASCII(rs []rune) bool {
	for _, r := range rs {
		if r >= utf8.RuneSelf && (unicode.ToLower(r) != r || unicode.ToUpper(r) != r) {
			return false
		}
	}
	return true
}

// MayMatch reports whether a line, folded to lower case with FoldASCII, can match the
// recognizer at all. False is certain; true means the recognizer must be tried.
func (r *Recognizer) MayMatch(folded []byte) bool {
	if r.hints == nil {
		return true
	}
	for _, h := range r.hints {
		if bytes.Contains(folded, h) {
			return true
		}
	}
	return false
}

// FoldASCII appends s to dst with ASCII letters in lower case, for MayMatch. Other bytes are
// kept, so offsets into the folded line are offsets into s.
func FoldASCII(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
