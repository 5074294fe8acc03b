// Package checks is the live checks pane: a form describing the target the way the gateway sees
// it (URL, forward proxy, credentials, the CONNECT's Host header, TLS versions), the checks with
// a spinner while they run and their outcome when done, the timing waterfall drawn as phases
// end, and the check the investigation suggests next, runnable with one key. Outcomes enter the
// investigation as evidence as each check ends.
package checks

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/diagnose/probe"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/common"
)

// Rows of the pane under the cursor: the form's fields, then the run lines, then the suggestion.
const (
	rowRun     = fieldCount
	rowOne     = fieldCount + 1
	rowSuggest = fieldCount + 2
	rowCount   = fieldCount + 3
)

// single lists the checks "run one" offers, in the order a request goes through them.
var single = []string{probe.CheckDNS, probe.CheckTCP, probe.CheckConnect, probe.CheckTLS,
	probe.CheckHTTP, probe.CheckBody, probe.CheckKeepalive}

// Model is the checks pane.
type Model struct {
	kb     *knowledge.Base
	styles common.Styles
	keys   common.KeyMap

	form    []field
	cursor  int
	editing bool
	// pending is the check asked for (RunCheckMsg) while the form lacked a target: it runs when
	// the target is entered.
	pending string
	one     int // the check "run one" runs, an index into single
	spin    spinner.Model
	// prevCheck and nextCheck choose that check: the step keys, with help that says so.
	prevCheck, nextCheck key.Binding

	run  *run
	runs int
	// history holds every run the pane started or took over, oldest first, for the report.
	history []*run
	assess  *diagnose.Assessment
	opened  bool // an investigation is open: evidence can go straight in
	suggest *knowledge.Check

	width, height int
	focused       bool

	// guard limits where the checks may connect; nil allows anywhere.
	guard probe.Guard
	// ctx ends the checks the pane runs when it is done.
	ctx context.Context
}

// Option configures the pane.
type Option func(*Model)

// WithGuard makes every check the pane runs ask g before each connection it opens (serve: the
// server's allowed targets). A refusal is shown on the check's line.
func WithGuard(g probe.Guard) Option { return func(m *Model) { m.guard = g } }

// WithContext ends every check the pane runs when ctx is done (serve: when the session ends),
// and the run's events are then no longer waited for.
func WithContext(ctx context.Context) Option { return func(m *Model) { m.ctx = ctx } }

// New returns the pane with an empty form.
func New(kb *knowledge.Base, st common.Styles, km common.KeyMap, opts ...Option) *Model {
	m := newModel(kb, st, km)
	for _, o := range opts {
		o(m)
	}
	return m
}

func newModel(kb *knowledge.Base, st common.Styles, km common.KeyMap) *Model {
	return &Model{kb: kb, styles: st, keys: km, form: newForm(), ctx: context.Background(),
		spin:      spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(st.Current)),
		prevCheck: key.NewBinding(key.WithKeys(km.StepBack.Keys()...), key.WithHelp(km.StepBack.Help().Key, "previous check")),
		nextCheck: key.NewBinding(key.WithKeys(km.StepOn.Keys()...), key.WithHelp(km.StepOn.Help().Key, "next check")),
	}
}

// ID implements common.Pane.
func (m *Model) ID() string { return "checks" }

// Title implements common.Pane.
func (m *Model) Title() string {
	if m.run != nil {
		if _, _, done := m.run.snapshot(); !done {
			return "Live checks · running"
		}
	}
	return "Live checks"
}

// Init implements common.Pane.
func (m *Model) Init() tea.Cmd { return nil }

// SetSize implements common.Pane.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	for i := range m.form {
		m.form[i].input.SetWidth(max(w-labelWidth-2, 1))
	}
}

// SetFocused implements common.Pane.
func (m *Model) SetFocused(f bool) {
	m.focused = f
	if !f {
		m.stopEditing()
	}
}

// Capturing implements common.TextInput: while a field is edited, typed keys are text.
func (m *Model) Capturing() bool { return m.editing }

// Update implements common.Pane.
func (m *Model) Update(msg tea.Msg) (common.Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case common.SessionMsg:
		m.opened = true
		m.assess = msg.Assessment
		m.suggest = suggestion(msg.Assessment)
		return m, nil
	case progressMsg:
		return m, m.adopt(msg.run, msg.evidence)
	case doneMsg:
		m.adopt(msg.run, nil)
		return m, skippedNotes(msg.run, time.Now())
	case spinner.TickMsg:
		if m.run == nil || msg.ID != m.spin.ID() {
			return m, nil
		}
		if _, _, done := m.run.snapshot(); done {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case common.RunCheckMsg:
		return m, m.runNamed(msg.Check)
	case common.CheckTargetMsg:
		for i, v := range map[int]string{fieldTarget: msg.Target, fieldProxy: msg.Proxy, fieldConnectHost: msg.ConnectHost, fieldTLSMax: msg.TLSMax} {
			if v != "" {
				m.form[i].input.SetValue(v)
			}
		}
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case tea.PasteMsg:
		if m.editing {
			var cmd tea.Cmd
			m.form[m.cursor].input, cmd = m.form[m.cursor].input.Update(msg)
			return m, cmd
		}
	}
	return m, nil
}

// adopt takes a run's event: the pane shows that run from now on (it may have been started by
// the pane this one replaced), hands its evidence to the investigation and waits for the next.
func (m *Model) adopt(r *run, evidence []diagnose.Evidence) tea.Cmd {
	cmds := []tea.Cmd{r.wait()}
	if m.run != r {
		m.run = r
		m.remember(r)
		m.fill(r)
		// A pane taking a run over spins its own spinner.
		cmds = append(cmds, m.spin.Tick)
	}
	if len(evidence) > 0 {
		cmds = append(cmds, func() tea.Msg { return common.AddEvidenceMsg{Evidence: evidence} })
	}
	return tea.Batch(cmds...)
}

// remember adds a run to the history, once.
func (m *Model) remember(r *run) {
	for _, h := range m.history {
		if h == r {
			return
		}
	}
	m.history = append(m.history, r)
}

// fill shows a run's form in a form that is empty (a pane that took over a run).
func (m *Model) fill(r *run) {
	for _, f := range m.form {
		if f.input.Value() != "" {
			return
		}
	}
	for i, v := range r.values {
		m.form[i].input.SetValue(v)
	}
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	if m.editing {
		if key.Matches(msg, m.keys.Select) || msg.String() == "esc" {
			m.stopEditing()
			// A check asked for from the decision tree waited for the target; esc gives it up.
			pending := m.pending
			m.pending = ""
			if pending != "" && key.Matches(msg, m.keys.Select) {
				if _, err := options(m.form); err == nil {
					return m.start(pending)
				}
			}
			return nil
		}
		var cmd tea.Cmd
		m.form[m.cursor].input, cmd = m.form[m.cursor].input.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, m.keys.Up):
		m.cursor = max(m.cursor-1, 0)
	case key.Matches(msg, m.keys.Down):
		m.cursor = min(m.cursor+1, rowCount-1)
	case key.Matches(msg, m.keys.Top):
		m.cursor = 0
	case key.Matches(msg, m.keys.Bottom):
		m.cursor = rowCount - 1
	case key.Matches(msg, m.keys.RunChecks):
		return m.start("")
	case key.Matches(msg, m.keys.RunNext):
		return m.runSuggested()
	case m.cursor == rowOne && key.Matches(msg, m.prevCheck):
		m.one = (m.one + len(single) - 1) % len(single)
	case m.cursor == rowOne && key.Matches(msg, m.nextCheck):
		m.one = (m.one + 1) % len(single)
	case key.Matches(msg, m.keys.Select):
		switch {
		case m.cursor < fieldCount:
			m.editing = true
			return m.form[m.cursor].input.Focus()
		case m.cursor == rowRun:
			return m.start("")
		case m.cursor == rowOne:
			return m.start(single[m.one])
		case m.cursor == rowSuggest:
			return m.runSuggested()
		}
	}
	return nil
}

func (m *Model) stopEditing() {
	m.editing = false
	for i := range m.form {
		m.form[i].input.Blur()
	}
}

// runSuggested runs the check the investigation suggests first ("Check next" #1), when it is
// one this pane runs; otherwise it says how to run it.
func (m *Model) runSuggested() tea.Cmd {
	if m.suggest == nil {
		return common.ErrorCmd(errNoSuggestion)
	}
	if !live(m.suggest) {
		return common.ErrorCmd(fmt.Errorf("checks: the suggested check is not a live one (%s): %s", m.suggest.Title, m.suggest.How))
	}
	return m.start(m.suggest.ID)
}

// runNamed runs one check of the knowledge base (the one answering the decision tree's step).
// A check this pane cannot run is explained; without a target the target field opens for
// typing, and enter then runs the check.
func (m *Model) runNamed(id string) tea.Cmd {
	c, ok := m.kb.Check(id)
	if !ok {
		return common.ErrorCmd(fmt.Errorf("checks: no check %q", id))
	}
	if !live(c) {
		return common.ErrorCmd(fmt.Errorf("checks: %s is not a live check: %s", c.Title, c.How))
	}
	if _, err := options(m.form); err != nil {
		m.pending = id
		m.cursor, m.editing = fieldTarget, true
		return tea.Batch(m.form[fieldTarget].input.Focus(),
			common.PromptCmd("Type the target; enter runs the "+c.ID+" check"))
	}
	return m.start(id)
}

// live reports whether this pane can run a check.
func live(c *knowledge.Check) bool { return c.Kind == "probe" }

// start runs the checks (up to until, or all when empty) for what the form says.
func (m *Model) start(until string) tea.Cmd {
	if m.run != nil {
		if _, _, done := m.run.snapshot(); !done {
			return common.ErrorCmd(errRunning)
		}
	}
	o, err := options(m.form)
	if err != nil {
		return common.ErrorCmd(err)
	}
	if until == checkHostHeader {
		// The CONNECT check compares the two Host headers when none is imposed.
		if o.Proxy == nil {
			return common.ErrorCmd(errHostHeaderNeedsProxy)
		}
		until, o.ConnectHost = probe.CheckConnect, ""
	}
	// Through a proxy the gateway neither resolves nor connects to the backend itself: the
	// CONNECT is that step; directly there is no CONNECT.
	switch {
	case o.Proxy != nil && (until == probe.CheckDNS || until == probe.CheckTCP):
		until = probe.CheckConnect
	case o.Proxy == nil && until == probe.CheckConnect:
		until = probe.CheckTCP
	}
	o.Until = until
	o.Guard = m.guard
	switch until {
	case probe.CheckBody:
		o.BodySize = suggestedBodySize
	case probe.CheckKeepalive:
		o.KeepaliveIdle = suggestedIdle
	}
	m.runs++
	values := make([]string, len(m.form))
	for i, f := range m.form {
		values[i] = f.input.Value()
	}
	m.run = startRun(m.ctx, m.kb, m.runs, o, order(o), values)
	m.remember(m.run)
	target := diagnose.Redact(o.Target.Redacted())
	cmds := []tea.Cmd{m.run.wait(), m.spin.Tick}
	if hop := hopEvidence(m.kb, o); len(hop) > 0 {
		cmds = append(cmds, func() tea.Msg { return common.AddEvidenceMsg{Evidence: hop} })
	}
	if !m.opened {
		// From the home screen: open an investigation first, which the evidence then enters.
		open := func() tea.Msg {
			return common.OpenMsg{Title: common.ChecksTitle + target, Show: m.ID()}
		}
		return tea.Sequence(open, tea.Batch(cmds...))
	}
	cmds = append(cmds, func() tea.Msg { return common.ChecksTargetMsg{Target: target} })
	return tea.Batch(cmds...)
}

// hopEvidence is the operator's statement that the checks stand for the gateway's hop, as
// `hopscope check` records it.
func hopEvidence(kb *knowledge.Base, o *probe.Options) []diagnose.Evidence {
	r := &probe.Result{Hop: o.Hop, Started: time.Now()}
	if o.Proxy != nil {
		r.Proxy = diagnose.Redact(o.Proxy.Redacted())
	}
	return probe.Evidence(kb, r)
}

// checkHostHeader is the knowledge base's check that sends the CONNECT with either name in Host.
const checkHostHeader = "connect-host-header"

// suggestion returns the best next check, the one the next-check pane lists first, whether or not
// this pane can run it: the two panes must never name different checks.
func suggestion(a *diagnose.Assessment) *knowledge.Check {
	if a == nil || len(a.Next) == 0 {
		return nil
	}
	return a.Next[0].Check
}

// ShortHelp implements help.KeyMap.
func (m *Model) ShortHelp() []key.Binding {
	sel := m.keys.Select
	if m.editing {
		// Esc leaves the field as enter does, keeping what was typed (it never throws text away).
		sel.SetHelp("enter/esc", "done, keep the text")
		return []key.Binding{sel}
	}
	switch {
	case m.cursor < fieldCount:
		sel.SetHelp("enter", "edit")
	case m.cursor == rowSuggest:
		sel.SetHelp("enter", "run it")
	default:
		sel.SetHelp("enter", "run")
	}
	if m.cursor == rowOne {
		return []key.Binding{m.keys.Up, m.keys.Down, m.prevCheck, m.nextCheck, sel}
	}
	return []key.Binding{m.keys.Up, m.keys.Down, sel, m.keys.RunChecks, m.keys.RunNext}
}

// FullHelp implements help.KeyMap.
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{m.ShortHelp(), {m.keys.Top, m.keys.Bottom}}
}
