package analyze

import (
	"context"
	"fmt"
	"io"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/diagnose/logs"
	"github.com/hopscope/hopscope/knowledge"
)

// sniffLog recognises a server log format from the first lines of an input.
func sniffLog(head []byte, opts Options) (kind string, ok bool) {
	f, ok := logs.Detect(head, logs.Options{LogFormat: opts.LogFormat})
	return string(f), ok
}

// readLog reads a server log of the given kind. Its lines go into the analyzer shared by all the
// logs of one Collect (opts.logs), whose evidence is emitted once every input has been read, so
// that an error log and an access log of the same incident are judged together. Without a shared
// analyzer (a lone call) the log's evidence is emitted at once.
func readLog(ctx context.Context, kb *knowledge.Base, name, kind string, r io.Reader, opts Options, emit func(diagnose.Evidence)) (diagnose.Input, error) {
	an := opts.logs
	if an == nil {
		an = logs.NewAnalyzer()
		if opts.attempt != nil {
			an.SetAttempts(opts.attempt, opts.attemptsPerHop)
		}
		defer flushLogs(an, emit)
	}
	st, err := an.ReadFile(ctx, name, r, logs.Format(kind), logs.Options{LogFormat: opts.LogFormat})
	in := diagnose.Input{Path: name, Kind: kind, Lines: st.Lines, Warnings: st.Warnings()}
	if opts.LogFormat != "" && kind != string(logs.CustomAccess) {
		if err := logs.CheckLogFormat(opts.LogFormat); err != nil {
			in.Warnings = append(in.Warnings, fmt.Sprintf("--log-format not used: %v", err))
		}
	}
	if err != nil {
		return in, fmt.Errorf("%s logs: %w", kind, err)
	}
	return in, nil
}

// flushLogs emits what the logs read into an analyzer show.
func flushLogs(an *logs.Analyzer, emit func(diagnose.Evidence)) {
	if an == nil {
		return
	}
	an.Flush()
	for _, ev := range an.Evidence() {
		emit(ev)
	}
}
