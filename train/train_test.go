package train

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hopscope/hopscope/knowledge"
)

func kb(t testing.TB) *knowledge.Base {
	t.Helper()
	b, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func bundled(t testing.TB) []Scenario {
	t.Helper()
	all, err := Load(kb(t), os.DirFS("../testdata"), "scenarios", "incidents")
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// TestLoadValidates reports each broken scenario with file, line and reason, and keeps the good.
func TestLoadValidates(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	fsys := fstest.MapFS{
		"good/truth.yaml":      file("cause: tunnel.proxy-auth\nplaybook: proxy-tunnel\ntitle: t\n"),
		"good/client.txt":      file("HTTP/1.1 503\n"),
		"good/access.log":      file("x\n"),
		"good/config/a.conf":   file("secret\n"),
		"unknown/truth.yaml":   file("title: t\ncause: tunnel.nope\n"),
		"unknown/client.txt":   file("x\n"),
		"mismatch/truth.yaml":  file("cause: backend.down\n\nplaybook: proxy-tunnel\n"),
		"mismatch/client.txt":  file("x\n"),
		"nosymptom/truth.yaml": file("cause: backend.down\n"),
		"notyaml/truth.yaml":   file("cause: [backend.down\n"),
		"notyaml/client.txt":   file("x\n"),
		"nocause/truth.yaml":   file("title: only a title\n"),
		"nocause/client.txt":   file("x\n"),
		"no-truth/client.txt":  file("x\n"),
	}
	got, err := Load(kb(t), fsys, ".")
	if len(got) != 1 || got[0].Name != "good" {
		t.Fatalf("loaded %v, want only good", got)
	}
	if !slices.Equal(got[0].Inputs, []string{"access.log"}) {
		t.Errorf("good's inputs %v: want access.log only (client.txt is the symptom, config and truth hidden)", got[0].Inputs)
	}
	if err == nil {
		t.Fatal("no error for the broken scenarios")
	}
	for _, want := range []string{
		`unknown/truth.yaml:2: unknown cause "tunnel.nope"`,
		`mismatch/truth.yaml:3: playbook "proxy-tunnel", but cause backend.down belongs to "mod-proxy"`,
		`nosymptom/client.txt: missing`,
		`notyaml/truth.yaml:1: not YAML`,
		`nocause/truth.yaml:1: no cause`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "no-truth") {
		t.Errorf("a folder without truth.yaml is not a scenario, not a problem: %v", err)
	}
}

// TestPickDoesNotRepeat: scenarios not seen come first; nothing repeats before all were seen.
func TestPickDoesNotRepeat(t *testing.T) {
	var all []Scenario
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		all = append(all, Scenario{Name: n})
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	got := Pick(all, []string{"a", "b"}, 3, rnd)
	names := func(s []Scenario) []string {
		var out []string
		for _, x := range s {
			out = append(out, x.Name)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(names(got), []string{"c", "d", "e"}) {
		t.Errorf("picked %v, want c, d, e (not seen yet)", names(got))
	}
	got = Pick(all, nil, 12, rnd)
	for round := 0; round*5 < 10; round++ {
		if n := names(got[round*5 : round*5+5]); !slices.Equal(n, []string{"a", "b", "c", "d", "e"}) {
			t.Errorf("round %d holds %v: a repeat before all were seen", round, n)
		}
	}
	if len(got) != 12 {
		t.Errorf("picked %d, want 12", len(got))
	}
}

// TestProgressRoundTrip records, saves and reads back a trainee's progress; Seen starts over once
// the whole set was done.
func TestProgressRoundTrip(t *testing.T) {
	file := ProgressPath(t.TempDir(), "ssh key/SHA256:ab+c")
	if filepath.Base(file) != "ssh_key_SHA256_ab_c.json" {
		t.Errorf("progress file name %s", filepath.Base(file))
	}
	p, err := LoadProgress(file, "u")
	if err != nil || len(p.Attempts) != 0 {
		t.Fatalf("a missing file: %v %v", p, err)
	}
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	p.Record(Result{Scenario: "s1", Cause: "backend.down", Right: true, Elapsed: 30 * time.Second, Given: Diagnosis{Cause: "backend.down"}}, at, 2)
	p.Record(Result{Scenario: "s3", Cause: "backend.down", Right: false, ConfidentWrong: true, Elapsed: 90 * time.Second, Given: Diagnosis{Cause: "network.path", Sure: true}}, at, 3)
	p.Record(Result{Scenario: "s2", Cause: "keepalive.race", Right: true, Elapsed: 10 * time.Second}, at, 2)
	if len(p.Seen) != 0 {
		t.Errorf("seen %v after the whole set of 2: want a new round", p.Seen)
	}
	if err := p.Save(file); err != nil {
		t.Fatal(err)
	}
	back, err := LoadProgress(file, "u")
	if err != nil {
		t.Fatal(err)
	}
	st := back.ByCause()
	if len(st) != 2 || st[0].Cause != "backend.down" || st[0].Tried != 2 || st[0].Right != 1 || st[0].ConfidentWrong != 1 || st[0].Median != time.Minute {
		t.Errorf("by cause %+v", st)
	}
	os.WriteFile(file, []byte("{not json"), 0o600)
	if _, err := LoadProgress(file, "u"); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("a damaged file: %v", err)
	}
}

// TestNeededStandsOut checks the shortest path of every bundled incident: its inputs are the
// incident's, none twice, and when it says they are enough, the symptom and they make the true
// cause stand out.
func TestNeededStandsOut(t *testing.T) {
	k := kb(t)
	for _, sc := range bundled(t) {
		needed, enough, err := Needed(context.Background(), k, sc)
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		for i, n := range needed {
			if !slices.Contains(sc.Inputs, n) || slices.Index(needed, n) != i {
				t.Errorf("%s: needed %v holds %s, not an input or twice", sc.Name, needed, n)
			}
		}
		if !enough {
			continue
		}
		sess, err := collectFS(context.Background(), k, sc, append([]string{SymptomFile}, needed...))
		if err != nil {
			t.Fatal(err)
		}
		if !standsOut(sess.Assess(), sc.Cause) {
			t.Errorf("%s: symptom + %v does not make %s stand out", sc.Name, needed, sc.Cause)
		}
	}
}

// TestSessionHidesTheFolder: the copies a trainee's panes read sit under a neutral name, and the
// truth and the lab's configuration are never offered.
func TestSessionHidesTheFolder(t *testing.T) {
	for _, sc := range bundled(t) {
		s, err := Start(kb(t), sc, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range s.Offered() {
			if err := s.Open(o.Name); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(o.Name, "truth") || strings.HasPrefix(o.Name, "config") {
				t.Errorf("%s offers %s", sc.Name, o.Name)
			}
		}
		for _, p := range s.Paths() {
			if strings.Contains(p, sc.Name) || strings.Contains(p, sc.Cause) {
				t.Errorf("%s: path %s names the incident", sc.Name, p)
			}
		}
		s.Close()
	}
}

// TestRankedPathFollowsTheSuggestions walks the next-check ranking on two incidents: the
// error-log scenario reads its logs, and each step names the check it followed.
func TestRankedPathFollowsTheSuggestions(t *testing.T) {
	k := kb(t)
	for _, sc := range bundled(t) {
		steps, err := RankedPath(context.Background(), k, sc)
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		if len(steps) > maxRankedSteps {
			t.Errorf("%s: %d steps", sc.Name, len(steps))
		}
		for _, s := range steps {
			if !strings.HasPrefix(s, "read ") && !strings.HasPrefix(s, "live check: ") {
				t.Errorf("%s: step %q names neither an input read nor a check", sc.Name, s)
			}
		}
		if sc.Name == "body.backend-closed" && (len(steps) == 0 || !strings.Contains(strings.Join(steps, " "), "read ")) {
			t.Errorf("%s: the ranking reads no input: %v", sc.Name, steps)
		}
	}
}

// TestOfferedGroupsTheSameTraffic: the files of one recording (lo and any, pcap and pcapng) are
// offered as one input, and none of them again once one was asked for.
func TestOfferedGroupsTheSameTraffic(t *testing.T) {
	var sc Scenario
	for _, s := range bundled(t) {
		if s.Name == "tunnel.forbidden.host-header" {
			sc = s
		}
	}
	s, err := Start(kb(t), sc, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, want := fmt.Sprint(s.Offered()), "[{any-v6.pcapng packet capture [lo-v6.pcap lo-v6.pcapng]} {any.pcapng packet capture [lo.pcap lo.pcapng]} {privoxy.log server log []}]"; got != want {
		t.Fatalf("offered %s, want %s", got, want)
	}
	if err := s.Open("lo.pcap"); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(s.Offered()), "[{any-v6.pcapng packet capture [lo-v6.pcap lo-v6.pcapng]} {privoxy.log server log []}]"; got != want {
		t.Fatalf("offered %s once lo.pcap was asked for, want %s", got, want)
	}
}

// TestCommitMissesNothingThatWouldNotSettleIt commits a diagnosis on every bundled incident after
// asking for the first input offered: what the debrief calls missed is never the same traffic as
// an input asked for, nothing is missed when the inputs asked for settle it, and when no recorded
// input settles it the inputs that raise the cause are not called a path that did.
func TestCommitMissesNothingThatWouldNotSettleIt(t *testing.T) {
	k := kb(t)
	for _, sc := range bundled(t) {
		s, err := Start(k, sc, nil)
		if err != nil {
			t.Fatal(err)
		}
		if o := s.Offered(); len(o) > 0 {
			if err := s.Open(o[0].Name); err != nil {
				t.Fatal(err)
			}
		}
		r, err := s.Commit(context.Background(), Diagnosis{Cause: sc.Cause})
		s.Close()
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		if (r.Settled || !r.Enough) && len(r.Missed) > 0 {
			t.Errorf("%s: the inputs asked for %v settle it (%v) or no input does (%v), yet %v are missed", sc.Name, r.Opened, r.Settled, !r.Enough, r.Missed)
		}
		for _, m := range r.Missed {
			for _, o := range r.Opened {
				if twins(s.same, m, o) {
					t.Errorf("%s: %s is missed, but %s, the same traffic, was asked for", sc.Name, m, o)
				}
			}
		}
	}
}
