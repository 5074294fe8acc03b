// Package investigation owns the investigation behind the panes: the diagnose session, the
// timeline of evidence read from files with its replay cursor, the evidence added live (operator
// answers, checks) and the ledger notes. Every change is published to the panes as one
// common.SessionMsg; the panes never touch the session themselves.
package investigation

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/diagnose/probe"
	"github.com/hopscope/hopscope/knowledge"
	"github.com/hopscope/hopscope/ui/common"
)

// Interval is the pause between two pieces of evidence while replaying: slow enough to watch the
// causes move, fast enough that a few hundred pieces replay in about a minute.
const Interval = 250 * time.Millisecond

// Model is the investigation. The zero value is not usable; call New.
type Model struct {
	kb     *knowledge.Base
	keys   common.KeyMap
	styles common.Styles

	title    string
	playbook string
	inputs   []diagnose.Input
	files    fs.FS
	timeline []diagnose.Evidence // from the inputs, in time order
	cursor   int                 // how much of the timeline is in the session
	changes  []int               // cursor positions right after a piece that changed the ranking
	// replayable is set when the timeline can be moved through in time: a replay was asked for,
	// or the evidence came from captures or logs. A pasted error has no replay: its pieces share
	// no clock, and stepping back would only take them out again.
	replayable bool
	playing    bool
	gen        int // tells the current tick chain from stale ones after pause and play
	// reading is the reading of the inputs while it goes on (nil once done, or when the
	// timeline came whole); follow keeps the cursor at the end of what is read so far (> was
	// pressed while reading).
	reading *reading
	follow  bool

	live   []diagnose.Evidence // added while investigating; kept when the cursor moves back
	notes  []common.Entry
	sess   *diagnose.Session
	ledger []common.Entry
	rev    int
	// pending is the change not yet handed to the panes (see Published).
	pending *common.SessionMsg
	// hop is the failing hop the operator picked, "" for the worst.
	hop string
}

// tickMsg advances a replay by one piece of evidence.
type tickMsg struct{ gen int }

// New returns an empty investigation.
func New(kb *knowledge.Base, st common.Styles, km common.KeyMap) Model {
	return Model{kb: kb, styles: st, keys: km, sess: diagnose.NewSession(kb)}
}

// Open starts the investigation described by o and returns the command that publishes it (and,
// for a replay, starts playing).
func (m Model) Open(o common.OpenMsg) (Model, tea.Cmd) {
	if m.reading != nil && m.reading.stop != nil {
		m.reading.stop()
	}
	n := New(m.kb, m.styles, m.keys)
	n.title, n.playbook, n.inputs, n.files = o.Title, o.Playbook, o.Inputs, o.Files
	n.timeline = o.Evidence
	n.changes = changes(m.kb, o.Evidence)
	n.rev = m.rev
	n.replayable = o.Replay || timed(o.Evidence)
	if o.Keep {
		n.live, n.notes, n.hop = m.live, m.notes, m.hop
	}
	if o.Reading != nil {
		return m.openReading(n, o)
	}
	if !o.Replay {
		n.seek(len(n.timeline))
		for _, ev := range n.live {
			n.add(ev)
		}
		n.ledger = append(n.ledger, n.notes...)
		n.sess.SelectHop(n.hop)
		n.publish()
		return n, nil
	}
	n.playing = len(n.timeline) > 0
	n.publish()
	return n, n.tick()
}

// Title names what is investigated.
func (m Model) Title() string { return m.title }

// Unsaved counts what the investigation holds that no file does: evidence added live (the
// operator's answers, live checks' results) and ledger notes.
func (m Model) Unsaved() int { return len(m.live) + len(m.notes) }

// Playbook is the playbook the operator picked (a symptom), "" when the evidence leads.
func (m Model) Playbook() string { return m.playbook }

// Files is where the inputs are read from (nil: the disk).
func (m Model) Files() fs.FS { return m.files }

// Inputs describes what was read.
func (m Model) Inputs() []diagnose.Input { return m.inputs }

// Session returns the session; callers must not modify it.
func (m Model) Session() *diagnose.Session { return m.sess }

// Replaying reports whether there is a timeline to move through in time.
func (m Model) Replaying() bool { return m.replayable && (len(m.timeline) > 0 || m.reading != nil) }

// timed reports whether evidence came from a source that records when things happened on the
// wire or on the server (a capture, a log), so that its order is worth replaying.
func timed(evs []diagnose.Evidence) bool {
	for _, ev := range evs {
		if (ev.Kind == diagnose.FromPacket || ev.Kind == diagnose.FromLog) && !ev.At.IsZero() {
			return true
		}
	}
	return false
}

// Update takes evidence, notes, replay keys and ticks.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case common.AddEvidenceMsg:
		for _, ev := range msg.Evidence {
			m.live = append(m.live, ev)
			m.add(ev)
		}
		m.publish()
		return m, nil
	case common.SelectHopMsg:
		if m.sess.SelectHop(msg.Hop) {
			m.hop = msg.Hop
			m.publish()
		}
		return m, nil
	case common.ChecksTargetMsg:
		if strings.HasPrefix(m.title, common.ChecksTitle) {
			m.title = common.ChecksTitle + msg.Target
		}
		return m, nil
	case common.NoteMsg:
		m.notes = append(m.notes, msg.Entry)
		m.ledger = append(m.ledger, msg.Entry)
		m.publish()
		return m, nil
	case readMsg:
		if m.reading == nil || msg.from != m.reading.updates || !msg.ok {
			// The reading of an investigation opened before this one is left behind.
			return m, nil
		}
		cmd := m.take(msg.u)
		m.publish()
		if m.reading != nil {
			cmd = tea.Batch(cmd, m.reading.next())
		}
		return m, cmd
	case tickMsg:
		if msg.gen != m.gen || !m.playing {
			return m, nil
		}
		if m.cursor < len(m.timeline) {
			m.seek(m.cursor + 1)
			m.publish()
		}
		if m.cursor >= len(m.timeline) && m.reading == nil {
			m.playing = false
			return m, nil
		}
		// At the end of what is read so far, the replay waits for more.
		return m, m.tick()
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m Model) key(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	if !m.Replaying() {
		return m, nil
	}
	m.follow = false
	switch {
	case key.Matches(msg, m.keys.PlayPause):
		m.playing = !m.playing
		m.gen++
		if !m.playing {
			return m, nil
		}
		if m.cursor >= len(m.timeline) && m.reading == nil {
			m.seek(0)
			m.publish()
		}
		return m, m.tick()
	case key.Matches(msg, m.keys.StepOn):
		m.pause()
		m.seek(m.cursor + 1)
	case key.Matches(msg, m.keys.StepBack):
		m.pause()
		m.seek(m.cursor - 1)
	case key.Matches(msg, m.keys.JumpStart):
		m.pause()
		m.seek(0)
	case key.Matches(msg, m.keys.JumpEnd):
		// While the inputs are read, the end is that of what is read so far, and the cursor
		// stays there as the timeline grows, until the last piece is in.
		m.pause()
		m.follow = m.reading != nil
		m.seek(len(m.timeline))
	case key.Matches(msg, m.keys.JumpNext):
		m.pause()
		// The first change past the cursor, or the end when none is left.
		if i, _ := slices.BinarySearch(m.changes, m.cursor+1); i < len(m.changes) {
			m.seek(m.changes[i])
		} else {
			m.seek(len(m.timeline))
		}
	case key.Matches(msg, m.keys.JumpPrev):
		m.pause()
		// The last change before the cursor, or the start.
		if i, _ := slices.BinarySearch(m.changes, m.cursor); i > 0 {
			m.seek(m.changes[i-1])
		} else {
			m.seek(0)
		}
	default:
		return m, nil
	}
	m.publish()
	return m, nil
}

// Handles reports whether a key press is one of the replay's.
func (m Model) Handles(msg tea.KeyPressMsg) bool {
	return m.Replaying() && key.Matches(msg, m.keys.PlayPause, m.keys.StepOn, m.keys.StepBack,
		m.keys.JumpStart, m.keys.JumpEnd, m.keys.JumpNext, m.keys.JumpPrev)
}

func (m *Model) pause() {
	m.playing = false
	m.gen++
}

func (m Model) tick() tea.Cmd {
	gen := m.gen
	return tea.Tick(Interval, func(time.Time) tea.Msg { return tickMsg{gen: gen} })
}

// rebuild builds the session again from the start up to the cursor (the timeline changed under
// it).
func (m *Model) rebuild() {
	i := m.cursor
	m.cursor = len(m.timeline) + 1
	m.seek(i)
}

// seek moves the cursor to i. Moving forward adds the evidence in between; moving back rebuilds the
// session from the start (a session cannot forget), then adds the live evidence and notes again.
func (m *Model) seek(i int) {
	i = min(max(i, 0), len(m.timeline))
	if i < m.cursor {
		m.sess = diagnose.NewSession(m.kb)
		m.ledger = nil
		m.cursor = 0
		for m.cursor < i {
			m.addPiece(m.cursor)
			m.cursor++
		}
		for _, ev := range m.live {
			m.add(ev)
		}
		m.ledger = append(m.ledger, m.notes...)
		m.sess.SelectHop(m.hop) // the hop picked, if it has failed by this point
		return
	}
	for m.cursor < i {
		m.addPiece(m.cursor)
		m.cursor++
	}
}

// addPiece adds piece i of the timeline, with the attempts that go with it.
func (m *Model) addPiece(i int) {
	if m.reading != nil {
		// Until all is read the attempts are kept apart (see analyze.Timeline).
		m.reading.tl.Attempts(i, m.sess.AddAttempt)
	}
	m.add(m.timeline[i])
}

func (m *Model) add(ev diagnose.Evidence) {
	if !m.sess.Add(ev) {
		return // it only carried attempts (a log's request lines): no ledger row
	}
	// The session redacted the detail as it recorded it; the ledger shows that copy rather than
	// running the redaction a second time on every step of a replay.
	led := m.sess.Ledger()
	m.ledger = append(m.ledger, common.Entry{
		At: ev.At, Source: ev.Source, Kind: ev.Kind, Signal: ev.Signal,
		Detail: led[len(led)-1].Detail, Status: checkStatus(ev),
	})
}

// publish assesses now and keeps the result for Published: the root hands it to the panes in the
// same update, so no frame shows the replay cursor moved and the panes not yet.
func (m *Model) publish() {
	m.rev++
	m.pending = &common.SessionMsg{Session: m.sess, Assessment: m.sess.Assess(), Ledger: m.ledger, Playbook: m.playbook, Files: m.files, Rev: m.rev}
}

// Published returns the change made by the last Update or Open, once, for the panes.
func (m *Model) Published() (common.SessionMsg, bool) {
	p := m.pending
	m.pending = nil
	if p == nil {
		return common.SessionMsg{}, false
	}
	return *p, true
}

// View renders the replay bar: the cursor's position and capture time, and whether it plays.
func (m Model) View() string {
	if !m.Replaying() {
		return ""
	}
	state := "❚❚ paused"
	if m.playing {
		state = "▶ playing"
	} else if m.cursor >= len(m.timeline) && m.reading == nil {
		state = "■ end"
	}
	at := ""
	if m.cursor > 0 {
		if t := m.timeline[m.cursor-1].At; !t.IsZero() {
			at = " " + t.UTC().Format("15:04:05.000")
		}
	}
	more := ""
	if m.reading != nil {
		// The total grows while the inputs are read.
		more = "…"
		if m.follow {
			state = "⏭ following the end"
		}
	}
	return fmt.Sprintf("%s %d/%d%s%s", state, m.cursor, len(m.timeline), more, at)
}

// changes lists the cursor positions right after each piece of evidence that changes the ranking:
// the first sight of a signal the knowledge base knows (repeats change nothing).
func changes(kb *knowledge.Base, timeline []diagnose.Evidence) []int {
	var out []int
	seen := map[string]bool{}
	for i, ev := range timeline {
		if _, known := kb.Signal(ev.Signal); known && !seen[ev.Signal] {
			seen[ev.Signal] = true
			out = append(out, i+1)
		}
	}
	return out
}

// checkStatus says whether a live check's outcome is a pass (what a healthy hop gives) or a
// failure; evidence from other sources has no status.
func checkStatus(ev diagnose.Evidence) string {
	if ev.Kind != diagnose.FromCheck {
		return ""
	}
	if probe.Healthy(ev.Signal) {
		return "passed"
	}
	return "failed"
}
