package ui

import (
	"fmt"
	"strings"

	"github.com/hopscope/hopscope/diagnose"
)

// inputsSummary says in one line what was read: "read client.txt (text, 12 lines), lo.pcap (pcap,
// 40 packets, 1 warning)".
func inputsSummary(ins []diagnose.Input) string {
	if len(ins) == 0 {
		return "No inputs: answer the steps, or run the checks suggested."
	}
	var parts []string
	for _, in := range ins {
		s := fmt.Sprintf("%s (%s", in.Path, in.Kind)
		if in.Packets > 0 {
			s += fmt.Sprintf(", %d packets", in.Packets)
		}
		if in.Lines > 0 {
			s += fmt.Sprintf(", %d line%s", in.Lines, plural(int(in.Lines)))
		}
		if n := len(in.Warnings); n > 0 {
			s += fmt.Sprintf(", %d warning%s: %s", n, plural(n), in.Warnings[0])
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
