package analyze

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"slices"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/diagnose/logs"
	"github.com/hopscope/hopscope/knowledge"
)

// CollectFS is Collect over a file system instead of the disk, such as the incidents embedded in
// the binary: each path names a file or folder inside fsys, and evidence sources use those names.
// A named file that cannot be read fails the call (Collect reads the others); a file inside a
// folder that cannot be read is reported as an input with a warning.
func CollectFS(ctx context.Context, kb *knowledge.Base, fsys fs.FS, paths []string, opts Options) ([]diagnose.Evidence, []diagnose.Input, error) {
	var evs []diagnose.Evidence
	emit := func(ev diagnose.Evidence) { evs = append(evs, ev) }
	var atts []diagnose.Attempt
	opts.attempt = func(a diagnose.Attempt) {
		a.Signals = slices.Clone(a.Signals) // the source reuses them
		atts = append(atts, a)
	}
	var inputs []diagnose.Input
	// The logs of one call are judged together, as in Collect: an error log and an access log
	// of the same incident tell more than each alone.
	opts.logs = logs.NewAnalyzer()
	opts.logs.SetAttempts(opts.attempt, keptLogAttempts)
	opts.recs = newRecordings()
	for _, p := range paths {
		err := fs.WalkDir(fsys, p, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !d.Type().IsRegular() {
				return err
			}
			if path != p && isAnswerFile(path) {
				inputs = append(inputs, answerInput(path))
				return nil
			}
			in, err := readFSFile(ctx, kb, fsys, path, opts, emit)
			if err != nil {
				if path == p {
					return err
				}
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
	return withAttempts(evs, atts), inputs, nil
}

func readFSFile(ctx context.Context, kb *knowledge.Base, fsys fs.FS, path string, opts Options, emit func(diagnose.Evidence)) (diagnose.Input, error) {
	if opts.recs != nil {
		open := func() (io.ReadCloser, error) { return fsys.Open(path) }
		if in, dup := opts.recs.duplicate(path, open); dup {
			return in, nil
		}
	}
	f, err := fsys.Open(path)
	if err != nil {
		return diagnose.Input{}, err
	}
	defer f.Close()
	return readOne(ctx, kb, path, f, opts, emit)
}
