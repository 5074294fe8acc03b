// Command hopscope is a terminal assistant for the engineer on call when a gateway or proxy hop
// fails. See README.md.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/hopscope/hopscope/internal/termtext"
)

// exitUsage is the exit status for bad usage or unreadable input (DESIGN.md's contract).
const exitUsage = 2

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.Execute(); err != nil {
		// The reason often names a file, which may hold anything, escape sequences included.
		fmt.Fprintln(stderr, "hopscope: "+termtext.Escape(oneLine(err)))
		return exitUsage
	}
	return 0
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "hopscope",
		Short: "Diagnose a failing gateway or proxy hop",
		Long: `hopscope walks you through the playbooks for a failing gateway or proxy hop:
a 503 because the forward proxy refused a CONNECT tunnel, a 502 because the TLS
handshake with the backend timed out, a reverse proxy that cannot reach or finish
talking to its backend. It reads captures, logs and pasted errors, runs live checks,
ranks the suspected causes as evidence arrives and says what to check next.

With no command it opens the interactive screen.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE:          runTUI,
	}
	root.AddCommand(newPlaybooksCmd(), newAnalyzeCmd())
	addCommands(root)
	return root
}

// oneLine keeps the first line of an error: the contract promises a one-line reason on stderr.
func oneLine(err error) string {
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) && len(j.Unwrap()) > 0 {
		err = j.Unwrap()[0]
	}
	s := err.Error()
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
