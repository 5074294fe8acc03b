package main

import (
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hopscope/hopscope/bundle"
	"github.com/hopscope/hopscope/diagnose"
)

// writeBundle writes the must-gather bundle of an investigation to dest and says where on stderr
// (stdout may be holding the --json object). Ctrl-C while it writes stops it and leaves nothing.
func writeBundle(cmd *cobra.Command, dest string, sess *diagnose.Session, inputs []diagnose.Input, name string, args []string, checks []any) error {
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
	defer stop()
	sum, err := bundle.Write(ctx, dest, sess, inputs, bundle.Options{Command: commandLine(cmd, name, args), Checks: checks})
	if err != nil {
		return err
	}
	present, all := 0, 0
	for _, g := range sum.Report.MustGather {
		if g.Status != bundle.NotApplicable {
			all++
		}
		if g.Status == bundle.Present {
			present++
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "hopscope: report written to %s (%d files; %d of %d must-gather items present)\n",
		sum.Path, len(sum.Report.Files)+2, present, all)
	return nil
}

// commandLine rebuilds the command as typed, from the flags that were set, for the report header.
func commandLine(cmd *cobra.Command, name string, args []string) string {
	parts := []string{"hopscope", name}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if f.Name == "report" {
			return
		}
		if f.Value.Type() == "bool" {
			parts = append(parts, "--"+f.Name)
			return
		}
		parts = append(parts, "--"+f.Name+"="+f.Value.String())
	})
	return diagnose.Redact(strings.Join(append(parts, args...), " "))
}
