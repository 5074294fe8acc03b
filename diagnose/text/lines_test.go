package text

import (
	"errors"
	"strings"
	"testing"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// A paste with nothing recognised says how much was read in words: "1 line", not "1 lines".
func TestNothingRecognisedCountsLines(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]string{"hello\n": "1 line read", "a\nb\n": "2 lines read"} {
		_, err := Read(kb, "note.txt", strings.NewReader(text), func(diagnose.Evidence) {})
		if !errors.Is(err, ErrNothingRecognised) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
}
