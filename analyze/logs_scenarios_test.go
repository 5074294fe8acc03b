package analyze

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// mustRankFirst holds the causes whose recorded server logs alone must put them first. For the
// other scenarios (a TLS firewall against a stalled server, say) the logs cannot tell, and the
// test only checks that they are read.
var mustRankFirst = map[string]bool{
	"backend.down":         true,
	"backend.overloaded":   true,
	"body.backend-closed":  true,
	"body.backend-stalled": true,
	"keepalive.race":       true,
	"request.pattern":      true,
	// Refused and unanswered connects on one backend, whatever the proxy: stable from run to run.
	"network.path": true,
	// squid's access log tells these apart by status, result code and how long the connect took.
	"tunnel.forbidden.acl":            true,
	"tunnel.proxy-auth":               true,
	"tunnel.timeout":                  true,
	"tunnel.unavailable.backend-down": true,
	"tunnel.unavailable.dns":          true,
}

// rankGaps lists runs (scenario, or scenario+capture) whose true cause is not ranked first yet,
// with why; the test logs them instead of failing.
var rankGaps = map[string]string{}

// logScenario is one recorded incident with server logs.
type logScenario struct {
	name, cause string
	logs        []string // the files sniffLog claims
	capture     string   // a capture of the same incident, if any
}

// logScenarios lists the lab's recordings (testdata/scenarios/NAME with truth.yaml) and the
// reverse-proxy recordings of diagnose/logs (testdata/scenarios/CAUSE/PROXY).
func logScenarios(t *testing.T) []logScenario {
	t.Helper()
	var out []logScenario
	lab, _ := filepath.Glob(filepath.Join("..", "testdata", "scenarios", "*", "truth.yaml"))
	for _, truth := range lab {
		dir := filepath.Dir(truth)
		b, err := os.ReadFile(truth)
		if err != nil {
			t.Fatal(err)
		}
		var tr struct {
			Cause string `yaml:"cause"`
		}
		if err := yaml.Unmarshal(b, &tr); err != nil {
			t.Fatalf("%s: %v", truth, err)
		}
		sc := logScenario{name: filepath.Base(dir), cause: tr.Cause, logs: claimedLogs(t, dir)}
		for _, c := range []string{"lo.pcap", "lo.pcapng", "any.pcapng"} {
			if fileExists(filepath.Join(dir, c)) {
				sc.capture = filepath.Join(dir, c)
				break
			}
		}
		if len(sc.logs) > 0 {
			out = append(out, sc)
		}
	}
	own, _ := filepath.Glob(filepath.Join("..", "diagnose", "logs", "testdata", "scenarios", "*", "*"))
	for _, dir := range own {
		cause := filepath.Base(filepath.Dir(dir))
		sc := logScenario{name: cause + "/" + filepath.Base(dir), cause: cause, logs: claimedLogs(t, dir)}
		if c := filepath.Join(dir, "lo.pcap.gz"); fileExists(c) {
			sc.capture = c
		}
		out = append(out, sc)
	}
	return out
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// claimedLogs returns the files of dir (not its sub-folders) that are server logs.
func claimedLogs(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := sniffLog(b[:min(len(b), sniffSize)], Options{}); ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func TestRecordedLogsRankTheTrueCause(t *testing.T) {
	scenarios := logScenarios(t)
	seen := map[string]bool{}
	for _, sc := range scenarios {
		seen[sc.cause] = true
		t.Run(sc.name, func(t *testing.T) {
			rankFirst(t, sc, sc.logs)
		})
		if sc.capture == "" {
			continue
		}
		t.Run(sc.name+"+capture", func(t *testing.T) {
			rankFirst(t, sc, append([]string{sc.capture}, sc.logs...))
		})
	}
	for cause := range mustRankFirst {
		if !seen[cause] {
			t.Errorf("no recorded logs for %s", cause)
		}
	}
}

func rankFirst(t *testing.T, sc logScenario, paths []string) {
	t.Helper()
	s, inputs, err := Run(context.Background(), kb(t), paths, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		for _, w := range in.Warnings {
			if strings.Contains(w, "binary") {
				t.Errorf("%s: %s", in.Path, w)
			}
		}
	}
	r := s.Report(inputs)
	var top []string
	for _, c := range r.Causes[:3] {
		top = append(top, c.ID)
	}
	if !mustRankFirst[sc.cause] {
		t.Logf("%s: logs rank %v (true cause %s)", sc.name, top, sc.cause)
		return
	}
	if r.Causes[0].ID != sc.cause {
		if gap, ok := rankGaps[t.Name()[strings.LastIndex(t.Name(), "/")+1:]]; ok {
			t.Logf("known gap: first causes %v, want %s: %s", top, sc.cause, gap)
			return
		}
		t.Fatalf("%v: first causes %v, want %s first", paths, top, sc.cause)
	}
}
