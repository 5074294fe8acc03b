package common

import (
	"reflect"
	"testing"
)

func TestProse(t *testing.T) {
	cases := []struct {
		in    string
		width int
		lines []string
		cmds  []bool
	}{
		{"`telnet BACKEND 443`, or `hopscope check --target https://BACKEND`, which tries every address.", 60,
			[]string{"telnet BACKEND 443", "or", "hopscope check --target https://BACKEND", "which tries every address."},
			[]bool{true, false, true, false}},
		{"Look in `X-Apigee-fault-code` of the trace.", 60, []string{"Look in X-Apigee-fault-code of the trace."}, []bool{false}},
		{"run `hopscope check --target https://BACKEND` now", 20,
			[]string{"run", "hopscope check --ta…", "now"}, []bool{false, true, false}},
		{"one ` unbalanced", 60, []string{"one ` unbalanced"}, []bool{false}},
	}
	for _, c := range cases {
		lines, cmds := Prose(c.in, c.width)
		if !reflect.DeepEqual(lines, c.lines) || !reflect.DeepEqual(cmds, c.cmds) {
			t.Errorf("Prose(%q, %d) = %q %v, want %q %v", c.in, c.width, lines, cmds, c.lines, c.cmds)
		}
	}
}
