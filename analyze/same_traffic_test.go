package analyze

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hopscope/hopscope/diagnose"
	"github.com/hopscope/hopscope/knowledge"
)

// folderOf copies files of a recorded scenario into a new folder.
func folderOf(t *testing.T, scenario string, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "scenarios", scenario, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func kbOf(t *testing.T) *knowledge.Base {
	t.Helper()
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

// fromFile counts the evidence whose source is the named file of dir.
func fromFile(evs []diagnose.Evidence, dir, name string) int {
	n := 0
	for _, ev := range evs {
		if strings.HasPrefix(ev.Source, filepath.Join(dir, name)+"#") || strings.HasPrefix(ev.Source, filepath.Join(dir, name)+":") {
			n++
		}
	}
	return n
}

// TestFolderLeavesOutTheAnswerFile: the lab's truth.yaml names the true cause in words a
// recognizer knows, so read as evidence it hands over the verdict; in a folder it is left out
// and listed as such.
func TestFolderLeavesOutTheAnswerFile(t *testing.T) {
	kb := kbOf(t)
	dir := folderOf(t, "tunnel.forbidden.acl", "truth.yaml", "client.txt")
	truth := filepath.Join(dir, "truth.yaml")
	alone, _, err := Collect(context.Background(), kb, []string{truth}, nil, Options{})
	if err != nil || len(alone) == 0 {
		t.Fatalf("truth.yaml named on its own gives %v (%v): the test needs one that reads as evidence", alone, err)
	}
	evs, ins, err := Collect(context.Background(), kb, []string{dir}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := fromFile(evs, dir, "truth.yaml"); n != 0 {
		t.Errorf("%d pieces of evidence from the answer file", n)
	}
	listed := false
	for _, in := range ins {
		if in.Path == truth {
			listed = in.Kind == "skipped" && len(in.Warnings) == 1 && strings.Contains(in.Warnings[0], "answer")
		}
	}
	if !listed {
		t.Errorf("the answer file is not listed as left out: %+v", ins)
	}
}

// TestSameTrafficCountedOnce: a folder with one recording as pcap, as pcapng and from "any", and
// a second recording (over IPv6), counts each recording once and says which files repeat which.
func TestSameTrafficCountedOnce(t *testing.T) {
	kb := kbOf(t)
	files := []string{"any.pcapng", "lo.pcap", "lo.pcapng", "lo-v6.pcap"}
	dir := folderOf(t, "tunnel.forbidden.acl", files...)
	single := func(name string) int {
		evs, _, err := Collect(context.Background(), kb, []string{filepath.Join(dir, name)}, nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	evs, ins, err := Collect(context.Background(), kb, []string{dir}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(evs), single("any.pcapng")+single("lo-v6.pcap"); got != want {
		t.Errorf("%d pieces of evidence from the folder, want %d (any.pcapng and lo-v6.pcap once each)", got, want)
	}
	kinds := map[string]string{}
	for _, in := range ins {
		kinds[filepath.Base(in.Path)] = in.Kind
		if in.Kind == "skipped" && !strings.Contains(strings.Join(in.Warnings, " "), "the same traffic as "+filepath.Join(dir, "any.pcapng")) {
			t.Errorf("%s left out for %v", in.Path, in.Warnings)
		}
	}
	want := map[string]string{"any.pcapng": "pcapng", "lo.pcap": "skipped", "lo.pcapng": "skipped", "lo-v6.pcap": "pcap"}
	for f, k := range want {
		if kinds[f] != k {
			t.Errorf("%s read as %q, want %q (all: %v)", f, kinds[f], k, kinds)
		}
	}
	// The hops count each connection attempt once too.
	sess, _, err := Run(context.Background(), kb, []string{dir}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	once, _, err := Run(context.Background(), kb, []string{filepath.Join(dir, "any.pcapng"), filepath.Join(dir, "lo-v6.pcap")}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := attempts(sess), attempts(once); a != b {
		t.Errorf("%d connection attempts from the folder, %d from its two recordings", a, b)
	}
}

func attempts(s *diagnose.Session) int {
	n := 0
	for _, h := range s.Incident().Hops() {
		n += h.Failed + h.Worked
	}
	return n
}

// TestSameTrafficGroups groups a recorded incident's files: the IPv4 recording kept on lo and on
// any, as pcap and pcapng, is one group; its IPv6 twin (other connections) another; a log stands
// alone.
func TestSameTrafficGroups(t *testing.T) {
	names := []string{"any-v6.pcapng", "any.pcapng", "lo-v6.pcap", "lo-v6.pcapng", "lo.pcap", "lo.pcapng", "privoxy.log", "client.txt"}
	got := SameTraffic(os.DirFS(filepath.Join("..", "testdata", "scenarios", "tunnel.forbidden.host-header")), names)
	want := [][]string{{"any-v6.pcapng", "lo-v6.pcap", "lo-v6.pcapng"}, {"any.pcapng", "lo.pcap", "lo.pcapng"}, {"privoxy.log"}, {"client.txt"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("groups %v, want %v", got, want)
	}
}
