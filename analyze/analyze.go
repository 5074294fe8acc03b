// Package analyze reads the inputs an operator hands hopscope (packet captures, server logs,
// pasted error text, folders of them, or standard input), detects each one's kind from its content,
// runs the matching reader and gathers the evidence into an investigation session.
package analyze

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"unicode/utf8"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/diagnose/logs"
	"github.com/hopscope/hopscope/diagnose/text"
	"github.com/hopscope/hopscope/knowledge"
)

// ErrBinary is returned for an input that is neither a capture nor text.
var ErrBinary = errors.New("binary file that is not a packet capture (pcap, pcapng) or a text log")

// sniffSize is how much of an input is looked at to decide its kind.
const sniffSize = 64 << 10

// Options tune reading.
type Options struct {
	// LogFormat is an nginx-style log_format string for access logs in a custom format.
	LogFormat string

	// logs gathers the server logs of one Collect so that they are judged together.
	logs *logs.Analyzer
	// attempt receives the attempts the sources report.
	attempt func(diagnose.Attempt)
	// attemptsPerHop bounds the attempts a log reports per hop and outcome when attempt keeps
	// them all (Collect, Stream); 0 for a session that folds them as they come (Run).
	attemptsPerHop int
	// recs remembers the captures read, so that the same recording in another file (pcap and
	// pcapng, another interface) is counted once.
	recs *recordings
	// evidence, when set, is told of each piece of evidence as it is found; read, when set,
	// counts the bytes read from the inputs (see Stream).
	evidence func(diagnose.Evidence)
	read     *atomic.Int64
}

// Collect reads every path (a file, a folder, or "-" for stdin) and returns the evidence found,
// sorted by when it happened (evidence with no time first, in reading order), and a description
// of each input. An input that cannot be read is listed with kind "unreadable" and its reason,
// the others are still read, and the first such failure is returned as the error along with
// everything that could be read (a file inside a folder that cannot be read is only a warning).
//
// The attempts the sources report ride along with the evidence (Evidence.Attempts), each with the
// first piece of evidence not earlier than it, so that replaying the list brings them in time.
func Collect(ctx context.Context, kb *knowledge.Base, paths []string, stdin io.Reader, opts Options) ([]diagnose.Evidence, []diagnose.Input, error) {
	var atts []diagnose.Attempt
	opts.attempt = func(a diagnose.Attempt) {
		a.Signals = slices.Clone(a.Signals) // the source reuses them
		atts = append(atts, a)
	}
	opts.attemptsPerHop = keptLogAttempts
	evs, inputs, err := collect(ctx, kb, paths, stdin, opts)
	return withAttempts(evs, atts), inputs, err
}

// keptLogAttempts bounds the attempts a log reports per hop and outcome to a caller that keeps
// every attempt (Collect, Stream): enough for a hop's counts, contrasts and pattern in time, while
// a log of millions of requests does not become millions of attempts held at once. The log's own
// evidence still counts every line.
const keptLogAttempts = 1 << 15

// withAttempts hands each attempt to the first piece of evidence not earlier than it (the last
// one, or a carrier of its own, for those after all evidence).
func withAttempts(evs []diagnose.Evidence, atts []diagnose.Attempt) []diagnose.Evidence {
	if len(atts) == 0 {
		return evs
	}
	slices.SortStableFunc(atts, func(a, b diagnose.Attempt) int { return a.At.Compare(b.At) })
	i := 0
	for j := range evs {
		k := i
		for k < len(atts) && !atts[k].At.After(evs[j].At) {
			k++
		}
		if k > i {
			evs[j].Attempts = atts[i:k:k]
			i = k
		}
	}
	if i < len(atts) {
		if len(evs) == 0 {
			evs = append(evs, diagnose.Evidence{At: atts[len(atts)-1].At})
		}
		last := &evs[len(evs)-1]
		last.Attempts = append(slices.Clip(last.Attempts), atts[i:]...)
	}
	return evs
}

// collect is Collect handing attempts to opts.attempt as they are reported.
func collect(ctx context.Context, kb *knowledge.Base, paths []string, stdin io.Reader, opts Options) ([]diagnose.Evidence, []diagnose.Input, error) {
	var evs []diagnose.Evidence
	emit := func(ev diagnose.Evidence) {
		evs = append(evs, ev)
		if opts.evidence != nil {
			opts.evidence(ev)
		}
	}
	var inputs []diagnose.Input
	opts.logs = logs.NewAnalyzer()
	if opts.attempt != nil {
		opts.logs.SetAttempts(opts.attempt, opts.attemptsPerHop)
	}
	opts.recs = newRecordings()
	var failed error
	unreadable := func(path string, err error) {
		inputs = append(inputs, diagnose.Input{Path: path, Kind: "unreadable", Warnings: []string{err.Error()}})
		if failed == nil {
			failed = err
		}
	}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if p == "-" {
			in, err := readOne(ctx, kb, "stdin", countReads(stdin, opts), opts, emit)
			if err != nil {
				unreadable("stdin", err)
				continue
			}
			inputs = append(inputs, in)
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			unreadable(p, fmt.Errorf("%s: %w", p, errors.Unwrap(err)))
			continue
		}
		if !st.IsDir() {
			in, err := readFile(ctx, kb, p, opts, emit)
			if err != nil {
				unreadable(p, err)
				continue
			}
			inputs = append(inputs, in)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil && path != p {
				// A sub-folder or file that cannot be opened is one warning, not the end of the run.
				inputs = append(inputs, diagnose.Input{Path: path, Kind: "skipped", Warnings: []string{err.Error()}})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if err != nil || d.IsDir() || !d.Type().IsRegular() {
				return err
			}
			if isAnswerFile(path) {
				inputs = append(inputs, answerInput(path))
				return nil
			}
			in, err := readFile(ctx, kb, path, opts, emit)
			if err != nil {
				in = diagnose.Input{Path: path, Kind: "skipped", Warnings: []string{err.Error()}}
			}
			inputs = append(inputs, in)
			return ctx.Err()
		})
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	flushLogs(opts.logs, emit)
	slices.SortStableFunc(evs, func(a, b diagnose.Evidence) int { return a.At.Compare(b.At) })
	return evs, inputs, failed
}

// Run reads the paths and returns a session holding all their evidence. When an input could not
// be read it returns the session of what could be read together with the error (nil session only
// when reading was cancelled).
//
// Attempts go straight into the session's hops as they are reported, so that memory stays flat in
// the number of connections a capture holds.
func Run(ctx context.Context, kb *knowledge.Base, paths []string, stdin io.Reader, opts Options) (*diagnose.Session, []diagnose.Input, error) {
	s := diagnose.NewSession(kb)
	opts.attempt = s.AddAttempt
	evs, inputs, err := collect(ctx, kb, paths, stdin, opts)
	if inputs == nil && err != nil {
		return nil, nil, err
	}
	for _, ev := range evs {
		s.Add(ev)
	}
	return s, inputs, err
}

// AnyRead reports whether at least one input was read.
func AnyRead(inputs []diagnose.Input) bool {
	for _, in := range inputs {
		if in.Kind != "unreadable" {
			return true
		}
	}
	return false
}

func readFile(ctx context.Context, kb *knowledge.Base, path string, opts Options, emit func(diagnose.Evidence)) (diagnose.Input, error) {
	if opts.recs != nil {
		open := func() (io.ReadCloser, error) { return os.Open(path) }
		if in, dup := opts.recs.duplicate(path, open); dup {
			return in, nil
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return diagnose.Input{}, fmt.Errorf("%s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	return readOne(ctx, kb, path, countReads(f, opts), opts, emit)
}

// readOne detects the kind of one input from its first bytes and hands it to its reader.
func readOne(ctx context.Context, kb *knowledge.Base, name string, r io.Reader, opts Options, emit func(diagnose.Evidence)) (diagnose.Input, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, _ := br.Peek(sniffSize)
	suffix := ""
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return diagnose.Input{}, fmt.Errorf("%s: gzip: %w", name, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, sniffSize)
		head, _ = br.Peek(sniffSize)
		suffix = "+gzip"
	}
	if len(head) == 0 {
		return diagnose.Input{}, fmt.Errorf("%s: empty input", name)
	}
	var (
		in  diagnose.Input
		err error
	)
	switch {
	case isCapture(head):
		in, err = readCapture(ctx, kb, name, br, emit, opts.attempt)
	case !isText(head):
		return diagnose.Input{}, fmt.Errorf("%s: %w", name, ErrBinary)
	default:
		if kind, ok := sniffLog(head, opts); ok {
			in, err = readLog(ctx, kb, name, kind, br, opts, emit)
		} else {
			var res text.Result
			res, err = text.ReadAttempts(kb, name, br, emit, opts.attempt)
			in = diagnose.Input{Path: name, Kind: "text", Lines: res.Lines, Warnings: res.Warnings}
			if errors.Is(err, text.ErrNothingRecognised) {
				// Text that was read but says nothing hopscope knows is still a read input: it
				// shows no known failure, which leaves unknown first.
				in.Warnings = append(in.Warnings, "no line matched a known error text (a gateway fault, a client's error, a proxy's or server's log line)")
				err = nil
			}
		}
	}
	if err != nil {
		return in, err
	}
	in.Path = name
	in.Kind += suffix
	if in.Warnings == nil {
		in.Warnings = []string{}
	}
	return in, nil
}

// isCapture recognises the magic numbers of pcap (both byte orders, micro- and nanosecond) and
// pcapng (the Section Header Block type).
func isCapture(head []byte) bool {
	if len(head) < 4 {
		return false
	}
	switch string(head[:4]) {
	case "\xd4\xc3\xb2\xa1", "\xa1\xb2\xc3\xd4", "\x4d\x3c\xb2\xa1", "\xa1\xb2\x3c\x4d", "\x0a\x0d\x0d\x0a":
		return true
	}
	return false
}

// isText accepts UTF-8 without NUL bytes; a rune cut off at the end of the sniffed window is fine.
func isText(head []byte) bool {
	for i := 0; i < len(head); {
		c := head[i]
		if c == 0 {
			return false
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && n == 1 {
			return len(head)-i < utf8.UTFMax && !utf8.FullRune(head[i:])
		}
		i += n
	}
	return true
}
