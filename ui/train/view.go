package train

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	training "github.com/hopscope/hopscope/train"
	"github.com/hopscope/hopscope/ui/common"
)

// View draws the training bar over the investigation, or the training's own page (the inputs
// to ask for, the diagnosis form, the debrief).
func (m *Model) View() tea.View {
	// The investigation's view settings (the alternate screen, the mouse) hold for the whole
	// training screen.
	v := m.inner.View()
	v.Content = m.Render()
	v.AltScreen = true
	v.WindowTitle = "hopscope train"
	return v
}

// Render returns the screen as text (the tests read it with ANSI stripped).
func (m *Model) Render() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	bar := m.bar()
	if m.mode == modeWork {
		return bar + "\n" + m.inner.View().Content
	}
	var lines []string
	switch m.mode {
	case modeLoading:
		lines = []string{"Reading what the client saw…"}
	case modeScoring:
		lines = []string{"Scoring your diagnosis…"}
	case modeSymptom:
		lines = append([]string{m.styles.Heading.Render("What the client saw"), ""}, m.sess.Symptom()...)
		lines = append(lines, "", m.styles.Dim.Render("enter: investigate; then I asks for captures and logs, D commits a diagnosis, S shows this again"))
	case modeAsk:
		lines = m.askPage()
	case modeCause:
		lines = m.causePage()
	case modeStep:
		lines = m.stepPage()
	case modeSure:
		lines = []string{
			m.styles.Heading.Render("Your diagnosis"), "",
			"Cause: " + m.given.Cause, "First step: " + m.given.Step, "",
			"Are you sure? y = sure, n = a guess (a wrong answer given as sure is counted apart).",
		}
	case modeDebrief:
		lines = m.debriefPage()
	case modeDone:
		lines = m.donePage()
	}
	body := m.page(lines)
	return bar + "\n" + body
}

// bar is the top line: the incident, the time taken, and the training keys that work now.
func (m *Model) bar() string {
	s := fmt.Sprintf("Training %d/%d", m.idx+1, len(m.opts.Scenarios))
	if m.sess != nil && m.mode < modeScoring {
		s += " · " + clock(m.sess.Elapsed())
	}
	if m.leave != "" {
		return m.styles.Heading.Render(common.Clip(m.leave+" · "+m.keys.Yes.Help().Key+" "+m.keys.Yes.Help().Desc+
			" · "+m.keys.Stay.Help().Key+" "+m.keys.Stay.Help().Desc, m.width))
	}
	var keys []key.Binding
	switch m.mode {
	case modeWork:
		ask := m.keys.Ask
		left := len(m.sess.Offered())
		if m.labOffered() {
			left++
		}
		// Short names, so that the bar fits 80 columns; the help (?) says them in full.
		ask.SetHelp("I", fmt.Sprintf("ask for input (%d left)", left))
		commit, symptom := m.keys.Commit, m.keys.Symptom
		commit.SetHelp("D", "diagnose")
		symptom.SetHelp("S", "symptom")
		keys = []key.Binding{ask, commit, symptom}
	case modeSymptom:
		keys = []key.Binding{m.keys.Start, m.keys.Up, m.keys.Down, m.keys.Quit}
	case modeAsk, modeCause, modeStep:
		keys = []key.Binding{m.keys.Up, m.keys.Down, m.keys.Choose, m.keys.Back}
	case modeSure:
		keys = []key.Binding{m.keys.Sure, m.keys.Guess, m.keys.Back}
	case modeDebrief:
		next := m.keys.Next
		if m.idx+1 >= len(m.opts.Scenarios) {
			next.SetHelp("enter", "summary")
		}
		keys = []key.Binding{m.keys.Up, m.keys.Down, next, m.keys.Quit}
	case modeDone:
		keys = []key.Binding{m.keys.Quit}
	}
	for _, b := range keys {
		h := b.Help()
		s += " · " + h.Key + " " + h.Desc
	}
	if m.err != nil {
		return m.styles.Error.Render(common.Clip(s+" · error: "+m.err.Error(), m.width))
	}
	return m.styles.Header.Render(common.Clip(s, m.width))
}

// page fits lines into the area under the bar, scrolled so that the cursor (or the offset, for
// text pages) is in view.
func (m *Model) page(lines []string) string {
	h := max(m.height-1, 1)
	var out []string
	for _, l := range lines {
		if ansi.StringWidth(l) <= m.width-2 {
			// A line that fits (a list's option, wrapped already) is drawn as it is.
			out = append(out, l)
			continue
		}
		// A line keeps its indent on every line it wraps onto; a list item's continuation
		// lines go under its text.
		body := strings.TrimLeft(l, " ")
		indent := len(l) - len(body)
		if strings.HasPrefix(ansi.Strip(body), "▸ ") {
			indent += 2
		}
		for i, w := range common.Wrap(body, max(m.width-2-indent, 10)) {
			pad := strings.Repeat(" ", indent)
			if i == 0 {
				pad = l[:len(l)-len(body)]
			}
			out = append(out, pad+w)
		}
	}
	if m.mode == modeDebrief || m.mode == modeDone || m.mode == modeSymptom {
		m.offset = min(m.cursor, max(len(out)-h, 0))
		m.cursor = m.offset
	} else {
		m.offset = common.Window(m.offset, m.cursorLine(out), h, len(out))
	}
	end := min(m.offset+h, len(out))
	return common.Box(out[min(m.offset, end):end], m.width, h)
}

// cursorLine finds the line the cursor marks in a list page.
func (m *Model) cursorLine(lines []string) int {
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimLeft(ansi.Strip(l), " "), "▸ ") {
			return i
		}
	}
	return 0
}

// item is one option of a list page: lead is a fixed column (a cause's id, an input's kind)
// and text the rest, wrapped under itself.
type item struct{ lead, text string }

// listIndent is where an option starts, after the cursor mark; hang is how much deeper a wrapped
// option's text goes when it has no lead, so that its continuation lines do not read as options.
const (
	listIndent = 2
	hang       = 2
)

// list draws the options of a list page, each one wrapped to the page with its continuation lines
// under its text, and the option under the cursor marked and highlighted on every line it takes.
func (m *Model) list(items []item) []string {
	var out []string
	for i, it := range items {
		under := listIndent + ansi.StringWidth(it.lead)
		if it.lead == "" {
			under += hang
		}
		first := max(m.width-2-listIndent-ansi.StringWidth(it.lead), 10)
		rest := max(m.width-2-under, 10)
		lines := common.Wrap(it.text, first)
		if len(lines) > 1 {
			// The continuation lines are narrower than the first when they go deeper.
			tail := strings.Join(lines[1:], " ")
			lines = append(lines[:1], common.Wrap(tail, rest)...)
		}
		for j, l := range lines {
			switch {
			case j == 0 && i == m.cursor:
				out = append(out, m.styles.Selected.Render("▸ "+it.lead+l))
			case j == 0:
				out = append(out, "  "+it.lead+l)
			case i == m.cursor:
				out = append(out, strings.Repeat(" ", under)+m.styles.Selected.Render(l))
			default:
				out = append(out, strings.Repeat(" ", under)+l)
			}
		}
	}
	return out
}

func (m *Model) askPage() []string {
	lines := []string{m.styles.Heading.Render("Ask for an input"), "",
		"What an operator could get hold of for this incident. Each one you ask for joins the investigation.", ""}
	var items []item
	for _, o := range m.sess.Offered() {
		name := o.Name
		if len(o.Same) > 0 {
			name += " (the same traffic as " + strings.Join(o.Same, ", ") + ")"
		}
		items = append(items, item{fmt.Sprintf("%-16s ", o.Label), name})
	}
	if m.labOffered() {
		items = append(items, item{fmt.Sprintf("%-16s ", "live servers"), labOffer})
	}
	return append(lines, m.list(items)...)
}

func (m *Model) causePage() []string {
	lines := []string{m.styles.Heading.Render("Commit a diagnosis: the cause"), ""}
	var items []item
	for _, c := range m.kb.Causes {
		items = append(items, item{fmt.Sprintf("%-36s ", c.ID), c.Title})
	}
	return append(lines, m.list(items)...)
}

func (m *Model) stepPage() []string {
	lines := []string{m.styles.Heading.Render("Commit a diagnosis: the first step you would take"), "",
		"Cause: " + m.given.Cause, ""}
	var items []item
	for _, st := range m.steps {
		items = append(items, item{text: st})
	}
	return append(lines, m.list(items)...)
}

// debriefPage explains the incident and the score.
func (m *Model) debriefPage() []string {
	r := m.result
	d := r.Debrief
	st := m.styles
	verdict := st.Failed.Render("✗ Wrong cause")
	if r.Right {
		verdict = st.Passed.Render("✓ Right cause")
	}
	step := "the first step was not the one to take first"
	if r.StepRight {
		step = "the first step was right"
	}
	lines := []string{st.Heading.Render("Debrief"), "",
		fmt.Sprintf("%s: you said %s; %s. Time taken: %s.", verdict, r.Given.Cause, step, clock(r.Elapsed)),
	}
	if r.ConfidentWrong {
		lines = append(lines, st.Failed.Render("You were sure, and wrong: this is counted apart."))
	}
	lines = append(lines, "", st.Heading.Render("What you looked at"))
	lines = append(lines, "  the symptom (what the client saw)")
	for _, o := range r.Opened {
		lines = append(lines, "  "+o)
	}
	asked := fmt.Sprintf("  %d input%s asked for, %d check%s run", len(r.Opened), plural(len(r.Opened)), r.Given.Checks, plural(r.Given.Checks))
	if r.Enough {
		lines = append(lines, fmt.Sprintf("%s; the shortest path needed %d input%s%s.", asked, len(r.Needed), plural(len(r.Needed)), neededList(*r)))
	} else {
		// No recorded input settles it: the inputs that point toward the cause are not a path
		// to the answer, and not asking for them is no miss.
		settle := "; no recorded input settles it, not even all of them together"
		if d.Check != "" {
			settle += ": a live check does, " + d.Check
		}
		lines = append(lines, asked+settle+".")
	}
	if len(r.Ranked) > 0 {
		lines = append(lines, "  Following the suggested next check each time: "+strings.Join(r.Ranked, "; then ")+".")
	}
	switch {
	case len(r.Missed) > 0:
		lines = append(lines, st.Failed.Render("  Missed: "+strings.Join(r.Missed, ", ")+" (it would have told you)"))
	case r.Enough:
		lines = append(lines, "  You missed nothing the answer needed.")
	}
	lines = append(lines, "",
		st.Heading.Render("The true cause"),
		fmt.Sprintf("%s: %s", r.Cause, d.CauseTitle),
		strings.Join(strings.Fields(d.Explanation), " "), "",
		st.Label.Render("What was broken: ")+d.Title, "")
	lines = append(lines, st.Heading.Render("The decision-tree path"))
	if len(d.Path) == 0 {
		lines = append(lines, "  no step of the playbook is answered by the evidence alone")
	}
	for _, p := range d.Path {
		lines = append(lines, "  "+p)
	}
	lines = append(lines, "", st.Heading.Render("The evidence that decided it"))
	for _, e := range d.Deciding {
		lines = append(lines, "  "+e)
	}
	lines = append(lines, "", st.Heading.Render("Resolution")+" (who acts: "+strings.Join(d.Who, ", ")+")")
	for i, s := range d.Resolution {
		lines = append(lines, fmt.Sprintf("  %d. %s", i+1, s))
	}
	return lines
}

// neededList names the inputs of the shortest path.
func neededList(r training.Result) string {
	switch {
	case len(r.Needed) > 0:
		return ": " + strings.Join(r.Needed, ", ")
	case r.Enough:
		return " (the symptom alone was enough)"
	}
	return ""
}

// donePage sums up the run.
func (m *Model) donePage() []string {
	lines := []string{m.styles.Heading.Render("Training done"), ""}
	right := 0
	for i, r := range m.results {
		mark := "✗"
		if r.Right {
			mark, right = "✓", right+1
		}
		lines = append(lines, fmt.Sprintf("%s %d. %s (you said %s) in %s", mark, i+1, r.Cause, r.Given.Cause, clock(r.Elapsed)))
	}
	lines = append(lines, "", fmt.Sprintf("%d of %d right.", right, len(m.results)))
	if m.opts.ProgressFile != "" {
		lines = append(lines, "Progress kept in "+m.opts.ProgressFile+" (hopscope train --progress shows it).")
	}
	if m.err != nil {
		lines = append(lines, "", m.styles.Error.Render(m.err.Error()))
	}
	return lines
}

// clock writes a duration as m:ss.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
