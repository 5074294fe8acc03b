package investigation

import (
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/analyze"
	"github.com/hopscope/hopscope/ui/common"
)

// errNothingToReplay is shown when the inputs, read to the end, held no evidence.
var errNothingToReplay = errors.New("no evidence found to replay in what was read")

// reading is a timeline still being read: the stream of updates and how far it has come.
type reading struct {
	updates     <-chan analyze.Update
	stop        func() // nil when it cannot be stopped
	tl          *analyze.Timeline
	read, total int64
}

// readMsg carries one update of the reading from; ok is false once the stream has closed.
type readMsg struct {
	from <-chan analyze.Update
	u    analyze.Update
	ok   bool
}

// next waits for the next update of the reading.
func (r *reading) next() tea.Cmd {
	ch := r.updates
	return func() tea.Msg {
		u, ok := <-ch
		return readMsg{from: ch, u: u, ok: ok}
	}
}

// openReading starts an investigation whose timeline is still being read: it plays from the
// start while the reading goes on.
func (m Model) openReading(n Model, o common.OpenMsg) (Model, tea.Cmd) {
	n.reading = &reading{updates: o.Reading, stop: o.Stop, tl: &analyze.Timeline{}}
	n.replayable, n.playing = true, true
	var cmds []tea.Cmd
	for _, u := range o.Read {
		cmds = append(cmds, n.take(u))
	}
	n.publish()
	if n.reading != nil {
		cmds = append(cmds, n.reading.next())
	}
	return n, tea.Batch(append(cmds, n.tick())...)
}

// take adds an update of the reading to the timeline. The pieces already in stay in: one found
// earlier than the cursor comes in with them (the cursor moves past it) and the session is built
// again, so that what is shown is always the timeline's first pieces, as they will stay. Once all
// is read the session is built again from the start, and is then what it would have been had the
// inputs been read before the screen opened.
func (m *Model) take(u analyze.Update) tea.Cmd {
	r := m.reading
	rebuild := false
	for _, ev := range u.Evidence {
		if r.tl.Add(ev) < m.cursor {
			m.cursor++
			rebuild = true
		}
	}
	for _, a := range u.Attempts {
		if r.tl.AddAttempt(a) < m.cursor {
			// Its piece is in: the attempt goes in now, and in its place at the next rebuild.
			m.sess.AddAttempt(a)
		}
	}
	r.read, r.total = u.Read, u.Total
	var cmd tea.Cmd
	if u.Done {
		r.tl.Finish()
		m.inputs = u.Inputs
		m.reading = nil
		rebuild = true
		switch {
		case u.Err != nil:
			cmd = common.ErrorCmd(u.Err)
		case len(r.tl.Evidence()) == 0:
			cmd = common.ErrorCmd(errNothingToReplay)
		}
	}
	m.timeline = r.tl.Evidence()
	m.changes = changes(m.kb, m.timeline)
	switch {
	case m.follow:
		if rebuild {
			m.rebuild()
		}
		m.seek(len(m.timeline))
	case rebuild:
		m.rebuild()
	}
	if m.reading == nil {
		m.follow = false
		if m.playing && m.cursor >= len(m.timeline) {
			m.playing = false
		}
	}
	return cmd
}

// Reading says how far the inputs of the timeline have been read ("reading… 45% of 957 MB"),
// "" once they all have.
func (m Model) Reading() string {
	r := m.reading
	if r == nil {
		return ""
	}
	if r.total <= 0 {
		return "reading… " + size(r.read) + " so far"
	}
	pct := min(r.read*100/r.total, 99) // 100% is when the last finding is made, not the last byte
	return fmt.Sprintf("reading… %d%% of %s", pct, size(r.total))
}

// size writes a byte count the way a file listing does: "957 MB".
func size(n int64) string {
	switch {
	case n >= 10<<30:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d kB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
