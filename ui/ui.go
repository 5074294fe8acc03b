// Package ui is hopscope's interactive screen, built with Bubble Tea. The root Model only routes:
// key presses to the focused pane, data messages to every pane, evidence to the investigation,
// window sizes to the layout. Each pane lives in its own package and satisfies common.Pane; see
// package common for the contract, the one Styles and the one KeyMap.
package ui

import (
	"context"
	"io/fs"
	"path/filepath"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose/probe"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/checks"
	"github.com/hopscope/hopscope/ui/common"
	"github.com/hopscope/hopscope/ui/investigation"
)

// Options configure the program.
type Options struct {
	// Incidents holds the recorded incidents bundled with the program (see package incident);
	// nil offers none.
	Incidents fs.FS
	// Open, when set, opens this investigation at start instead of the home screen (replay).
	Open *common.OpenMsg
	// Now is the clock that stamps the operator's answers; time.Now when nil. Tests fix it.
	Now func() time.Time
	// Guard, when set, is asked before every connection the live checks open (serve gives the
	// server's allowed targets); nil lets them reach anywhere.
	Guard probe.Guard
	// Context, when set, bounds the live checks: they stop when it is done (serve gives the
	// session's, so that no check outlives its session); nil lets them run to their end.
	Context context.Context
	// Training shows the investigation a trainee works in (see trainingPanes) and no home screen
	// to go back to (it lists the incidents with their titles).
	Training bool
	// ReportDir is where the report key writes its bundle; the working directory when empty.
	ReportDir string
	// Remote is set when the screen is shown to someone over the network (serve): the report key
	// then writes nothing, since it would write into the server's files, and says so.
	Remote bool
	// Refused, when set, is told of each thing a remote screen refused to do (serve logs it).
	Refused func(what, why string)
	// Keys are the keys of a program wrapping the screen (training's): the full help lists them
	// with the root's, though the wrapper, not this screen, handles them.
	Keys []key.Binding
}

// The smallest area in which the layouts are drawn; below it only the focused pane shows.
const (
	minWidth  = 60
	minHeight = 14
)

// Model is the root of the program.
type Model struct {
	kb     *knowledge.Base
	opts   Options
	styles common.Styles
	keys   common.KeyMap
	help   help.Model

	width, height int
	home, inv     *screen
	cur           *screen
	work          investigation.Model
	err           error
	// note is what the status line says of the last key's result (where a report went, why it
	// was refused) until the next key.
	note string
	// burst holds key presses that may be an unbracketed paste (see paste.go).
	burst burst
	// confirm is the question asked before the operator's work is thrown away (see leave.go).
	confirm *confirmation

	// The last frame drawn. Only Update changes what is shown, so View draws again only after
	// an Update; the renderer may ask for frames more often than that.
	frame string
	stale bool
	// helpOffset is the first line shown of the full help when it is a page of its own.
	helpOffset int
}

// New returns the root model showing the home screen (or opts.Open).
func New(kb *knowledge.Base, opts Options) *Model {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m := &Model{kb: kb, opts: opts, styles: common.DefaultStyles(), keys: common.DefaultKeyMap(), stale: true}
	m.help = help.New()
	m.help.Styles = m.styles.Help
	m.help.FullSeparator = "  "
	m.work = investigation.New(kb, m.styles, m.keys)
	m.home = newScreen(homePanes(m.kb, m.styles, m.keys, opts.Incidents, m.checkOpts(), opts.Now), homeLayout())
	m.cur = m.home
	return m
}

// checkOpts configure every checks pane the program opens: where it may connect, and the
// context that ends its checks.
func (m *Model) checkOpts() []checks.Option {
	co := []checks.Option{checks.WithGuard(m.opts.Guard)}
	if m.opts.Context != nil {
		co = append(co, checks.WithContext(m.opts.Context))
	}
	return co
}

// Init starts the home screen's panes, or opens the investigation asked for.
func (m *Model) Init() tea.Cmd {
	if m.opts.Open != nil {
		o := *m.opts.Open
		return tea.Batch(initAll(m.home.panes), func() tea.Msg { return o })
	}
	return initAll(m.home.panes)
}

// Update routes a message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.stale = true
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.relayout()
		return m, nil
	case tea.KeyPressMsg:
		m.err, m.note = nil, ""
		if !m.capturing() && textKey(msg, len(m.burst.keys) > 0) {
			return m, m.hold(msg)
		}
		if len(m.burst.keys) > 0 {
			held := m.release()
			return m, tea.Sequence(held, m.key(msg))
		}
		return m, m.key(msg)
	case burstDoneMsg:
		if msg.gen == m.burst.gen {
			return m, m.release()
		}
		return m, nil
	case tea.PasteMsg, tea.PasteStartMsg, tea.PasteEndMsg:
		return m, m.paste(msg)
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		return m, m.mouse(msg)
	case tea.MouseReleaseMsg, tea.MouseMotionMsg:
		return m, nil
	case common.ErrorMsg:
		m.err = msg.Err
		return m, nil
	case common.PromptMsg:
		m.note = msg.Text
		return m, nil
	case reportWrittenMsg:
		where := msg.path
		if abs, err := filepath.Abs(where); err == nil {
			where = abs
		}
		m.note = "report written to " + where
		return m, m.toWork(msg.note)
	case common.OpenMsg:
		return m, m.open(msg)
	case common.JumpMsg:
		return m, m.jump(msg)
	case common.RunCheckMsg:
		return m, m.runCheck(msg)
	case common.AddEvidenceMsg, common.NoteMsg:
		return m, m.toWork(msg)
	}
	// The investigation's own messages (replay ticks) and any pane's data messages.
	return m, tea.Batch(m.toWork(msg), broadcast(m.cur.panes, msg))
}

// toWork hands a message to the investigation and what changed to the investigation's panes.
func (m *Model) toWork(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.work, cmd = m.work.Update(msg)
	return tea.Batch(cmd, m.publish())
}

// publish hands the investigation's latest change, if any, to its panes.
func (m *Model) publish() tea.Cmd {
	s, ok := m.work.Published()
	if !ok || m.inv == nil {
		return nil
	}
	return broadcast(m.inv.panes, s)
}

// key routes a key press: the keys that always work, then a pane taking text, then the root's own
// keys, then the keys the focused pane shows in its help now, then the replay's, then the
// focused pane.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.ForceQuit):
		return tea.Quit
	case m.confirm != nil:
		return m.answerConfirm(msg)
	case key.Matches(msg, k.NextPane):
		m.cur.setFocus(m.cur.focus + 1)
		m.relayout()
		return nil
	case key.Matches(msg, k.PrevPane):
		m.cur.setFocus(m.cur.focus - 1)
		m.relayout()
		return nil
	case m.capturing():
		return m.toFocused(msg)
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.help.ShowAll, m.helpOffset = !m.help.ShowAll, 0
		m.relayout()
	case m.help.ShowAll && m.scrollHelp(msg):
	case key.Matches(msg, k.Back):
		return m.back()
	case key.Matches(msg, k.Zoom):
		m.cur.zoomed = !m.cur.zoomed
		m.relayout()
	case key.Matches(msg, k.Swap):
		m.cur.swap()
		m.relayout()
	case key.Matches(msg, k.Grow):
		m.cur.layout.grow(m.cur.focus, 1)
		m.relayout()
	case key.Matches(msg, k.Shrink):
		m.cur.layout.grow(m.cur.focus, -1)
		m.relayout()
	case m.cur == m.inv && !m.opts.Training && key.Matches(msg, k.Report):
		return m.writeReport()
	case m.claims(msg):
		return m.toFocused(msg)
	case m.cur == m.inv && m.work.Handles(msg):
		return m.toWork(msg)
	default:
		return m.toFocused(msg)
	}
	return nil
}

// open builds the investigation screen (new panes, so nothing of a previous one lingers) and
// hands the investigation its evidence.
func (m *Model) open(o common.OpenMsg) tea.Cmd {
	if o.Keep && m.inv != nil {
		// The same investigation with more evidence: its panes stay as they are, and take it.
		var cmd tea.Cmd
		m.work, cmd = m.work.Open(o)
		return tea.Batch(m.publish(), cmd)
	}
	if m.opts.Training {
		m.inv = newScreen(trainingPanes(m.kb, m.styles, m.keys, m.opts.Now, m.checkOpts()), trainingLayout())
	} else {
		m.inv = newScreen(investigationPanes(m.kb, m.styles, m.keys, m.opts.Now, m.checkOpts()), investigationLayout())
	}
	if o.Show != "" {
		m.inv.show(o.Show)
	}
	m.cur = m.inv
	m.relayout()
	var cmd tea.Cmd
	m.work, cmd = m.work.Open(o)
	return tea.Batch(initAll(m.inv.panes), m.publish(), cmd)
}

// jump brings the pane that shows a piece of evidence's packet or line into view, focused, and
// hands it the jump.
func (m *Model) jump(j common.JumpMsg) tea.Cmd {
	if m.inv == nil || m.cur != m.inv {
		return nil
	}
	m.inv.show(j.Pane())
	m.relayout()
	return m.toFocused(j)
}

// runCheck brings the live checks pane into view, in the slot of "Check next" so that the tree
// that asked stays in sight, and hands it the check to run.
func (m *Model) runCheck(c common.RunCheckMsg) tea.Cmd {
	if m.inv == nil || m.cur != m.inv {
		return nil
	}
	if !m.inv.layout.shows("checks") {
		for _, sl := range m.inv.layout.slots() {
			if sl.pane == "next" {
				sl.pane = "checks"
			}
		}
	}
	m.inv.show("checks")
	m.relayout()
	return m.toFocused(c)
}

// claims reports whether the focused pane lists the key among its enabled bindings: a pane that
// uses ← and → (to choose a check) gets them before the replay does.
func (m *Model) claims(msg tea.KeyPressMsg) bool {
	p := m.cur.focused()
	if p == nil {
		return false
	}
	for _, group := range p.FullHelp() {
		for _, b := range group {
			if b.Enabled() && key.Matches(msg, b) {
				return true
			}
		}
	}
	return false
}

func (m *Model) capturing() bool {
	t, ok := m.cur.focused().(common.TextInput)
	return ok && t.Capturing()
}

func (m *Model) toFocused(msg tea.Msg) tea.Cmd {
	p := m.cur.focused()
	if p == nil {
		return nil
	}
	_, cmd := p.Update(msg)
	return cmd
}

func broadcast(panes []common.Pane, msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for _, p := range panes {
		_, cmd := p.Update(msg)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

func initAll(panes []common.Pane) tea.Cmd {
	var cmds []tea.Cmd
	for _, p := range panes {
		cmds = append(cmds, p.Init())
	}
	return tea.Batch(cmds...)
}
