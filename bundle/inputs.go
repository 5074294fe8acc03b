package bundle

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hopscope/hopscope/capture"
	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/diagnose/logs"
	"github.com/hopscope/hopscope/knowledge"
)

// How inputs are cut.
const (
	// Controls is how many healthy connections a trimmed capture keeps for comparison.
	Controls = 3
	// ContextLines is how many lines before and after each failing log line are kept: enough to
	// see the request and the retry around it.
	ContextLines = 3
	// MaxLogFailures bounds the failing lines kept of one log; the report says when more were.
	MaxLogFailures = 1000
	// MaxTextBytes bounds a copied text input (a pasted error, a configuration file).
	MaxTextBytes = 256 << 10
)

// Opener opens an input by the path analyze named it with.
type Opener func(name string) (io.ReadCloser, error)

// openPlain opens an input and unwraps gzip, so that each reader sees the plain stream.
func openPlain(open Opener, name string) (io.ReadCloser, error) {
	f, err := open(name)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(f)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		return readCloser{zr, f}, nil
	}
	return readCloser{br, f}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// copyInputs writes the trimmed inputs into dir/inputs and returns what it wrote. An input that
// cannot be copied (standard input, a file gone since) is a note in the returned list, not an
// error; only a write failure or the context's end is.
func copyInputs(ctx context.Context, kb *knowledge.Base, sess *diagnose.Session, inputs []diagnose.Input, open Opener, dir string, sym *Symptom) ([]File, []string, error) {
	var (
		files []File
		notes []string
		used  = map[string]bool{}
	)
	if err := os.MkdirAll(filepath.Join(dir, "inputs"), 0o755); err != nil {
		return nil, nil, err
	}
	wanted := func(in diagnose.Input) bool {
		for _, p := range kb.Playbooks {
			for _, g := range p.MustGather {
				if nameMatch(g, in.Path) {
					return true
				}
			}
		}
		return false
	}
	for _, in := range inputs {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		kind := strings.TrimSuffix(in.Kind, "+gzip")
		base := path.Base(filepath.ToSlash(in.Path))
		var (
			f   File
			err error
		)
		switch {
		case in.Path == "stdin" && in.Kind != "unreadable":
			notes = append(notes, "stdin not included: standard input is read once; save it to a file and name the file to have it in the bundle")
			continue
		case in.Kind == "unreadable" || in.Kind == "check":
			continue
		case kind == "pcap" || kind == "pcapng":
			f, err = trimCapture(ctx, kb, in, open, dir, unique(used, base+".trimmed.pcapng"))
		case logs.Format(kind) != "" && kind != "text" && kind != "skipped":
			f, err = trimLog(ctx, sess, in, kind, open, dir, unique(used, base))
		case kind == "text" || kind == "skipped" && wanted(in):
			f, err = copyText(in, open, dir, unique(used, base), sym, kind == "text" && saidByClient(sess, in.Path))
		default:
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			notes = append(notes, fmt.Sprintf("%s not included: %s", in.Path, diagnose.Redact(err.Error())))
			continue
		}
		files = append(files, f)
	}
	return files, notes, nil
}

// saidByClient reports whether error text recognised as what the client saw came from the input.
func saidByClient(sess *diagnose.Session, name string) bool {
	for _, ev := range sess.Ledger() {
		if ev.Kind == diagnose.FromText && (ev.Path == name || strings.HasPrefix(ev.Source, name+":")) {
			return true
		}
	}
	return false
}

// nameMatch reports whether one of the item's name: matchers takes the file.
func nameMatch(g knowledge.GatherItem, file string) bool {
	for _, m := range g.Inputs {
		if strings.HasPrefix(m, "name:") {
			if (knowledge.GatherItem{Inputs: []string{m}}).Matches("", file) {
				return true
			}
		}
	}
	return false
}

// unique returns name, or name with a number before it when another input took it.
func unique(used map[string]bool, name string) string {
	n := name
	for i := 2; used[n]; i++ {
		n = fmt.Sprintf("%d-%s", i, name)
	}
	used[n] = true
	return n
}

func trimCapture(ctx context.Context, kb *knowledge.Base, in diagnose.Input, open Opener, dir, name string) (File, error) {
	out := filepath.Join(dir, "inputs", name)
	w, err := os.Create(out)
	if err != nil {
		return File{}, err
	}
	defer w.Close()
	res, err := capture.Trim(ctx, func() (io.ReadCloser, error) { return openPlain(open, in.Path) }, w, capture.TrimOptions{
		Controls: Controls, Mask: MaskPayload,
		KnownSignal: func(s string) bool { _, ok := kb.Signal(s); return ok },
	})
	if err != nil {
		return File{}, err
	}
	if err := w.Close(); err != nil {
		return File{}, err
	}
	cut := fmt.Sprintf("%d of %d packets: the %d failing connection%s and %d healthy one%s for comparison, as pcapng; credentials in payloads masked with *",
		res.Kept, res.Packets, res.Failing, plural(res.Failing), res.Controls, plural(res.Controls))
	if res.FailingSeen > res.Failing {
		cut += fmt.Sprintf(" (first %d of %d failing connections)", res.Failing, res.FailingSeen)
	}
	return File{Path: "inputs/" + name, From: in.Path, Kind: "pcapng", Cut: cut, Bytes: size(out)}, nil
}

// lineRange is a run of kept lines, both ends included.
type lineRange struct{ from, to int64 }

// trimLog keeps the lines around each failing line of a log, redacted.
func trimLog(ctx context.Context, sess *diagnose.Session, in diagnose.Input, kind string, open Opener, dir, name string) (File, error) {
	r, err := openPlain(open, in.Path)
	if err != nil {
		return File{}, err
	}
	var (
		ranges []lineRange
		fails  int
	)
	_, err = logs.Scan(ctx, r, logs.Format(kind), logs.Options{}, func(rec *logs.Record) {
		if !rec.Event.IsFailure() && !rec.IsFailedRequest() {
			return
		}
		fails++
		if fails > MaxLogFailures {
			return
		}
		lo, hi := max(rec.Line-ContextLines, 1), rec.Line+ContextLines
		if n := len(ranges); n > 0 && lo <= ranges[n-1].to+1 {
			ranges[n-1].to = max(ranges[n-1].to, hi)
			return
		}
		ranges = append(ranges, lineRange{lo, hi})
	})
	r.Close()
	if err != nil {
		return File{}, err
	}
	// A log the evidence points at by line but whose lines the scan does not call failures (a
	// squid access.log's TCP_DENIED) keeps the lines the evidence names.
	for _, ev := range sess.Ledger() {
		if ev.Path == in.Path && ev.Line > 0 && !covered(ranges, int64(ev.Line)) && len(ranges) < MaxLogFailures {
			ranges = append(ranges, lineRange{max(int64(ev.Line)-ContextLines, 1), int64(ev.Line) + ContextLines})
			fails++
		}
	}
	ranges = merge(ranges)
	out := filepath.Join(dir, "inputs", name)
	kept, total, err := writeLines(open, in.Path, out, ranges)
	if err != nil {
		return File{}, err
	}
	cut := fmt.Sprintf("%d of %d lines: %d failing line%s with %d lines either side (lines %s), secrets redacted",
		kept, total, min(fails, MaxLogFailures), plural(fails), ContextLines, describe(ranges))
	if fails > MaxLogFailures {
		cut += fmt.Sprintf("; only the first %d of %d failing lines", MaxLogFailures, fails)
	}
	if len(ranges) == 0 {
		cut = fmt.Sprintf("0 of %d lines: no failing line in it", total)
	}
	return File{Path: "inputs/" + name, From: in.Path, Kind: kind, Cut: cut, Bytes: size(out)}, nil
}

func covered(rs []lineRange, n int64) bool {
	for _, r := range rs {
		if r.from <= n && n <= r.to {
			return true
		}
	}
	return false
}

// merge sorts ranges and joins those that touch.
func merge(rs []lineRange) []lineRange {
	if len(rs) < 2 {
		return rs
	}
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].from < rs[j-1].from; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
	out := rs[:1]
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if r.from <= last.to+1 {
			last.to = max(last.to, r.to)
			continue
		}
		out = append(out, r)
	}
	return out
}

// describe writes ranges as "3-9, 40-46", at most ten of them.
func describe(rs []lineRange) string {
	var parts []string
	for i, r := range rs {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("and %d more runs", len(rs)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%d-%d", r.from, r.to))
	}
	return strings.Join(parts, ", ")
}

// writeLines copies the lines of the input inside ranges to out, each redacted, and returns how
// many it kept and how many the input has.
func writeLines(open Opener, name, out string, ranges []lineRange) (kept, total int64, err error) {
	r, err := openPlain(open, name)
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	w, err := os.Create(out)
	if err != nil {
		return 0, 0, err
	}
	defer w.Close()
	bw := bufio.NewWriter(w)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	ri := 0
	for sc.Scan() {
		total++
		for ri < len(ranges) && ranges[ri].to < total {
			ri++
		}
		if ri < len(ranges) && ranges[ri].from <= total {
			bw.WriteString(diagnose.Redact(sc.Text()))
			bw.WriteByte('\n')
			kept++
		}
	}
	if err := bw.Flush(); err != nil {
		return 0, 0, err
	}
	return kept, total, w.Close()
}

// errPasswordFile says why a password file is left out of a bundle: its lines are user names and
// hashes, and a hash is a secret (it can be cracked offline) that tells the next level nothing the
// proxy's configuration and logs do not.
var errPasswordFile = errors.New("a password file (USER:HASH lines): hashes are secrets and no evidence, so it is left out; the proxy's configuration names it")

// configFile reports whether a text input is a server's configuration, by its name or its folder.
func configFile(name string) bool {
	name = filepath.ToSlash(name)
	switch path.Ext(name) {
	case ".conf", ".cfg", ".action", ".filter":
		return true
	}
	return path.Base(path.Dir(name)) == "config"
}

// passwordFile reports whether every line of a text that is not blank or a comment is a password
// file's USER:HASH line (htpasswd, shadow).
func passwordFile(lines []string) bool {
	n := 0
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || t[0] == '#' {
			continue
		}
		if !diagnose.PasswordLine(t) {
			return false
		}
		n++
	}
	return n > 0
}

// copyText copies a text input, redacted, up to MaxTextBytes. The client's error text also fills
// the report's symptom.
func copyText(in diagnose.Input, open Opener, dir, name string, sym *Symptom, client bool) (File, error) {
	r, err := openPlain(open, in.Path)
	if err != nil {
		return File{}, err
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxTextBytes+1))
	r.Close()
	if err != nil {
		return File{}, err
	}
	cut := "whole, secrets redacted"
	if configFile(in.Path) {
		cut = "whole: a configuration file, kept for its rules, with its secrets (passwords, peer logins, password-file hashes) redacted"
	}
	if len(b) > MaxTextBytes {
		b = b[:MaxTextBytes]
		if i := bytes.LastIndexByte(b, '\n'); i > 0 {
			b = b[:i+1]
		}
		cut = fmt.Sprintf("first %d bytes, secrets redacted", len(b))
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if passwordFile(lines) {
		return File{}, errPasswordFile
	}
	for i := range lines {
		lines[i] = diagnose.Redact(lines[i])
	}
	text := strings.Join(lines, "\n") + "\n"
	if client && len(sym.Text) == 0 {
		sym.Text = lines[:min(len(lines), 40)]
	}
	out := filepath.Join(dir, "inputs", name)
	if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
		return File{}, err
	}
	return File{Path: "inputs/" + name, From: in.Path, Kind: in.Kind, Cut: cut, Bytes: int64(len(text))}, nil
}

func size(p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return st.Size()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
