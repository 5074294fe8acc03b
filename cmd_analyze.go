package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hopscope/hopscope/analyze"
	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/internal/termtext"
	"github.com/hopscope/hopscope/knowledge"
)

func newAnalyzeCmd() *cobra.Command {
	var (
		asJSON bool
		report string
		opts   analyze.Options
	)
	cmd := &cobra.Command{
		Use:   "analyze [--json] PATH...",
		Short: "Read captures, logs and pasted errors and rank the suspected causes",
		Long: `analyze reads packet captures (pcap, pcapng, gzipped), server logs (format
detected from content) and text files of pasted errors, or folders of them, or
"-" for standard input, and prints the suspected causes ranked by confidence with
the evidence for and against each and the checks worth running next.

Exit status: 0 when the inputs were read, whatever they show; 2 for bad usage or
an input that could not be read.`,
		Example: `  hopscope analyze fault.txt
  hopscope analyze --json error_log access_log capture.pcap
  hopscope analyze --report /tmp/incident-42.tar.gz capture.pcap error_log
  tcpdump -w - -i any port 443 | hopscope analyze -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kb, err := knowledge.Default()
			if err != nil {
				return fmt.Errorf("knowledge: %w", err)
			}
			if slices.Contains(args, "-") {
				defer keepReadingOnInterrupt(cmd.ErrOrStderr())()
			}
			leanGC()
			sess, inputs, err := analyze.Run(cmd.Context(), kb, args, cmd.InOrStdin(), opts)
			if sess == nil || !analyze.AnyRead(inputs) {
				return err
			}
			// Whatever could be read is reported, even when another input could not be: the
			// exit status and the one-line reason still say that one failed.
			if report != "" {
				if rerr := writeBundle(cmd, report, sess, inputs, "analyze", args, nil); rerr != nil {
					return rerr
				}
			}
			if asJSON {
				if jerr := writeReportJSON(cmd.OutOrStdout(), sess.Report(inputs)); jerr != nil {
					return jerr
				}
				return err
			}
			writeReportText(cmd.OutOrStdout(), sess.Report(inputs))
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object (see README: the contract)")
	cmd.Flags().StringVar(&report, "report", "", "also write the must-gather bundle for the next level of support to this new folder, or to a .tar.gz")
	cmd.Flags().StringVar(&opts.LogFormat, "log-format", "", "nginx log_format string for access logs in a custom format")
	return cmd
}

func writeReportJSON(w io.Writer, r diagnose.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// standsOut reports whether the leading cause can be presented as the answer: more likely than
// not, and at least twice as likely as the next one.
func standsOut(first, second float64) bool { return first >= 0.5 && first >= 2*second }

// count writes "1 packet", "3 packets".
func count(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// writeReportText prints the report for a person: the leading causes with why, then what next.
func writeReportText(out io.Writer, r diagnose.Report) {
	// File names, log lines and answers quoted in the report reach the terminal as text: a name
	// holding an escape sequence is shown escaped, never obeyed.
	tw := termtext.NewWriter(out)
	defer tw.Flush()
	w := io.Writer(tw)
	for _, in := range r.Inputs {
		if in.Kind == "unreadable" {
			fmt.Fprintf(w, "could not read %s\n", termtext.Escape(in.Path))
			for _, warn := range in.Warnings {
				fmt.Fprintf(w, "  %s\n", termtext.Escape(warn))
			}
			continue
		}
		fmt.Fprintf(w, "read %s (%s)", termtext.Escape(in.Path), in.Kind)
		if in.Packets > 0 {
			fmt.Fprintf(w, ", %s", count(in.Packets, "packet"))
		}
		if in.Lines > 0 {
			fmt.Fprintf(w, ", %s", count(in.Lines, "line"))
		}
		fmt.Fprintln(w)
		for _, warn := range in.Warnings {
			fmt.Fprintf(w, "  warning: %s\n", termtext.Escape(warn))
		}
	}
	writeHopsText(w, r)
	writeSeenText(w, r)
	fmt.Fprintln(w, "\nSuspected causes:")
	if r.Verdict == "healthy" {
		fmt.Fprintln(w, "  No attempt failed: the input shows no failure, and no cause is suspected with confidence.")
	} else if len(r.Evidence) == 0 {
		fmt.Fprintln(w, "  Nothing that was read points at a failure hopscope knows: no cause is suspected.")
	} else if len(r.Causes) > 1 && !standsOut(r.Causes[0].Confidence, r.Causes[1].Confidence) {
		fmt.Fprintf(w, "  No single cause stands out yet (%.0f%% against %.0f%%): the checks below tell the\n"+
			"  leading ones apart.\n", 100*r.Causes[0].Confidence, 100*r.Causes[1].Confidence)
	}
	for i, c := range r.Causes {
		if i == 5 || (i > 0 && c.Confidence < 0.01) {
			break
		}
		fmt.Fprintf(w, "  %3.0f%%  %-36s %s\n", 100*c.Confidence, c.ID, c.Title)
		for j, f := range c.For {
			if j == 3 {
				break
			}
			fmt.Fprintf(w, "          + %s\n", f)
		}
		for j, a := range c.Against {
			if j == 2 {
				break
			}
			fmt.Fprintf(w, "          - %s\n", a)
		}
	}
	for _, t := range r.Playbooks {
		if len(t.Answered) == 0 {
			continue
		}
		var steps []string
		for _, s := range t.Answered {
			steps = append(steps, s.Step+"="+s.Answer)
		}
		fmt.Fprintf(w, "\nPlaybook %s: %s", t.Playbook, strings.Join(steps, " → "))
		if t.Conclusion != "" {
			fmt.Fprintf(w, " ⇒ %s\n", t.Conclusion)
		} else {
			fmt.Fprintf(w, "\n  next question: %s\n", t.Ask)
		}
	}
	if len(r.Next) > 0 {
		fmt.Fprintln(w, "\nCheck next:")
		for _, n := range r.Next {
			fmt.Fprintf(w, "  %s — %s\n    %s\n    run: %s\n", n.Check, n.Title, n.Why, n.How)
		}
	}
}

// maxHopsText bounds the hops listed in the text report; --json lists them all.
const maxHopsText = 8

// writeHopsText lists the hops the attempts went over: the failing ones first, each with its own
// leading cause, then how many were healthy. The causes below are the first hop's.
func writeHopsText(w io.Writer, r diagnose.Report) {
	if len(r.Hops) == 0 {
		return
	}
	failing, healthy := 0, 0
	for _, h := range r.Hops {
		if h.Verdict == "failing" {
			failing++
		} else {
			healthy++
		}
	}
	fmt.Fprintf(w, "\nHops: %d failing, %d healthy\n", failing, healthy)
	for i, h := range r.Hops {
		if h.Verdict != "failing" {
			break
		}
		if i == maxHopsText {
			fmt.Fprintf(w, "  … and %d more failing hops (--json lists them)\n", failing-i)
			break
		}
		fmt.Fprintf(w, "  %s: %d failed, %d worked", termtext.Escape(h.Hop), h.Failed, h.Worked)
		if len(h.Causes) > 0 {
			fmt.Fprintf(w, " ⇒ %s %.0f%%", h.Causes[0].ID, 100*h.Causes[0].Confidence)
		}
		fmt.Fprintln(w)
		for _, ev := range h.Evidence {
			switch ev.Signal {
			case "proxy.host-header.only-proxy-name-refused", "hop.contrast.tls-version", "hop.contrast.sni",
				"hop.contrast.body-size", "log.pattern.request-correlated", "log.pattern.after-idle":
				fmt.Fprintf(w, "      differs from the attempts that worked: %s\n", termtext.Escape(ev.Detail))
			}
		}
		for _, l := range h.Lost {
			fmt.Fprintf(w, "      lost between the captures: %s\n", termtext.Escape(l))
		}
	}
	if failing > 1 {
		fmt.Fprintf(w, "  The causes below are those of the first hop, %s.\n", termtext.Escape(r.Hops[0].Hop))
	}
}

// keepReadingOnInterrupt lets `tcpdump -w - | hopscope analyze -` be stopped with Ctrl-C: the
// terminal interrupts both programs, tcpdump flushes and closes the pipe, and hopscope goes on
// to report what it read instead of dying with it. A second interrupt quits at once. The
// returned function restores the default handling.
func keepReadingOnInterrupt(stderr io.Writer) (restore func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			fmt.Fprintln(stderr, "hopscope: interrupted: reading what is left of standard input (interrupt again to quit)")
		case <-done:
			return
		}
		select {
		case <-ch:
			os.Exit(130)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// analyzeGCPercent is the garbage collector's target for analyze, which reads gigabytes with a
// working set of a few tens of MB: collecting at 1.6 times the live heap instead of twice costs
// about a tenth more CPU and keeps a SYN flood of millions of connections within 64 MB.
const analyzeGCPercent = 60

// leanGC sets analyzeGCPercent unless GOGC says otherwise.
func leanGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(analyzeGCPercent)
	}
}

// maxSeenText bounds the distinct signals listed under "Seen"; --json lists every piece.
const maxSeenText = 6

// writeSeenText lists what the inputs showed, each signal once with where it was first seen and
// how often, so that evidence that moves no cause much (and so is in no cause's for or against)
// is still on the page.
func writeSeenText(w io.Writer, r diagnose.Report) {
	if len(r.Evidence) == 0 {
		return
	}
	type seen struct {
		first diagnose.ReportEvidence
		n     int
	}
	var order []string
	by := map[string]*seen{}
	for _, ev := range r.Evidence {
		if s, ok := by[ev.Signal]; ok {
			s.n++
			continue
		}
		by[ev.Signal] = &seen{first: ev, n: 1}
		order = append(order, ev.Signal)
	}
	fmt.Fprintln(w, "\nSeen:")
	for i, sig := range order {
		if i == maxSeenText {
			fmt.Fprintf(w, "  … and %d more (--json lists them all)\n", len(order)-i)
			break
		}
		s := by[sig]
		times := ""
		if s.n > 1 {
			times = fmt.Sprintf(" ×%d", s.n)
		}
		fmt.Fprintf(w, "  %s%s at %s\n", sig, times, termtext.Escape(s.first.Source))
	}
}
