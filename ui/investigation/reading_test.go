package investigation

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hopscope/hopscope/analyze"
	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/common"
)

// piecemeal reads dir through analyze.Stream and cuts what it found into updates of one piece
// of evidence each (with a share of the attempts), in the order found, so that a replay reading
// it sees pieces come in before and after its cursor.
func piecemeal(t *testing.T, kb *knowledge.Base, dir string) []analyze.Update {
	t.Helper()
	var evs []analyze.Update
	var last analyze.Update
	var all analyze.Update
	for u := range analyze.Stream(context.Background(), kb, []string{dir}, nil, analyze.Options{}, time.Millisecond) {
		all.Evidence = append(all.Evidence, u.Evidence...)
		all.Attempts = append(all.Attempts, u.Attempts...)
		last = u
	}
	n := len(all.Evidence)
	for i, ev := range all.Evidence {
		a := all.Attempts[i*len(all.Attempts)/n : (i+1)*len(all.Attempts)/n]
		evs = append(evs, analyze.Update{Evidence: []diagnose.Evidence{ev}, Attempts: a, Read: int64(i), Total: int64(n)})
	}
	return append(evs, analyze.Update{Done: true, Inputs: last.Inputs, Err: last.Err, Read: int64(n), Total: int64(n)})
}

// readAlong opens a replay while its updates come in and hands it every one, pressing keys after
// the update numbered in keys (from 0) as the operator would while it reads.
func readAlong(t *testing.T, kb *knowledge.Base, updates []analyze.Update, keys func(n int) []string) Model {
	t.Helper()
	ch := make(chan analyze.Update, len(updates))
	for _, u := range updates {
		ch <- u
	}
	close(ch)
	m, _ := New(kb, common.DefaultStyles(), common.DefaultKeyMap()).Open(common.OpenMsg{Title: "replay", Replay: true, Reading: ch})
	if !m.Replaying() || m.Reading() == "" {
		t.Fatalf("a replay being read shows no replay bar (%q) or no reading (%q)", m.View(), m.Reading())
	}
	n := 0
	for u := range ch {
		before := map[common.Entry]int{}
		for _, e := range m.ledger {
			before[e]++
		}
		m, _ = m.Update(readMsg{from: ch, u: u, ok: true})
		for _, e := range m.ledger {
			before[e]--
		}
		for e, left := range before {
			if left > 0 {
				// What was shown stays: a piece found earlier than the cursor comes in with it.
				t.Fatalf("update %d took %s %s out of the ledger", n, e.Source, e.Signal)
			}
		}
		for _, k := range keys(n) {
			m, _ = m.Update(press(k))
		}
		if !u.Done && m.cursor > len(m.timeline) {
			t.Fatalf("update %d: cursor %d past the %d pieces read", n, m.cursor, len(m.timeline))
		}
		n++
	}
	if m.Reading() != "" {
		t.Errorf("still reading after the last update: %q", m.Reading())
	}
	return m
}

// report is what analyze --json would print of the session now.
func report(t *testing.T, m Model) string {
	t.Helper()
	b, err := json.Marshal(m.sess.Report(m.inputs))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReadingEndsAsBatch replays every recorded scenario while it is read, the operator stepping
// and jumping to the end of what is read meanwhile: once all is read the timeline, the ledger and
// the verdict at each end are those of the replay opened on the inputs read beforehand.
func TestReadingEndsAsBatch(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	dirs, _ := filepath.Glob("../../testdata/scenarios/*")
	tried := 0
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		tried++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			evs, ins, err := analyze.Collect(context.Background(), kb, []string{dir}, nil, analyze.Options{})
			if err != nil {
				t.Fatal(err)
			}
			batch, _ := New(kb, common.DefaultStyles(), common.DefaultKeyMap()).Open(common.OpenMsg{Title: "replay", Evidence: evs, Inputs: ins, Replay: true})
			batch, _ = batch.Update(press(">"))

			// Stepping while it is read, then to the end once it is.
			updates := piecemeal(t, kb, dir)
			step := func(n int) []string {
				if n%3 == 0 && n < 2*len(updates)/3 {
					return []string{"right"}
				}
				return nil
			}
			stepped := readAlong(t, kb, updates, step)
			if !reflect.DeepEqual(stepped.timeline, batch.timeline) || !reflect.DeepEqual(stepped.inputs, batch.inputs) {
				t.Fatalf("timeline read along differs from the one read beforehand")
			}
			if !reflect.DeepEqual(stepped.changes, batch.changes) {
				t.Errorf("changes %v, want %v", stepped.changes, batch.changes)
			}
			// The cursor stayed on what it showed; the state there is the batch replay's at the
			// same place.
			at := stepped.cursor
			ref, _ := batch.Update(press("<"))
			for range at {
				ref, _ = ref.Update(press("right"))
			}
			if got, want := report(t, stepped), report(t, ref); got != want {
				t.Errorf("at %d of %d, read along:\n%s\nread beforehand:\n%s", at, len(evs), got, want)
			}
			stepped, _ = stepped.Update(press(">"))
			if got, want := report(t, stepped), report(t, batch); got != want {
				t.Errorf("at the end, read along:\n%s\nread beforehand:\n%s", got, want)
			}

			// > pressed while it is read follows the end: once all is read the cursor is there.
			follow := func(n int) []string {
				if n == 0 {
					return []string{">"}
				}
				return nil
			}
			followed := readAlong(t, kb, updates, follow)
			if followed.cursor != len(evs) {
				t.Errorf("> while reading left the cursor at %d of %d", followed.cursor, len(evs))
			}
			if strings.Contains(followed.View(), "…") || !strings.Contains(followed.View(), "end") {
				t.Errorf("bar once all is read: %q", followed.View())
			}
			if got, want := report(t, followed), report(t, batch); got != want {
				t.Errorf("following the end:\n%s\nread beforehand:\n%s", got, want)
			}
			if !reflect.DeepEqual(followed.ledger, batch.ledger) {
				t.Errorf("ledger following the end differs from the one read beforehand")
			}
		})
	}
	if tried < 10 {
		t.Fatalf("found %d recorded scenarios", tried)
	}
}

// TestReadingOfAnotherIgnored opens a replay being read, then hands it an update from another
// reading (an investigation opened before it): the timeline takes nothing from it.
func TestReadingOfAnotherIgnored(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	mine, other := make(chan analyze.Update), make(chan analyze.Update)
	m, _ := New(kb, common.DefaultStyles(), common.DefaultKeyMap()).Open(common.OpenMsg{Title: "replay", Replay: true, Reading: mine})
	u := analyze.Update{Evidence: timeline(), Read: 10, Total: 100}
	m, _ = m.Update(readMsg{from: other, u: u, ok: true})
	if len(m.timeline) != 0 || strings.Contains(m.Reading(), "10%") {
		t.Fatalf("took another reading's update: %d pieces, %q", len(m.timeline), m.Reading())
	}
	m, _ = m.Update(readMsg{from: mine, u: u, ok: true})
	if len(m.timeline) != 3 || !strings.Contains(m.Reading(), "10%") || !strings.Contains(m.View(), "0/3…") {
		t.Fatalf("own update: %d pieces, %q, bar %q", len(m.timeline), m.Reading(), m.View())
	}
}

// TestReadingStoppedWhenReplaced opens another investigation in place of a replay still being
// read: the reading is stopped, once.
func TestReadingStoppedWhenReplaced(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	stopped := 0
	m, _ := New(kb, common.DefaultStyles(), common.DefaultKeyMap()).Open(common.OpenMsg{Title: "replay", Replay: true,
		Reading: make(chan analyze.Update), Stop: func() { stopped++ }})
	if stopped != 0 {
		t.Fatal("stopped as it opened")
	}
	m, _ = m.Open(common.OpenMsg{Title: "pasted error", Evidence: timeline()})
	m, _ = m.Open(common.OpenMsg{Title: "another", Evidence: timeline()})
	if stopped != 1 || m.Reading() != "" {
		t.Errorf("stopped %d times, reading %q", stopped, m.Reading())
	}
}
