package analyze

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/diagnose/logs"
	"github.com/hopscope/hopscope/diagnose/text"
)

// TestLogReadersCoverTheRecognizers checks, line by line over every recorded log, that the log
// reader shows at least the signals the pasted-text recognizers find on the same line: once a file
// is claimed as a log the recognizers no longer run on it, so nothing they would say may be lost.
func TestLogReadersCoverTheRecognizers(t *testing.T) {
	kb := kb(t)
	files, _ := filepath.Glob("../diagnose/logs/testdata/scenarios/*/*/*.log")
	lab, _ := filepath.Glob("../testdata/scenarios/*/*.log")
	files = append(append(files, lab...), "testdata/modproxy.txt")
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		format, ok := logs.Detect(b, logs.Options{})
		if !ok {
			continue
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		sc.Buffer(nil, 1<<20)
		n := 0
		for sc.Scan() {
			n++
			line := sc.Text()
			want := map[string]bool{}
			text.Read(kb, "x", strings.NewReader(line), func(ev diagnose.Evidence) { want[ev.Signal] = true })
			if len(want) == 0 {
				continue
			}
			got := map[string]bool{}
			a := logs.NewAnalyzer()
			a.ReadFile(t.Context(), "x", strings.NewReader(line+"\n"), format, logs.Options{})
			for _, ev := range a.Evidence() {
				got[ev.Signal] = true
			}
			for sig := range want {
				if !got[sig] {
					t.Errorf("%s:%d: the recognizers find %s, the %s reader does not: %s", path, n, sig, format, line)
				}
			}
		}
	}
}
