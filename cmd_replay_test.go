package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplayBadInput gives replay what it cannot replay: each fails with one clear line before any
// screen opens.
func TestReplayBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no path", nil, "requires at least 1 arg"},
		{"missing file", []string{filepath.Join(dir, "nope.pcap")}, "nope.pcap"},
		{"missing file after one that reads", []string{"testdata/scenarios/keepalive.race", filepath.Join(dir, "gone.log")}, "gone.log: no such file"},
		{"binary", []string{write("junk.bin", "\x00\x01\x02\x03garbage")}, "binary file"},
		{"nothing known", []string{write("note.txt", "all quiet\n")}, "no evidence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newRootCmd()
			root.SetArgs(append([]string{"replay"}, tt.args...))
			root.SetOut(&strings.Builder{})
			root.SetErr(&strings.Builder{})
			err := root.Execute()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
			if strings.Contains(oneLine(err), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}
