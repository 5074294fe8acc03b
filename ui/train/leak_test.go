package train

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	training "github.com/hopscope/hopscope/train"
)

// settle runs a command and everything it leads to, feeding the messages back into the model,
// up to a bound (a pane's redraw tick re-arms while it reads a capture).
func settle(t *testing.T, m *Model, cmd tea.Cmd) { settleWithin(t, m, cmd, 3*time.Second) }

// settleWithin is settle giving each command up to wait to return: scoring reads the incident
// again, which takes seconds on a busy machine.
func settleWithin(t *testing.T, m *Model, cmd tea.Cmd, wait time.Duration) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0 && n < 400; n++ {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		ch := make(chan tea.Msg, 1)
		go func() { ch <- c() }()
		var msg tea.Msg
		select {
		case msg = <-ch:
		case <-time.After(wait):
			continue
		}
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

func press(t *testing.T, m *Model, names ...string) {
	t.Helper()
	for _, n := range names {
		_, cmd := m.Update(keyPress(n))
		settle(t, m, cmd)
	}
}

// TestNoIncidentLeaksItsCause trains on every bundled incident and asks for every input it
// offers, reading all that the trainee can see before committing: each screen, with every pane
// swapped into every slot, the list of inputs offered, and the evidence in full (the ledger
// clips it). None may hold the cause's id, its title, the incident's own title or its folder's
// name. The diagnosis form is left out: it lists every cause alike, so naming them tells nothing.
func TestNoIncidentLeaksItsCause(t *testing.T) {
	kb := testKB(t)
	for _, sc := range bundled(t) {
		t.Run(sc.Name, func(t *testing.T) {
			cause, _ := kb.Cause(sc.Cause)
			forbidden := []string{sc.Cause, cause.Title, sc.Name}
			if sc.Title != "" {
				forbidden = append(forbidden, sc.Title)
			}
			m, err := New(kb, Options{Scenarios: []training.Scenario{sc}, Total: 1, Now: func() time.Time { return testNow }, Tick: -1})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if m.sess != nil {
					m.sess.Close()
				}
			})
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
			settle(t, m, m.Init())
			var seen []string
			look := func() {
				seen = append(seen, ansi.Strip(m.Render()))
				// Every pane in every slot: three slots, s swaps in the next pane not shown.
				for range 3 {
					for range 5 {
						press(t, m, "s")
						seen = append(seen, ansi.Strip(m.Render()))
					}
					press(t, m, "tab")
				}
			}
			// The symptom page, then the investigation.
			seen = append(seen, ansi.Strip(m.Render()))
			if !strings.Contains(seen[0], "What the client saw") {
				t.Fatalf("the incident does not open on the symptom:\n%s", seen[0])
			}
			press(t, m, "enter")
			look()
			// Every input is asked for, the files of one recording under the name offered.
			var covered []string
			for len(m.sess.Offered()) > 0 {
				for _, o := range m.sess.Offered() {
					seen = append(seen, o.Label+" "+o.Name+" "+strings.Join(o.Same, " "))
				}
				covered = append(covered, m.sess.Offered()[0].Name)
				covered = append(covered, m.sess.Offered()[0].Same...)
				press(t, m, "I")
				seen = append(seen, ansi.Strip(m.Render()))
				press(t, m, "enter")
				seen = append(seen, ansi.Strip(m.Render()))
			}
			// With everything in, every pane once more.
			look()
			slices.Sort(covered)
			if !slices.Equal(covered, slices.Sorted(slices.Values(sc.Inputs))) {
				t.Fatalf("opened %v, covering %v, of %v", m.sess.Opened(), covered, sc.Inputs)
			}
			for _, ev := range m.inner.Evidence() {
				seen = append(seen, ev.Source+" "+ev.Detail+" "+ev.Path)
			}
			if len(m.inner.Evidence()) == 0 {
				t.Fatal("no evidence reached the investigation")
			}
			for _, s := range seen {
				for _, f := range forbidden {
					if strings.Contains(s, f) {
						t.Fatalf("the trainee can see %q before the debrief:\n%s", f, s)
					}
				}
			}
			// And the debrief does name it.
			press(t, m, "D", "enter", "enter")
			_, cmd := m.Update(keyPress("n"))
			settleWithin(t, m, cmd, time.Minute)
			if d := ansi.Strip(m.Render()); !strings.Contains(d, sc.Cause) {
				t.Errorf("the debrief does not name %s:\n%s", sc.Cause, d)
			}
		})
	}
}

// TestClickLandsOnThePaneUnderIt: the investigation is drawn under the training bar, so a click
// is moved up one line before it reaches it; a click on the last line of the tree's frame, just
// above the packets pane, focuses the tree.
func TestClickLandsOnThePaneUnderIt(t *testing.T) {
	kb := testKB(t)
	m, err := New(kb, Options{Scenarios: []training.Scenario{scenario(t, "tunnel.proxy-auth")}, Total: 1, Now: func() time.Time { return testNow }, Tick: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.sess.Close() })
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	settle(t, m, m.Init())
	press(t, m, "enter", "tab", "tab")
	screen := ansi.Strip(m.Render())
	lines := strings.Split(screen, "\n")
	row := -1
	for i, l := range lines {
		if strings.Contains(l, "Packets") && strings.HasPrefix(l, "╭") {
			row = i
		}
	}
	if row < 2 || !strings.Contains(screen, "● Packets") {
		t.Fatalf("packets pane not focused or not found:\n%s", screen)
	}
	_, cmd := m.Update(tea.MouseClickMsg{X: 5, Y: row - 1, Button: tea.MouseLeft})
	settle(t, m, cmd)
	if s := ansi.Strip(m.Render()); !strings.Contains(s, "● Decision tree") {
		t.Errorf("a click on the tree's bottom line did not focus it:\n%s", s)
	}
}
