package lab

import (
	"path/filepath"
	"testing"

	"github.com/hopscope/hopscope/internal/testenv"
)

// TestMixedRecordings checks that the committed recordings of the mixed scenarios still show what
// their scenarios say, with the checks of a live run (no root needed; tshark is).
func TestMixedRecordings(t *testing.T) {
	testenv.RequireCommand(t, "tshark")
	for _, sc := range mixedScenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			rec, err := LoadRecording(filepath.Join("..", "testdata", "mixed", sc.Name))
			if err != nil {
				t.Fatalf("%v (hopscope lab record %s testdata/mixed/%s)", err, sc.Name, sc.Name)
			}
			if err := sc.Verify(rec); err != nil {
				t.Errorf("the recording does not show what %s says: %v", sc.Name, err)
			}
		})
	}
}
