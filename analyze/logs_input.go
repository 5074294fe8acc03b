package analyze

import (
	"context"
	"fmt"
	"io"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// sniffLog recognises a server log format from the first lines of an input.
func sniffLog(head []byte, opts Options) (kind string, ok bool) {
	return "", false
}

// readLog reads a server log of the given kind into evidence.
func readLog(ctx context.Context, kb *knowledge.Base, name, kind string, r io.Reader, opts Options, emit func(diagnose.Evidence)) (diagnose.Input, error) {
	return diagnose.Input{Path: name, Kind: kind}, fmt.Errorf("%s: %s logs: %w", name, kind, ErrUnsupported)
}
