package common

import (
	"io/fs"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hopscope/hopscope/analyze"
	"github.com/hopscope/hopscope/diagnose"
)

// ErrorMsg carries an error for the operator. The root draws the latest one in the status line,
// the one place errors are shown, until the next key press.
type ErrorMsg struct{ Err error }

// ErrorCmd returns a command that reports err as an ErrorMsg.
func ErrorCmd(err error) tea.Cmd { return func() tea.Msg { return ErrorMsg{Err: err} } }

// PromptMsg asks the operator for something (what to type next). The root draws it in the status
// line as a prompt, not an error, until the next key press.
type PromptMsg struct{ Text string }

// PromptCmd returns a command that shows text as a PromptMsg.
func PromptCmd(text string) tea.Cmd { return func() tea.Msg { return PromptMsg{Text: text} } }

// Entry is one line of the evidence ledger: a piece of evidence, or a note that holds no signal
// (a check that was skipped and why, a step the operator could not answer).
type Entry struct {
	At     time.Time
	Source string
	Kind   diagnose.SourceKind
	// Signal is the knowledge signal id; empty for a note.
	Signal string
	Detail string
	// Status is "passed", "failed" or "skipped" for checks, empty otherwise.
	Status string
}

// SessionMsg tells every pane that the investigation changed. Panes read the session and the
// assessment; they must not modify either. Rev grows with every change, so a pane can tell
// whether it has already drawn this state.
type SessionMsg struct {
	Session    *diagnose.Session
	Assessment *diagnose.Assessment
	// Ledger holds the evidence and notes in the order they entered the investigation.
	Ledger []Entry
	// Playbook is the playbook the operator chose (a symptom), or "" to follow the evidence.
	Playbook string
	// Files is where the files named by the ledger's sources ("any.pcapng#12", "error.log:3")
	// are read from: the incident's embedded folder, Disk for files named on the command line, nil
	// when the investigation has none to read.
	Files fs.FS
	Rev   int
}

// AddEvidenceMsg asks the investigation to take new evidence (an operator's answer, a live
// check's outcome, a reader's findings). Sources aggregate before sending.
type AddEvidenceMsg struct{ Evidence []diagnose.Evidence }

// SelectHopMsg asks the investigation to rank the causes of one failing hop (its name, as
// diagnose.HopKey.String gives it); "" goes back to the worst hop.
type SelectHopMsg struct{ Hop string }

// NoteMsg asks the investigation to record a ledger note that carries no signal.
type NoteMsg struct{ Entry Entry }

// ChecksTitle starts the title of an investigation the live checks opened; the target follows.
const ChecksTitle = "live checks of "

// ChecksTargetMsg says the live checks were run again, on Target: an investigation they opened
// takes the target as its title.
type ChecksTargetMsg struct{ Target string }

// OpenMsg asks the root to open an investigation.
type OpenMsg struct {
	// Title names what is investigated ("pasted error", an incident's title, the replayed files).
	Title string
	// Playbook pins the decision tree shown (the symptom the operator picked); "" follows the
	// evidence.
	Playbook string
	// Evidence is the timeline, sorted by time; Inputs describes what was read.
	Evidence []diagnose.Evidence
	Inputs   []diagnose.Input
	// Show names a pane to bring into view and focus once the investigation opens (the live
	// checks pane whose run opened it, so its spinners stay in sight); "" keeps the layout.
	Show string
	// Files is where the files the evidence names are read from (see SessionMsg.Files).
	Files fs.FS
	// Replay starts with none of the evidence in and the time cursor at the start, playing;
	// otherwise all of it is in and the cursor is at the end.
	Replay bool
	// Keep reopens the investigation open now with more evidence (a trainee's new input): its
	// answers, live checks' results and notes, and its panes, stay.
	Keep bool
	// Reading, when set, brings the timeline while the investigation is open: the inputs are
	// still being read (see analyze.Stream), and Evidence and Inputs hold nothing yet. Read holds
	// the updates already taken from it, taken in first.
	Reading <-chan analyze.Update
	Read    []analyze.Update
	// Stop, when set, stops the reading; it is called when another investigation takes this
	// one's place before the reading is over, so that nothing goes on reading a large file for
	// a screen no longer shown.
	Stop func()
}

// JumpMsg asks the root to show the packet or the log line a piece of evidence points at: the
// packets pane (Packet set) or the logs pane (Line set) comes into view, focused, with that
// packet or line selected.
type JumpMsg struct {
	// Path is the capture or log the evidence was read from, as its source names it.
	Path string
	// Packet is the packet number (from 1, as Wireshark numbers them); Line the line number.
	Packet int64
	Line   int
}

// Pane returns the ID of the pane that shows what the jump points at.
func (j JumpMsg) Pane() string {
	if j.Packet > 0 {
		return "packets"
	}
	return "logs"
}

// Locate returns the jump to what an entry points at: a packet for evidence from a capture
// ("path#N"), a line for evidence from a log ("path:N"); ok is false for anything else.
func Locate(e Entry) (j JumpMsg, ok bool) {
	sep := byte(0)
	switch e.Kind {
	case diagnose.FromPacket:
		sep = '#'
	case diagnose.FromLog:
		sep = ':'
	default:
		return JumpMsg{}, false
	}
	i := strings.LastIndexByte(e.Source, sep)
	if i <= 0 {
		return JumpMsg{}, false
	}
	n, err := strconv.ParseInt(e.Source[i+1:], 10, 64)
	if err != nil || n < 1 {
		return JumpMsg{}, false
	}
	if sep == '#' {
		return JumpMsg{Path: e.Source[:i], Packet: n}, true
	}
	return JumpMsg{Path: e.Source[:i], Line: int(n)}, true
}

// RunCheckMsg asks for one check of the knowledge base to run (the check that answers the
// decision tree's current step): the root brings the live checks pane into view, which runs it
// for the target in its form, or asks for the target first.
type RunCheckMsg struct{ Check string }

// CheckTargetMsg asks the live checks pane to fill its form with a hop to check, as the failing
// client reaches it (training against the lab's real servers). Empty fields are left as they are.
type CheckTargetMsg struct {
	Target, Proxy, ConnectHost, TLSMax string
}
