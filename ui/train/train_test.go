package train

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hopscope/hopscope/knowledge"
	training "github.com/hopscope/hopscope/train"
)

var testNow = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func testKB(t testing.TB) *knowledge.Base {
	t.Helper()
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

// bundled loads the repository's recordings as the binary offers them.
func bundled(t testing.TB) []training.Scenario {
	t.Helper()
	all, err := training.Load(testKB(t), os.DirFS(filepath.Join("..", "..", "testdata")), "scenarios", "incidents")
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func scenario(t testing.TB, name string) training.Scenario {
	t.Helper()
	for _, sc := range bundled(t) {
		if sc.Name == name {
			return sc
		}
	}
	t.Fatalf("no scenario %s", name)
	return training.Scenario{}
}

func keyPress(n string) tea.KeyPressMsg {
	switch n {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	}
	return tea.KeyPressMsg{Code: []rune(n)[0], Text: n}
}

// recorder keeps the last screen drawn, ANSI stripped, for the flow to wait on.
type recorder struct {
	m    *Model
	last atomic.Value
}

func (r *recorder) Init() tea.Cmd { return r.m.Init() }
func (r *recorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := r.m.Update(msg)
	return r, cmd
}
func (r *recorder) View() tea.View {
	v := r.m.View()
	r.last.Store(ansi.Strip(v.Content))
	return v
}
func (r *recorder) screen() string { s, _ := r.last.Load().(string); return s }

func waitFor(t *testing.T, r *recorder, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := r.screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the screen does not show %q:\n%s", missing, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFlowTrainTwoIncidents trains two incidents end to end on a virtual terminal: the symptom
// first, an input asked for, a wrong diagnosis given as sure and a debrief that names the input
// that was missed; then a right diagnosis, the summary, and the progress file read back.
func TestFlowTrainTwoIncidents(t *testing.T) {
	kb := testKB(t)
	first, second := scenario(t, "body.backend-closed"), scenario(t, "tunnel.proxy-auth")
	file := filepath.Join(t.TempDir(), "state", "train", "alice.json")
	m, err := New(kb, Options{Scenarios: []training.Scenario{first, second}, Total: 2, ProgressFile: file, User: "alice",
		Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{m: m}
	tm := teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(110, 34))
	press := func(names ...string) {
		for _, n := range names {
			tm.Send(keyPress(n))
		}
	}

	// The symptom first: what the client saw, and nothing else in the investigation.
	s := waitFor(t, rec, "Training 1/2", "What the client saw", "502")
	if strings.Contains(s, first.Name) || strings.Contains(s, first.Cause) {
		t.Fatalf("the symptom names the incident:\n%s", s)
	}
	press("enter")
	s = waitFor(t, rec, "training incident 1 of 2", "client.txt")
	if strings.Contains(s, first.Name) || strings.Contains(s, first.Cause) {
		t.Fatalf("the first screen names the incident:\n%s", s)
	}
	// Ask for the access log (not the error log the shortest path needs).
	press("I")
	s = waitFor(t, rec, "Ask for an input", "apache-access.log")
	offers := m.sess.Offered()
	i := slices.IndexFunc(offers, func(o training.Offer) bool { return o.Name == "apache-access.log" })
	for range i {
		press("down")
	}
	press("enter")
	waitFor(t, rec, fmt.Sprintf("ask for input (%d left)", len(offers)-1), "apache-a")

	// A wrong cause, given as sure.
	press("D")
	waitFor(t, rec, "Commit a diagnosis: the cause", "▸ backend.down")
	press("enter")
	waitFor(t, rec, "the first step you would take", "Cause: backend.down")
	press("enter")
	waitFor(t, rec, "Are you sure?")
	press("y")
	s = waitFor(t, rec, "Debrief", "Wrong cause", "you said backend.down", "You were sure, and wrong",
		first.Cause+":", "Missed: apache-error.log", "apache-access.log", "The decision-tree path")
	// The resolution and who acts, further down.
	for range 60 {
		press("down")
	}
	waitFor(t, rec, "Resolution (who acts:")

	// The second incident, answered right.
	press("enter")
	waitFor(t, rec, "Training 2/2", "What the client saw")
	press("enter")
	waitFor(t, rec, "training incident 2 of 2")
	press("D")
	waitFor(t, rec, "Commit a diagnosis: the cause")
	ci, _ := kb.CauseIndex(second.Cause)
	for range ci {
		press("down")
	}
	press("enter")
	waitFor(t, rec, "Cause: "+second.Cause)
	truth, _ := kb.Cause(second.Cause)
	steps := firstSteps(kb, truth)
	for range slices.Index(steps, truth.Resolution[0]) {
		press("down")
	}
	press("enter", "n")
	waitFor(t, rec, "Right cause", "the first step was right", "You missed nothing")
	press("enter")
	waitFor(t, rec, "Training done", "1 of 2 right.")
	press("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))

	// The progress file, read back.
	p, err := training.LoadProgress(file, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attempts) != 2 {
		t.Fatalf("progress holds %d attempts, want 2: %+v", len(p.Attempts), p)
	}
	a, b := p.Attempts[0], p.Attempts[1]
	if a.Scenario != first.Name || a.Right || !a.ConfidentWrong || a.Given != "backend.down" || a.Opened != 1 {
		t.Errorf("first attempt %+v", a)
	}
	if b.Scenario != second.Name || !b.Right || !b.StepRight || b.ConfidentWrong {
		t.Errorf("second attempt %+v", b)
	}
	if len(p.Seen) != 0 {
		t.Errorf("seen %v: both of the set were done, a new round starts", p.Seen)
	}
}

// TestFlowTrainPanesOpenTheInputsAskedFor asks for a capture and a server log on a virtual
// terminal and opens both in their panes: the packets pane lists the capture's conversations and
// the logs pane reads the log, from the copies the training made of them.
func TestFlowTrainPanesOpenTheInputsAskedFor(t *testing.T) {
	kb := testKB(t)
	sc := scenario(t, "backend.down.nginx")
	m, err := New(kb, Options{Scenarios: []training.Scenario{sc}, Total: 1, Now: func() time.Time { return testNow }, Tick: -1})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{m: m}
	tm := teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(110, 34))
	press := func(names ...string) {
		for _, n := range names {
			tm.Send(keyPress(n))
		}
	}
	ask := func(name string) {
		t.Helper()
		press("I")
		waitFor(t, rec, "Ask for an input", name)
		i := slices.IndexFunc(m.sess.Offered(), func(o training.Offer) bool { return o.Name == name })
		if i < 0 {
			t.Fatalf("%s is not offered: %v", name, m.sess.Offered())
		}
		for range i {
			press("down")
		}
		press("enter")
		waitFor(t, rec, "training incident 1 of 1")
	}
	waitFor(t, rec, "What the client saw")
	press("enter")
	waitFor(t, rec, "training incident 1 of 1")
	ask("any.pcapng")
	s := waitFor(t, rec, "Packets · any.pcapng", "conversations ·", "127.0.0.1:9000")
	if strings.Contains(s, "no capture files to read") || regexp.MustCompile(`\b0 conversations`).MatchString(s) {
		t.Fatalf("the packets pane does not read the capture asked for:\n%s", s)
	}
	ask("nginx-error.log")
	press("s")
	s = waitFor(t, rec, "Logs · nginx-error.log", "Failures per")
	if strings.Contains(s, "no log files to read") || strings.Contains(s, "No server log among") {
		t.Fatalf("the logs pane does not read the log asked for:\n%s", s)
	}
	press("q", "y")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// screenLines draws the model and returns its lines, ANSI stripped.
// The cursor's mark is drawn as ">", one byte as it is one column.
func screenLines(m *Model) []string {
	return strings.Split(strings.ReplaceAll(ansi.Strip(m.Render()), "▸", ">"), "\n")
}

// TestListsWrapUnderTheirOption draws the training's lists at 80 columns: the intro of the inputs
// page wraps as one sentence; a cause's title wraps under the title column, on the cursor's row as
// on the others; a first step's wrapped lines go deeper than the options, so that none reads as
// an option of its own.
func TestListsWrapUnderTheirOption(t *testing.T) {
	kb := testKB(t)
	m, err := New(kb, Options{Scenarios: []training.Scenario{scenario(t, "backend.down.nginx")}, Total: 1, Now: func() time.Time { return testNow }, Tick: -1})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 60})
	settle(t, m, m.Init())
	press(t, m, "enter", "I")
	for _, l := range screenLines(m) {
		if s := strings.TrimSpace(l); s == "investigation." || s == "joins the" {
			t.Fatalf("the intro of the inputs page breaks at %q:\n%s", s, strings.Join(screenLines(m), "\n"))
		}
	}

	press(t, m, "esc", "D", "down")
	lines := screenLines(m)
	const titleCol = 2 + 36 + 1
	opt := 0
	for i, l := range lines[3:] {
		if opt < len(kb.Causes) && strings.HasPrefix(l[2:], kb.Causes[opt].ID+" ") {
			if c := strings.Index(l, kb.Causes[opt].Title[:12]); c != titleCol {
				t.Errorf("line %d: the title of %s starts at column %d, want %d:\n%s", i+3, kb.Causes[opt].ID, c, titleCol, l)
			}
			opt++
			continue
		}
		if s := strings.TrimSpace(l); s != "" && (len(l)-len(strings.TrimLeft(l, " ")) != titleCol) {
			t.Errorf("line %d: a wrapped title does not go under its title column:\n%s", i+3, strings.Join(lines, "\n"))
			break
		}
	}
	if opt < 2 {
		t.Fatalf("the cause list shows %d causes:\n%s", opt, strings.Join(lines, "\n"))
	}
	if !strings.HasPrefix(lines[3+cursorRow(lines[3:])], "> "+kb.Causes[1].ID) {
		t.Fatalf("the cursor is not on the second cause:\n%s", strings.Join(lines, "\n"))
	}

	press(t, m, "enter")
	lines = screenLines(m)
	wrapped := 0
	for i, l := range lines[5:] {
		if strings.TrimSpace(l) == "" {
			continue
		}
		first := slices.ContainsFunc(m.steps, func(st string) bool {
			return strings.HasPrefix(st, strings.TrimSpace(l[2:])[:min(20, len(strings.TrimSpace(l[2:])))])
		})
		indent := len(l) - len(strings.TrimLeft(l, " "))
		switch {
		case first && (strings.HasPrefix(l, "> ") || indent == 2):
		case indent == 2+hang:
			wrapped++
		default:
			t.Errorf("line %d of the first steps is neither an option nor under one:\n%s", i+5, strings.Join(lines, "\n"))
		}
	}
	if wrapped == 0 {
		t.Fatalf("no first step wraps at 80 columns:\n%s", strings.Join(lines, "\n"))
	}
}

func cursorRow(lines []string) int {
	return max(slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "> ") }), 0)
}

// TestFlowTrainQuitAsksFirst: q quits at once while nothing was done, but once an input was asked
// for and a step of the tree answered it asks first, as the investigation screen does; n stays,
// y quits.
func TestFlowTrainQuitAsksFirst(t *testing.T) {
	kb := testKB(t)
	sc := scenario(t, "backend.down.nginx")
	newModel := func() (*recorder, *teatest.TestModel) {
		m, err := New(kb, Options{Scenarios: []training.Scenario{sc}, Total: 1, Now: func() time.Time { return testNow }, Tick: -1})
		if err != nil {
			t.Fatal(err)
		}
		rec := &recorder{m: m}
		return rec, teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(80, 24))
	}

	rec, tm := newModel()
	waitFor(t, rec, "What the client saw")
	tm.Send(keyPress("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))

	rec, tm = newModel()
	waitFor(t, rec, "What the client saw")
	tm.Send(keyPress("enter"))
	waitFor(t, rec, "training incident 1 of 1", "(4 left)")
	tm.Send(keyPress("I"))
	waitFor(t, rec, "Ask for an input")
	tm.Send(keyPress("enter"))
	waitFor(t, rec, "(3 left)", "1-9 answer")
	tm.Send(keyPress("1"))
	waitFor(t, rec, "Evidence · 20")
	tm.Send(keyPress("q"))
	waitFor(t, rec, "Quit and lose 1 input asked for, 1 answer or result?", "y yes", "n no, stay")
	tm.Send(keyPress("n"))
	waitFor(t, rec, "(3 left)")
	tm.Send(keyPress("q"))
	waitFor(t, rec, "Quit and lose")
	tm.Send(keyPress("y"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// TestFlowTrainKeysFitAndAreInTheHelp: at 80 columns the training bar shows its three keys
// whole, and the investigation's full help (?) lists them with what they do.
func TestFlowTrainKeysFitAndAreInTheHelp(t *testing.T) {
	kb := testKB(t)
	m, err := New(kb, Options{Scenarios: []training.Scenario{scenario(t, "backend.down.nginx")}, Total: 1, Now: func() time.Time { return testNow }, Tick: -1})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{m: m}
	tm := teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(80, 24))
	waitFor(t, rec, "What the client saw")
	tm.Send(keyPress("enter"))
	s := waitFor(t, rec, "training incident 1 of 1")
	bar := strings.TrimRight(strings.SplitN(s, "\n", 2)[0], " ")
	for _, want := range []string{"I ask for input (4 left)", "D diagnose", "S symptom"} {
		if !strings.Contains(bar, want) || strings.HasSuffix(bar, "…") {
			t.Fatalf("the bar at 80 columns does not show %q whole: %q", want, bar)
		}
	}
	tm.Send(keyPress("?"))
	waitFor(t, rec, "I ask for an input", "D commit a diagnosis", "S what the client saw", "? fewer keys")
	tm.Send(keyPress("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// TestDebriefSaysOneThing: on an incident no recorded input settles, a trainee who asked for a
// capture and the proxy's log is told so once, not also that a shortest path of inputs existed
// or that an input would have told them.
func TestDebriefSaysOneThing(t *testing.T) {
	kb := testKB(t)
	m, err := New(kb, Options{Scenarios: []training.Scenario{scenario(t, "tunnel.forbidden.host-header")}, Total: 1, Now: func() time.Time { return testNow }, Tick: -1})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 80})
	settle(t, m, m.Init())
	press(t, m, "enter")
	for _, name := range []string{"any.pcapng", "privoxy.log"} {
		press(t, m, "I")
		for range slices.IndexFunc(m.sess.Offered(), func(o training.Offer) bool { return o.Name == name }) {
			press(t, m, "down")
		}
		press(t, m, "enter")
	}
	if got := m.sess.Opened(); !slices.Equal(got, []string{"any.pcapng", "privoxy.log"}) {
		t.Fatalf("asked for %v", got)
	}
	press(t, m, "D", "enter", "enter")
	_, cmd := m.Update(keyPress("n"))
	settleWithin(t, m, cmd, 60*time.Second)
	s := strings.Join(screenLines(m), "\n")
	if !strings.Contains(s, "no recorded input settles it") {
		t.Fatalf("the debrief does not say that no recorded input settles it:\n%s", s)
	}
	for _, bad := range []string{"shortest path", "would have told you", "Missed:"} {
		if strings.Contains(s, bad) {
			t.Errorf("the debrief says %q as well:\n%s", bad, s)
		}
	}
}

// TestAskingForAnInputKeepsTheAnswers answers the tree's first step, swaps the logs pane in and
// then asks for an input: the answer stays in the investigation (and on the tree), and so does
// the pane the trainee put in view.
func TestAskingForAnInputKeepsTheAnswers(t *testing.T) {
	kb := testKB(t)
	m, err := New(kb, Options{Scenarios: []training.Scenario{scenario(t, "backend.down.nginx")}, Total: 1, Now: func() time.Time { return testNow }, Tick: -1})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 110, Height: 34})
	settle(t, m, m.Init())
	press(t, m, "enter", "1")
	if n := m.inner.Unsaved(); n != 1 {
		t.Fatalf("%d answers after answering one", n)
	}
	press(t, m, "tab", "s")
	if s := ansi.Strip(m.Render()); !strings.Contains(s, "Logs") {
		t.Fatalf("s did not swap the logs pane in:\n%s", s)
	}
	press(t, m, "I", "enter")
	s := ansi.Strip(m.Render())
	if len(m.sess.Opened()) != 1 || m.inner.Unsaved() != 1 {
		t.Fatalf("opened %v, %d answers kept:\n%s", m.sess.Opened(), m.inner.Unsaved(), s)
	}
	if !strings.Contains(s, "· the operator") || !strings.Contains(s, "Logs") {
		t.Fatalf("the tree lost its answer or the logs pane its slot once an input was asked for:\n%s", s)
	}
}
