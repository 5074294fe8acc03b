// Package knowledge holds hopscope's playbooks as data: the causes of each failure, the signals
// that tell them apart, the decision trees an operator walks, the checks that produce signals and
// the text patterns that recognise a pasted error. Everything is loaded from embedded YAML files and
// validated once at start.
package knowledge

import "regexp"

// UnknownCause is the id of the cause that stands for "none of the known causes".
const UnknownCause = "unknown"

// Base is the loaded, validated knowledge. It is read-only after Load returns.
type Base struct {
	// Playbooks in a stable order (file name order).
	Playbooks []*Playbook
	// Causes in a stable order: by playbook, then as written, with UnknownCause last.
	Causes []*Cause
	// Signals sorted by id.
	Signals []*Signal
	// Checks as written.
	Checks []*Check
	// Recognizers as written: text patterns that turn pasted text into signals.
	Recognizers []*Recognizer

	causeIndex  map[string]int
	signalIndex map[string]int
	checkIndex  map[string]int
}

// Pos is where something was written, for error messages.
type Pos struct {
	File string `yaml:"-" json:"-"`
	Line int    `yaml:"-" json:"-"`
}

// Playbook is one failure family: its symptoms, causes, decision tree and must-gather list.
type Playbook struct {
	Pos        `yaml:"-"`
	ID         string       `yaml:"id" json:"id"`
	Title      string       `yaml:"title" json:"title"`
	Summary    string       `yaml:"summary" json:"summary"`
	Symptoms   []string     `yaml:"symptoms" json:"symptoms"`
	Causes     []*Cause     `yaml:"causes" json:"causes"`
	Tree       Tree         `yaml:"tree" json:"tree"`
	MustGather []GatherItem `yaml:"must_gather" json:"must_gather"`
}

// Cause is one suspected cause with the knowledge an operator needs to act on it.
type Cause struct {
	Pos         `yaml:"-"`
	ID          string   `yaml:"id" json:"id"`
	Title       string   `yaml:"title" json:"title"`
	Explanation string   `yaml:"explanation" json:"explanation"`
	Resolution  []string `yaml:"resolution" json:"resolution"`
	Who         []string `yaml:"who" json:"who"`
	// Prior is the relative weight of the cause before any evidence (1 when omitted).
	Prior float64 `yaml:"prior" json:"prior"`
	// Playbook is the id of the playbook the cause belongs to ("" for UnknownCause).
	Playbook string `yaml:"-" json:"playbook"`
}

// Tree is a playbook's decision tree: steps that branch on signals.
type Tree struct {
	Start string  `yaml:"start" json:"start"`
	Steps []*Step `yaml:"steps" json:"steps"`
}

// Step is one question or check in a decision tree.
type Step struct {
	Pos `yaml:"-"`
	ID  string `yaml:"id" json:"id"`
	// Ask is the question the step answers, as the operator would ask it.
	Ask string `yaml:"ask" json:"ask"`
	// Help says how to find the answer by hand (a command, a place to look).
	Help string `yaml:"help" json:"help,omitempty"`
	// Operator is true when the operator may answer the step; otherwise only signals answer it.
	Operator bool `yaml:"operator" json:"operator"`
	// Check names the check (in checks.yaml) that answers the step automatically, if any.
	Check    string    `yaml:"check" json:"check,omitempty"`
	Branches []*Branch `yaml:"branches" json:"branches"`
}

// Branch is one answer of a step: taken when any of its signals has been observed.
type Branch struct {
	Pos   `yaml:"-"`
	Label string   `yaml:"label" json:"label"`
	When  []string `yaml:"when" json:"when"`
	// Next is the step that follows; Conclude names the cause the branch points at. One of them.
	Next     string `yaml:"next" json:"next,omitempty"`
	Conclude string `yaml:"conclude" json:"conclude,omitempty"`
}

// Signal is a named, discrete observation and how likely it is under each cause.
type Signal struct {
	Pos   `yaml:"-"`
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
	// Likely maps cause ids to the probability of seeing this signal under that cause.
	Likely map[string]Level `yaml:"likely" json:"likely"`
	// Default is the probability under every known cause not named in Likely.
	Default Level `yaml:"default" json:"default"`
	// Unknown is the probability under UnknownCause; derived when omitted (see Level docs).
	Unknown Level `yaml:"unknown" json:"unknown"`
}

// Check is a way to produce signals: a live probe, a capture or log to read, or a question.
type Check struct {
	Pos   `yaml:"-"`
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
	// Kind is probe, capture, logs or operator.
	Kind string `yaml:"kind" json:"kind"`
	// How tells the operator how to run it (a hopscope command or a manual step).
	How string `yaml:"how" json:"how"`
	// Outcomes are the signals the check may produce; exactly one is expected per run.
	Outcomes []string `yaml:"outcomes" json:"outcomes"`
	// Unless lists signals that make the check pointless (a TLS handshake after the TCP connect
	// was refused): once any of them is seen, the check is not suggested.
	Unless []string `yaml:"unless" json:"unless,omitempty"`
}

// Recognizer turns text that matches a pattern into signals.
type Recognizer struct {
	Pos `yaml:"-"`
	// Contains is a literal substring (case-sensitive); Regex a RE2 expression. One of them.
	Contains string `yaml:"contains" json:"contains,omitempty"`
	Regex    string `yaml:"regex" json:"regex,omitempty"`
	// After, when set, is a RE2 expression an earlier line of the same text must have matched:
	// a status line means "the proxy answered the CONNECT" only after a CONNECT request line.
	After string `yaml:"after" json:"after,omitempty"`
	// Unless, when set, is a RE2 expression that vetoes a match on the same line: a refused
	// connect that names the proxy belongs to the proxy's port, not the backend's.
	Unless  string   `yaml:"unless" json:"unless,omitempty"`
	Signals []string `yaml:"signals" json:"signals"`
	// Says is a short description of what the matched text means, shown as evidence detail.
	Says string `yaml:"says" json:"says"`

	re     *regexp.Regexp
	after  *regexp.Regexp
	unless *regexp.Regexp
	// hints are literals one of which a matching line holds (see hintsOf); nil means none known.
	hints [][]byte
}
