package analyze

import (
	"context"
	"fmt"
	"io"

	"github.com/hopscope/hopscope/capture"
	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// readCapture reads a pcap or pcapng stream into evidence.
func readCapture(ctx context.Context, kb *knowledge.Base, name string, r io.Reader, emit func(diagnose.Evidence), attempt func(diagnose.Attempt)) (diagnose.Input, error) {
	known := func(id string) bool {
		_, ok := kb.Signal(id)
		return ok
	}
	sum, err := capture.Analyze(ctx, r, capture.Options{
		Name:        name,
		KnownSignal: known,
		Trace:       &capture.Trace{Evidence: emit, Attempt: attempt},
	})
	in := diagnose.Input{Path: name, Kind: string(sum.Format), Packets: sum.Packets, Warnings: sum.Warnings}
	if err != nil {
		return in, fmt.Errorf("%s: %w", name, err)
	}
	return in, nil
}
