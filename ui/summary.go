package ui

import (
	"fmt"
	"strings"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/internal/termtext"
)

// inputsSummary says in one line what was read: "read client.txt (text, 12 lines), lo.pcap (pcap,
// 40 packets, 1 warning)". With no file read, it counts the evidence that came from elsewhere
// (live checks, the operator's answers) instead.
func inputsSummary(ins []diagnose.Input, ledger []diagnose.Evidence) string {
	if len(ins) == 0 {
		if len(ledger) == 0 {
			return "Nothing read yet: answer the steps, or run the checks suggested."
		}
		return fmt.Sprintf("%d piece%s of evidence from %s; no file read.", len(ledger), plural(len(ledger)), origins(ledger))
	}
	var parts []string
	for _, in := range ins {
		s := fmt.Sprintf("%s (%s", termtext.Escape(in.Path), in.Kind)
		if in.Packets > 0 {
			s += fmt.Sprintf(", %d packets", in.Packets)
		}
		if in.Lines > 0 {
			s += fmt.Sprintf(", %d line%s", in.Lines, plural(int(in.Lines)))
		}
		if n := len(in.Warnings); n > 0 {
			s += fmt.Sprintf(", %d warning%s: %s", n, plural(n), termtext.Escape(in.Warnings[0]))
		}
		parts = append(parts, s+")")
	}
	return "read " + strings.Join(parts, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// origins names where evidence came from, in the order first seen: "live checks and answers".
func origins(evs []diagnose.Evidence) string {
	names := map[diagnose.SourceKind]string{diagnose.FromCheck: "live checks", diagnose.FromOperator: "answers",
		diagnose.FromPacket: "captures", diagnose.FromLog: "logs", diagnose.FromText: "pasted text"}
	var out []string
	seen := map[diagnose.SourceKind]bool{}
	for _, e := range evs {
		if !seen[e.Kind] {
			seen[e.Kind] = true
			n, ok := names[e.Kind]
			if !ok {
				n = string(e.Kind)
			}
			out = append(out, n)
		}
	}
	if len(out) > 1 {
		return strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1]
	}
	return strings.Join(out, "")
}
