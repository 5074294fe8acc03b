package main

import (
	"os"
	"strings"
	"testing"
)

func TestLabListNamesAScenarioPerCause(t *testing.T) {
	code, out, errs := runCmd(t, "", "lab", "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// The forward-proxy and TLS causes all have scenarios; the list says which causes lack one.
	for _, id := range catalogue[:11] {
		if !strings.Contains(out, " "+id+" ") {
			t.Errorf("lab list has no scenario for %s:\n%s", id, out)
		}
	}
	if _, tail, ok := strings.Cut(out, "no scenario yet for:"); ok {
		for _, id := range catalogue[:11] {
			if strings.Contains(tail, id) {
				t.Errorf("lab list says %s has no scenario", id)
			}
		}
	}
}

func TestLabBadUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lab", "up", "no.such.scenario"}, "no scenario"},
		{[]string{"lab", "up"}, "accepts 1 arg"},
		{[]string{"lab", "record", "tunnel.forbidden.acl"}, "accepts 2 arg"},
		{[]string{"lab", "record", "tunnel.forbidden.acl", "testdata/scenarios/tunnel.forbidden.acl"}, ""},
	} {
		if tc.want == "" {
			// Recording over an existing recording is refused (as root), or needs root.
			tc.want = "not empty"
			if os.Geteuid() != 0 {
				tc.want = "needs root"
			}
		}
		code, _, errs := runCmd(t, "", tc.args...)
		if code != exitUsage || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line with %q", tc.args, code, errs, exitUsage, tc.want)
		}
	}
}
