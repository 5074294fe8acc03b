// Package train is the training screen: it wraps the investigation screen (in its training form,
// without the panes that name the answer), hands the trainee the symptom, the inputs they ask
// for, a form to commit a diagnosis, and the debrief, and records the trainee's progress.
package train

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/diagnose/probe"
	"github.com/hopscope/hopscope/knowledge"
	training "github.com/hopscope/hopscope/train"
	"github.com/hopscope/hopscope/ui"
	"github.com/hopscope/hopscope/ui/common"
)

// Options configure a training run.
type Options struct {
	// Scenarios are the incidents of this run, in order.
	Scenarios []training.Scenario
	// Total is the size of the set they were picked from (for the rounds without repeats).
	Total int
	// ProgressFile is where the trainee's progress is kept; User names the trainee.
	ProgressFile string
	User         string
	// Now is the clock; time.Now when nil. Tests fix it.
	Now func() time.Time
	// Lab, when set, stands up the real broken servers of a scenario (as root, by its folder's
	// name) and returns where to check them and how to stop them. The trainee is offered them
	// beside the recorded inputs, for the scenarios HasLab knows.
	Lab func(ctx context.Context, name string) (t LabTargets, stop func(), err error)
	// HasLab says whether Lab knows a scenario.
	HasLab func(name string) bool
	// Guard, when set, is asked before every connection the live checks open (serve).
	Guard probe.Guard
	// Context, when set, ends the live checks when it is done (serve: the session's).
	Context context.Context
	// Tick is how often the time taken is redrawn: 0 means every second, a negative value never
	// (tests that draw frames themselves).
	Tick time.Duration
}

// labTimeout bounds standing up a scenario's servers: the lab's own steps are bounded, this
// keeps a stuck one from holding the training.
const labTimeout = 2 * time.Minute

type mode int

const (
	modeLoading mode = iota
	modeSymptom
	modeWork
	modeAsk
	modeCause
	modeStep
	modeSure
	modeScoring
	modeDebrief
	modeDone
)

// LabTargets is where a scenario's lab servers answer, as the failing client reaches them.
type LabTargets struct {
	Target, Proxy, ConnectHost, TLSMax string
	// Netns is the namespace the client side must run in ("" for the host); the checks pane
	// cannot reach into one, so the trainee is told the command to use.
	Netns string
}

// labOffer is the name the ask page lists the lab under.
const labOffer = "the lab's real servers (checks pane)"

// Model is the training screen.
type Model struct {
	kb     *knowledge.Base
	opts   Options
	styles common.Styles
	keys   KeyMap

	inner         *ui.Model
	width, height int

	idx     int
	sess    *training.Session
	mode    mode
	cursor  int
	offset  int
	given   training.Diagnosis
	steps   []string
	result  *training.Result
	results []training.Result
	prog    training.Progress
	err     error
	gen     int
	// lab is where the incident's lab servers answer, once asked for; labStop stops them.
	lab     *LabTargets
	labStop func()
	// leave is the question asked before quitting throws away an incident's work; "" when none
	// is asked.
	leave string
}

// Messages of the training screen.
type (
	// loadedMsg carries the evidence of the symptom and the inputs asked for so far.
	loadedMsg struct {
		gen    int
		evs    []diagnose.Evidence
		inputs []diagnose.Input
		err    error
	}
	// labMsg says the lab's servers are up (or why not).
	labMsg struct {
		gen  int
		t    LabTargets
		stop func()
		err  error
	}
	// scoredMsg carries the score and debrief of a committed diagnosis.
	scoredMsg struct {
		res training.Result
		err error
	}
	tickMsg struct{}
)

// New returns the training screen for a run. The progress file is read now; a damaged one is an
// error the caller shows before starting.
func New(kb *knowledge.Base, opts Options) (*Model, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if len(opts.Scenarios) == 0 {
		return nil, fmt.Errorf("train: no incident to train on")
	}
	prog, err := training.LoadProgress(opts.ProgressFile, opts.User)
	if err != nil {
		return nil, err
	}
	m := &Model{kb: kb, opts: opts, styles: common.DefaultStyles(), keys: DefaultKeyMap(), prog: prog}
	// The investigation's help lists the training's keys too: the bar has room for their
	// short names only.
	m.inner = ui.New(kb, ui.Options{Training: true, Now: opts.Now, Guard: opts.Guard, Context: opts.Context,
		Keys: []key.Binding{m.keys.Ask, m.keys.Commit, m.keys.Symptom}})
	return m, nil
}

// ProgressFile is where the trainee's progress is kept.
func (m *Model) ProgressFile() string { return m.opts.ProgressFile }

// Results returns the results of the incidents done so far.
func (m *Model) Results() []training.Result { return m.results }

// Init starts the first incident.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.inner.Init(), m.start(), m.tick())
}

// tick redraws the time taken.
func (m *Model) tick() tea.Cmd {
	if m.opts.Tick < 0 {
		return nil
	}
	return tea.Tick(cmp.Or(m.opts.Tick, time.Second), func(time.Time) tea.Msg { return tickMsg{} })
}

// start begins incident m.idx: a fresh session holding only the symptom.
func (m *Model) start() tea.Cmd {
	m.stopLab()
	if m.sess != nil {
		m.sess.Close()
	}
	sess, err := training.Start(m.kb, m.opts.Scenarios[m.idx], m.opts.Now)
	if err != nil {
		m.err = err
		m.mode = modeDone
		return nil
	}
	m.sess, m.mode, m.result, m.given = sess, modeLoading, nil, training.Diagnosis{}
	return m.load()
}

// load reads the symptom and the inputs asked for, together, on its own goroutine.
func (m *Model) load() tea.Cmd {
	m.gen++
	gen, sess := m.gen, m.sess
	return func() tea.Msg {
		evs, ins, err := sess.Collect(context.Background())
		return loadedMsg{gen: gen, evs: evs, inputs: ins, err: err}
	}
}

// title is what the screen calls the incident: its number, nothing that names it.
func (m *Model) title() string {
	return fmt.Sprintf("training incident %d of %d", m.idx+1, len(m.opts.Scenarios))
}

// Update routes a message: the training's own keys and messages first, the rest to the
// investigation screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, m.toInner(tea.WindowSizeMsg{Width: msg.Width, Height: max(msg.Height-1, 1)})
	case tickMsg:
		return m, m.tick()
	case loadedMsg:
		if msg.gen != m.gen {
			return m, nil
		}
		if msg.err != nil && len(msg.evs) == 0 {
			m.err = msg.err
		}
		// An input asked for joins the investigation under way: the trainee's answers, checks
		// and panes stay.
		keep := m.mode != modeLoading
		if m.mode == modeLoading {
			// An incident opens on what the client saw, as an operator's call does.
			m.mode, m.cursor = modeSymptom, 0
		}
		// The panes read the copies of the inputs asked for, and nothing else of the disk.
		cmd := m.toInner(common.OpenMsg{Title: m.title(), Evidence: msg.evs, Inputs: msg.inputs, Files: common.Folder(m.sess.Dir()), Keep: keep})
		if keep {
			return m, cmd
		}
		// A new investigation has a new checks pane: it is pointed at the lab again.
		return m, tea.Batch(cmd, m.pointChecks())
	case labMsg:
		if msg.gen != m.gen {
			if msg.stop != nil {
				msg.stop()
			}
			return m, nil
		}
		if msg.err != nil {
			m.err = msg.err
			return m, nil
		}
		m.lab, m.labStop = &msg.t, msg.stop
		note := "the lab's servers are up: target " + msg.t.Target
		if msg.t.Proxy != "" {
			note += " through the proxy " + msg.t.Proxy
		}
		note += "; the checks pane (s swaps it in) is filled in"
		if msg.t.Netns != "" {
			note = "the lab's servers are up, reachable from the namespace " + msg.t.Netns + " only: ip netns exec " + msg.t.Netns + " hopscope check --target " + msg.t.Target
		}
		return m, tea.Batch(m.pointChecks(), m.toInner(common.NoteMsg{Entry: common.Entry{At: m.opts.Now(), Source: "lab", Kind: diagnose.FromOperator, Detail: note}}))
	case scoredMsg:
		return m, m.scored(msg)
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case tea.MouseClickMsg:
		// The investigation is drawn one line down, under the training bar.
		if m.mode != modeWork || msg.Y < 1 {
			return m, nil
		}
		msg.Y--
		return m, m.toInner(msg)
	case tea.MouseWheelMsg:
		if m.mode != modeWork || msg.Y < 1 {
			return m, nil
		}
		msg.Y--
		return m, m.toInner(msg)
	}
	return m, m.toInner(msg)
}

func (m *Model) toInner(msg tea.Msg) tea.Cmd {
	_, cmd := m.inner.Update(msg)
	return cmd
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if key.Matches(msg, k.Force) {
		return m.quit()
	}
	m.err = nil
	if m.leave != "" {
		switch {
		case key.Matches(msg, k.Yes):
			m.leave = ""
			return m.quit()
		case key.Matches(msg, k.Stay):
			m.leave = ""
		}
		return nil
	}
	switch m.mode {
	case modeWork:
		switch {
		case m.inner.Capturing():
		case key.Matches(msg, k.Ask):
			if len(m.sess.Offered()) > 0 || m.labOffered() {
				m.mode, m.cursor, m.offset = modeAsk, 0, 0
			}
			return nil
		case key.Matches(msg, k.Commit):
			m.mode, m.cursor, m.offset = modeCause, 0, 0
			return nil
		case key.Matches(msg, k.Symptom):
			m.mode, m.cursor = modeSymptom, 0
			return nil
		case key.Matches(msg, k.Quit):
			return m.askQuit()
		}
		return m.toInner(msg)
	case modeSymptom:
		switch {
		case m.move(msg, 1<<20):
		case key.Matches(msg, k.Start):
			m.mode = modeWork
		case key.Matches(msg, k.Quit):
			return m.askQuit()
		}
	case modeAsk:
		offers := m.sess.Offered()
		n := len(offers)
		if m.labOffered() {
			n++
		}
		switch {
		case key.Matches(msg, k.Back):
			m.mode = modeWork
		case m.move(msg, n):
		case key.Matches(msg, k.Choose) && m.cursor == len(offers) && m.labOffered():
			m.mode = modeWork
			gen, name, up := m.gen, m.sess.Scenario().Name, m.opts.Lab
			return func() tea.Msg {
				ctx, cancel := context.WithTimeout(context.Background(), labTimeout)
				defer cancel()
				t, stop, err := up(ctx, name)
				return labMsg{gen: gen, t: t, stop: stop, err: err}
			}
		case key.Matches(msg, k.Choose) && m.cursor < len(offers):
			if err := m.sess.Open(offers[m.cursor].Name); err != nil {
				m.err = err
				return nil
			}
			m.mode = modeWork
			return m.load()
		}
	case modeCause:
		switch {
		case key.Matches(msg, k.Back):
			m.mode = modeWork
		case m.move(msg, len(m.kb.Causes)):
		case key.Matches(msg, k.Choose):
			m.given.Cause = m.kb.Causes[m.cursor].ID
			m.steps = firstSteps(m.kb, m.kb.Causes[m.cursor])
			m.mode, m.cursor, m.offset = modeStep, 0, 0
		}
	case modeStep:
		switch {
		case key.Matches(msg, k.Back):
			m.mode, m.cursor, m.offset = modeCause, 0, 0
		case m.move(msg, len(m.steps)):
		case key.Matches(msg, k.Choose):
			m.given.Step = m.steps[m.cursor]
			m.mode = modeSure
		}
	case modeSure:
		switch {
		case key.Matches(msg, k.Back):
			m.mode = modeStep
		case key.Matches(msg, k.Sure, k.Guess):
			m.given.Sure = key.Matches(msg, k.Sure)
			m.given.Checks = countChecks(m.inner.Evidence())
			m.mode = modeScoring
			sess, d := m.sess, m.given
			return func() tea.Msg {
				res, err := sess.Commit(context.Background(), d)
				return scoredMsg{res: res, err: err}
			}
		}
	case modeDebrief:
		switch {
		case m.move(msg, 1<<20):
		case key.Matches(msg, k.Next):
			if m.idx+1 < len(m.opts.Scenarios) {
				m.idx++
				m.offset = 0
				return m.start()
			}
			m.mode, m.offset = modeDone, 0
		case key.Matches(msg, k.Quit):
			return m.quit()
		}
	case modeDone:
		if key.Matches(msg, k.Quit, k.Next, k.Back) {
			return m.quit()
		}
	}
	return nil
}

// move handles the cursor keys of a list of n items.
func (m *Model) move(msg tea.KeyPressMsg, n int) bool {
	switch {
	case key.Matches(msg, m.keys.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(msg, m.keys.Down):
		m.cursor = min(m.cursor+1, max(n-1, 0))
	default:
		return false
	}
	return true
}

// scored records a result and shows its debrief.
func (m *Model) scored(msg scoredMsg) tea.Cmd {
	if msg.err != nil {
		m.err = msg.err
		m.mode = modeWork
		return nil
	}
	r := msg.res
	m.result = &r
	m.results = append(m.results, r)
	m.prog.Record(r, m.opts.Now(), m.opts.Total)
	if m.opts.ProgressFile != "" {
		if err := m.prog.Save(m.opts.ProgressFile); err != nil {
			m.err = err
		}
	}
	m.mode, m.cursor, m.offset = modeDebrief, 0, 0
	return nil
}

// pointChecks fills the checks pane with the lab's target, once the lab is up.
func (m *Model) pointChecks() tea.Cmd {
	if m.lab == nil || m.lab.Netns != "" {
		return nil
	}
	t := m.lab
	return m.toInner(common.CheckTargetMsg{Target: t.Target, Proxy: t.Proxy, ConnectHost: t.ConnectHost, TLSMax: t.TLSMax})
}

// labOffered reports whether the ask page lists the lab.
func (m *Model) labOffered() bool {
	return m.opts.Lab != nil && m.lab == nil && m.opts.HasLab != nil && m.opts.HasLab(m.sess.Scenario().Name)
}

func (m *Model) stopLab() {
	if m.labStop != nil {
		m.labStop()
	}
	m.lab, m.labStop = nil, nil
}

// askQuit quits, asking first when the incident under way holds work: the inputs asked for, the
// answers and the live checks' results (the investigation's own question, in training's words).
func (m *Model) askQuit() tea.Cmd {
	var lost []string
	if m.sess != nil {
		if n := len(m.sess.Opened()); n > 0 {
			lost = append(lost, common.Count(n, "input asked for", "inputs asked for"))
		}
	}
	if n := m.inner.Unsaved(); n > 0 {
		lost = append(lost, common.Count(n, "answer or result", "answers and results"))
	}
	if len(lost) == 0 {
		return m.quit()
	}
	m.leave = "Quit and lose " + strings.Join(lost, ", ") + "?"
	return nil
}

func (m *Model) quit() tea.Cmd {
	m.stopLab()
	if m.sess != nil {
		m.sess.Close()
	}
	return tea.Quit
}

// firstSteps are the resolution steps offered once a cause is chosen: the first step of every
// cause of its playbook, so that picking the cause does not give the step away.
func firstSteps(kb *knowledge.Base, chosen *knowledge.Cause) []string {
	var out []string
	for _, c := range kb.Causes {
		if c.Playbook == chosen.Playbook && len(c.Resolution) > 0 {
			out = append(out, c.Resolution[0])
		}
	}
	return out
}

func countChecks(evs []diagnose.Evidence) int {
	n := 0
	for _, ev := range evs {
		if ev.Kind == diagnose.FromCheck {
			n++
		}
	}
	return n
}
