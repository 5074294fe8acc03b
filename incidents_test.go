package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/charmbracelet/x/term"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/incident"
)

// knownGaps lists bundled incidents hopscope does not yet rank right, with why. They are still
// offered on the home screen (the tree and the next checks are useful on them); the test reports
// them and fails for any other incident ranked wrong.
var knownGaps = map[string]string{}

// TestBundledIncidentsReachTheirCause opens every incident embedded in the binary the way the home
// screen does and checks that the cause ranked first is the one its truth.yaml names: the first
// run must show hopscope getting a real example right.
func TestBundledIncidentsReachTheirCause(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	list := incident.List(bundledIncidents())
	if len(list) == 0 {
		t.Fatal("no incidents bundled")
	}
	for _, inc := range list {
		t.Run(inc.Name, func(t *testing.T) {
			if _, ok := kb.Cause(inc.Cause); !ok {
				t.Fatalf("truth.yaml names cause %q, which the knowledge base does not know", inc.Cause)
			}
			evs, _, err := incident.Load(context.Background(), kb, bundledIncidents(), inc)
			if err != nil {
				t.Fatal(err)
			}
			s := diagnose.NewSession(kb)
			for _, ev := range evs {
				s.Add(ev)
			}
			top := s.Assess().Causes[0]
			gap, known := knownGaps[inc.Name]
			switch {
			case top.Cause.ID == inc.Cause && known:
				t.Logf("now ranked right: remove %s from knownGaps", inc.Name)
			case top.Cause.ID != inc.Cause && known:
				t.Logf("known gap: ranked %s first, truth is %s: %s", top.Cause.ID, inc.Cause, gap)
			case top.Cause.ID != inc.Cause:
				t.Errorf("ranked %s first (%.0f%%), truth is %s", top.Cause.ID, 100*top.Confidence, inc.Cause)
			}
		})
	}
}

// TestTUINeedsATerminal runs `hopscope` with no arguments where standard output is not a terminal
// (a pipe, as under go test): it says so in one line instead of drawing into the pipe.
func TestTUINeedsATerminal(t *testing.T) {
	if term.IsTerminal(os.Stdout.Fd()) {
		t.Skip("skipped: standard output is a terminal here")
	}
	root := newRootCmd()
	root.SetArgs([]string{})
	err := root.Execute()
	if err == nil || !strings.Contains(err.Error(), "needs a terminal") {
		t.Fatalf("err = %v, want one saying a terminal is needed", err)
	}
}
