package lab

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// readRec reads a file of a recording.
func (r *Recording) readRec(name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(r.Dir, name))
	if err != nil {
		return "", fmt.Errorf("recording: %w", err)
	}
	return string(b), nil
}

// expectContains checks that each of a recording's files holds every string in want.
func (r *Recording) expectContains(files []string, want ...string) error {
	for _, f := range files {
		s, err := r.readRec(f)
		if err != nil {
			return err
		}
		for _, w := range want {
			if !strings.Contains(s, w) {
				return fmt.Errorf("recording: %s lacks %q", f, w)
			}
		}
	}
	return nil
}

// expectBytes checks that a capture file holds the bytes of each string (e.g. a status line
// carried in a TCP payload); a cheap check that needs no packet decoder.
func (r *Recording) expectBytes(file string, want ...string) error {
	b, err := os.ReadFile(filepath.Join(r.Dir, file))
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	for _, w := range want {
		if !bytes.Contains(b, []byte(w)) {
			return fmt.Errorf("recording: %s has no %q", file, w)
		}
	}
	return nil
}

// tshark runs tshark on a capture of the recording with a display filter and returns the
// selected fields, one line per packet.
func (r *Recording) tshark(file, filter string, fields ...string) ([]string, error) {
	args := []string{"-n", "-r", filepath.Join(r.Dir, file), "-Y", filter, "-T", "fields"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	path, err := LookPath("tshark")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // tshark warns there when run as root
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("tshark %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	out := string(b)
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines, nil
}

// expectPackets checks that a display filter matches at least min packets in a capture.
func (r *Recording) expectPackets(file, filter string, min int) error {
	lines, err := r.tshark(file, filter, "frame.number")
	if err != nil {
		return err
	}
	if len(lines) < min {
		return fmt.Errorf("recording: %s: %d packets match %q, want at least %d", file, len(lines), filter, min)
	}
	return nil
}

// captures lists the capture files of a recording.
func (r *Recording) captures() []string {
	var cs []string
	for _, f := range r.Files {
		if strings.HasSuffix(f, ".pcap") || strings.HasSuffix(f, ".pcapng") {
			cs = append(cs, f)
		}
	}
	return cs
}

// Leftovers lists what a scenario left behind under root: its state directory, its network
// namespaces and /etc/netns entries, and processes whose command line names its state
// directory (every daemon's configuration lives there). Empty means clean.
func Leftovers(root, name string) []string {
	var left []string
	dir := filepath.Join(root, stateDirName(name))
	if _, err := os.Stat(dir); err == nil {
		left = append(left, "state directory "+dir)
	}
	prefix := netnsPrefix(dir)
	for _, d := range []string{"/run/netns", "/etc/netns"} {
		ents, _ := os.ReadDir(d)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), prefix) {
				left = append(left, filepath.Join(d, e.Name()))
			}
		}
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte(dir+"/")) {
			continue
		}
		if st, _, ok := procStat(atoi(filepath.Base(filepath.Dir(p)))); ok && st != 'Z' {
			left = append(left, "process "+filepath.Dir(p)+": "+strings.ReplaceAll(string(bytes.TrimRight(b, "\x00")), "\x00", " "))
		}
	}
	return left
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// expectOutcome checks that every attempt, over IPv4 and IPv6, ended with an outcome holding
// want (transcript's summary lines "N × OUTCOME").
func (r *Recording) expectOutcome(want string) error {
	for _, c := range []string{r.Client, r.Client6} {
		if c == "" {
			continue
		}
		i := strings.LastIndex(c, " attempts\n")
		if i < 0 {
			return fmt.Errorf("recording: client transcript has no summary")
		}
		for _, line := range strings.Split(strings.TrimSpace(c[i+len(" attempts\n"):]), "\n") {
			if !strings.Contains(line, want) {
				return fmt.Errorf("recording: client saw %q, want every attempt to show %q", line, want)
			}
		}
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// expectNoPackets checks that a display filter matches no packet in a capture.
func (r *Recording) expectNoPackets(file, filter string) error {
	lines, err := r.tshark(file, filter, "frame.number")
	if err != nil {
		return err
	}
	if len(lines) > 0 {
		return fmt.Errorf("recording: %s: %d packets match %q, want none (first: frame %s)", file, len(lines), filter, lines[0])
	}
	return nil
}

// serverPort returns the port the first SYN of a capture was sent to.
func (r *Recording) serverPort(file string) (string, error) {
	lines, err := r.tshark(file, "tcp.flags.syn == 1 && tcp.flags.ack == 0", "tcp.dstport")
	if err != nil {
		return "", err
	}
	if len(lines) == 0 {
		return "", fmt.Errorf("recording: %s has no SYN", file)
	}
	return lines[0], nil
}

// LoadRecording reads a recording made by Record (testdata/scenarios/NAME) for Verify: what
// the client saw over IPv4 and IPv6 (client.txt) and the files present.
func LoadRecording(dir string) (*Recording, error) {
	rec := &Recording{Dir: dir}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	for _, e := range ents {
		if !e.IsDir() {
			rec.Files = append(rec.Files, e.Name())
		}
	}
	client, err := rec.readRec("client.txt")
	if err != nil {
		return nil, err
	}
	v4, v6, _ := strings.Cut(client, "\n# IPv6\n")
	rec.Client = strings.TrimPrefix(v4, "# IPv4\n")
	rec.Client6 = v6
	return rec, nil
}
