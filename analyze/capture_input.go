package analyze

import (
	"context"
	"fmt"
	"io"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// readCapture reads a pcap or pcapng stream into evidence.
func readCapture(ctx context.Context, kb *knowledge.Base, name string, r io.Reader, emit func(diagnose.Evidence)) (diagnose.Input, error) {
	return diagnose.Input{Path: name, Kind: "pcap"}, fmt.Errorf("%s: packet captures: %w", name, ErrUnsupported)
}
