package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hopscope/hopscope/diagnose"
)

// trafficTimeout bounds one run of a scenario's client traffic.
const trafficTimeout = 90 * time.Second

// Recording is what Record wrote.
type Recording struct {
	// Dir is the folder holding truth.yaml, client.txt, captures, logs and config/.
	Dir string
	// Client and Client6 are what the client saw over IPv4 and IPv6 (redacted).
	Client, Client6 string
	// Files are the names written in Dir, captures first.
	Files []string
	// Targets are the recorded scenario's targets (its ports and addresses).
	Targets Targets
}

// Truth is truth.yaml: which scenario and cause a recording shows (testdata/scenarios/README.md).
type Truth struct {
	Scenario string `yaml:"scenario"`
	Cause    string `yaml:"cause"`
	Playbook string `yaml:"playbook"`
	Title    string `yaml:"title"`
	Story    string `yaml:"story"`
}

// Record brings the named scenario up, runs its failing traffic once over IPv4 (and once over
// IPv6 when the scenario serves it) while tcpdump records, and writes into dir: the captures
// (IFACE.pcap, IFACE.pcapng, any.pcapng in LINUX_SLL2, and -v6 variants), client.txt, the
// servers' logs, config/ and truth.yaml. The scenario is torn down before Record returns.
func Record(ctx context.Context, name, dir string) (*Recording, error) {
	return RecordIn(ctx, DefaultStateRoot, name, dir)
}

// RecordIn is Record with another state root.
func RecordIn(ctx context.Context, root, name, dir string) (rec *Recording, err error) {
	sc, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("lab: no scenario %q (hopscope lab list names them)", name)
	}
	if sc.Traffic == nil {
		return nil, errNoTraffic
	}
	probe := sc
	probe.Programs = append(append([]Program{}, sc.Programs...), recordPrograms...)
	probe.NeedsRoot = true
	if err := Check(probe); err != nil {
		return nil, err
	}
	// Files of an earlier recording would mix with this one's (a capture of another interface).
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("lab: %s is not empty: record into a new directory", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	l, err := StartIn(ctx, root, name)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := l.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	// The control's own requests are no part of the failure: what they add to the servers'
	// logs is cut out of the recorded logs (startup lines before it are kept).
	controlled := map[string][2]int64{}
	if sc.Control != nil {
		before := logSizes(l.Targets.Logs)
		if err := sc.Control(ctx, l); err != nil {
			return nil, fmt.Errorf("lab: %s: control check: %w", sc.Name, err)
		}
		// Let the servers write their log lines of the control's requests.
		time.Sleep(200 * time.Millisecond)
		after := logSizes(l.Targets.Logs)
		for lg, a := range before {
			controlled[lg] = [2]int64{a, after[lg]}
		}
	}
	rec = &Recording{Dir: dir, Targets: l.Targets}
	t := l.Targets
	rec.Client, err = l.recordPass(ctx, rec, "", false)
	if err != nil {
		return rec, err
	}
	if t.Target6 != "" || t.Proxy6 != "" {
		if rec.Client6, err = l.recordPass(ctx, rec, "-v6", true); err != nil {
			return rec, err
		}
	}
	client := "# IPv4\n" + rec.Client
	if rec.Client6 != "" {
		client += "\n# IPv6\n" + rec.Client6
	}
	if err := rec.write("client.txt", []byte(client)); err != nil {
		return rec, err
	}
	for _, lg := range t.Logs {
		b, err := os.ReadFile(lg)
		if err != nil {
			return rec, fmt.Errorf("lab: log %s: %w", lg, err)
		}
		if cut, ok := controlled[lg]; ok && cut[0] <= cut[1] && cut[1] <= int64(len(b)) {
			b = append(b[:cut[0]:cut[0]], b[cut[1]:]...)
		}
		// A daemon's captured standard error (NAME.out) is its log when it runs in the foreground.
		name := strings.TrimSuffix(filepath.Base(lg), ".out")
		if !strings.HasSuffix(name, ".log") {
			name += ".log"
		}
		if err := rec.write(name, []byte(diagnose.Redact(string(b)))); err != nil {
			return rec, err
		}
	}
	if err := copyDir(filepath.Join(l.Dir, "config"), filepath.Join(dir, "config")); err != nil {
		return rec, err
	}
	truth, err := yaml.Marshal(Truth{Scenario: sc.Name, Cause: sc.Cause, Playbook: sc.Playbook, Title: sc.Title, Story: sc.Story})
	if err != nil {
		return rec, err
	}
	return rec, rec.write("truth.yaml", truth)
}

// logSizes returns the current size of each log file (0 when it does not exist yet).
func logSizes(logs []string) map[string]int64 {
	m := make(map[string]int64, len(logs))
	for _, lg := range logs {
		if st, err := os.Stat(lg); err == nil {
			m[lg] = st.Size()
		}
	}
	return m
}

// recordPass captures one run of the traffic on each interface and converts the files.
func (l *Lab) recordPass(ctx context.Context, rec *Recording, suffix string, v6 bool) (string, error) {
	t := l.Targets
	ifaces := t.Capture
	if len(ifaces) == 0 {
		ifaces = []string{"lo", "any"}
	}
	var ports []int
	if t.Netns == "" {
		ports = t.Ports // the host's loopback carries other traffic too
	}
	var runs []*tcpdumpRun
	stopAll := func() error {
		var first error
		for _, r := range runs {
			if err := r.stop(); err != nil && first == nil {
				first = err
			}
		}
		runs = nil
		return first
	}
	defer stopAll()
	for _, iface := range ifaces {
		pcap, _ := captureNames(rec.Dir, iface, suffix)
		r, err := startTcpdump(ctx, t.Netns, iface, pcap, ports)
		if err != nil {
			return "", err
		}
		runs = append(runs, r)
	}
	tctx, cancel := context.WithTimeout(ctx, trafficTimeout)
	text, terr := l.Scenario.Traffic(tctx, l, v6)
	cancel()
	// Let the last segments (FIN, RST, retransmissions) reach the capture: at least 300 ms, then
	// until the capture files stop growing (tcpdump -U writes each packet as it takes it), at
	// most 3 s on a machine too loaded to keep up.
	time.Sleep(300 * time.Millisecond)
	waitQuiet(runs, 200*time.Millisecond, 3*time.Second)
	if err := stopAll(); err != nil {
		return "", err
	}
	if terr != nil {
		return "", fmt.Errorf("lab: %s traffic: %w", l.Scenario.Name, terr)
	}
	for _, iface := range ifaces {
		pcap, pcapng := captureNames(rec.Dir, iface, suffix)
		if err := toPcapng(ctx, pcap, pcapng); err != nil {
			return "", err
		}
		if iface == "any" {
			// any.pcapng carries the LINUX_SLL2 frames; one copy of them is enough.
			if err := os.Remove(pcap); err != nil {
				return "", fmt.Errorf("lab: %w", err)
			}
		} else {
			rec.Files = append(rec.Files, filepath.Base(pcap))
		}
		rec.Files = append(rec.Files, filepath.Base(pcapng))
	}
	return diagnose.Redact(text), nil
}

func (r *Recording) write(name string, b []byte) error {
	if err := os.WriteFile(filepath.Join(r.Dir, name), b, 0o644); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	r.Files = append(r.Files, name)
	return nil
}

// copyDir copies a directory tree of regular files.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
}

// waitQuiet waits until none of the runs' capture files has grown for quiet, or until limit.
func waitQuiet(runs []*tcpdumpRun, quiet, limit time.Duration) {
	size := func() int64 {
		var n int64
		for _, r := range runs {
			if st, err := os.Stat(r.file); err == nil {
				n += st.Size()
			}
		}
		return n
	}
	deadline := time.Now().Add(limit)
	last, since := size(), time.Now()
	for time.Now().Before(deadline) && time.Since(since) < quiet {
		time.Sleep(50 * time.Millisecond)
		if n := size(); n != last {
			last, since = n, time.Now()
		}
	}
}
