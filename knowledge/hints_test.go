package knowledge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A hint may only skip a recognizer that could not have matched: over every line of the client
// texts the tests read, a recognizer that matches a line must also pass MayMatch on it.
func TestHintsNeverHideAMatch(t *testing.T) {
	b, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../analyze/testdata/clients/*.txt")
	more, _ := filepath.Glob("../testdata/scenarios/*/client.txt")
	files = append(files, more...)
	if len(files) < 20 {
		t.Fatalf("only %d client texts found", len(files))
	}
	matched := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			// Upper-cased too: a case-insensitive pattern must not be hidden by the folding.
			for _, s := range []string{line, strings.ToUpper(line)} {
				folded := FoldASCII(nil, s)
				for _, r := range b.Recognizers {
					if r.Match(s) {
						matched++
						if !r.MayMatch(folded) {
							t.Errorf("%s: hints %q hide a match of %q on %q", f, r.hints, r.Regex+r.Contains, s)
						}
					}
				}
			}
		}
	}
	if matched < 50 {
		t.Errorf("only %d matches seen: the test reads too little", matched)
	}
	for _, r := range b.Recognizers {
		if r.hints == nil {
			t.Logf("no hints for %q: tried on every line", r.Regex+r.Contains)
		}
	}
}
