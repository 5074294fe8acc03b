package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hopscope/hopscope/internal/testenv"
	"github.com/hopscope/hopscope/lab"
)

// checkStateRoot keeps the scenarios these tests start apart from an operator's, the lab's, and
// those of another run of these tests on the same machine (which would take them down).
var checkStateRoot = fmt.Sprintf("/run/hopscope-check-test-%d", os.Getpid())

// TestHelperHopscope is not a test: run by the end-to-end tests as a child process (so that
// `ip netns exec` can put it inside a scenario's namespace), it is the hopscope command.
func TestHelperHopscope(t *testing.T) {
	if os.Getenv("HOPSCOPE_HELPER_MAIN") != "1" {
		return
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Args = append([]string{"hopscope"}, args...)
	main()
	os.Exit(0)
}

// checkReport is the part of the --json contract the end-to-end tests read.
type checkReport struct {
	Causes []struct {
		ID         string  `json:"id"`
		Confidence float64 `json:"confidence"`
	} `json:"causes"`
	Evidence []struct {
		Signal string `json:"signal"`
		Detail string `json:"detail"`
	} `json:"evidence"`
}

// runCheckAs runs `hopscope check --json args…` as a child process, inside netns when not empty,
// and returns the report and how long it took.
func runCheckAs(t *testing.T, netns string, args ...string) (checkReport, time.Duration, string) {
	t.Helper()
	argv := append([]string{os.Args[0], "-test.run=^TestHelperHopscope$", "--", "check", "--json"}, args...)
	if netns != "" {
		argv = append([]string{"ip", "netns", "exec", netns}, argv...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "HOPSCOPE_HELPER_MAIN=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("hopscope check %q: %v\n%s", args, err, stderr.String())
	}
	var rep checkReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("hopscope check %q: %v\n%s", args, err, out)
	}
	return rep, took, string(out)
}

// e2eCauses are the causes whose scenarios `hopscope check` must diagnose on its own, and how
// long the operator may wait for the verdict with default settings.
var e2eCauses = map[string]time.Duration{
	"tunnel.forbidden.acl":               10 * time.Second,
	"tunnel.forbidden.host-header":       10 * time.Second,
	"tunnel.proxy-auth":                  10 * time.Second,
	"tunnel.unavailable.dns":             10 * time.Second,
	"tunnel.unavailable.backend-down":    10 * time.Second,
	"tunnel.timeout":                     10 * time.Second,
	"tunnel.proxy-unreachable":           10 * time.Second,
	"tls.handshake-timeout.firewall":     10 * time.Second,
	"tls.handshake-timeout.server-stall": 10 * time.Second,
	"tls.handshake-failure":              10 * time.Second,
	"backend.tcp-unreachable":            10 * time.Second,
}

// gatewayArgs checks the scenario's target as the gateway in front of it would: through the
// scenario's proxy, with the credentials the gateway is configured with (none when the scenario
// is about missing ones), offering no TLS version above the scenario's TLSMax. The lab's
// backends have self-signed certificates. The Host header the gateway sends is added by the
// caller (--connect-host), for a second run beside the one that compares both names itself.
func gatewayArgs(tg lab.Targets, cause string) []string {
	args := []string{"--target", tg.Target, "--insecure"}
	if tg.Proxy != "" {
		args = append(args, "--proxy", tg.Proxy)
	}
	if tg.TLSMax != "" {
		args = append(args, "--tls-max", tg.TLSMax)
	}
	if tg.ProxyUser != "" && cause != "tunnel.proxy-auth" {
		args = append(args, "--proxy-user", tg.ProxyUser+":"+tg.ProxyPassword)
	}
	return args
}

// e2eScenarios lists the scenarios to run: every lab scenario of a cause in e2eCauses, and this
// file's own for causes the lab lacks.
func e2eScenarios() (names []string) {
	covered := map[string]bool{}
	for _, sc := range lab.All() {
		if _, ok := e2eCauses[sc.Cause]; ok {
			names = append(names, sc.Name)
			covered[sc.Cause] = true
		}
	}
	for cause := range e2eCauses {
		if !covered[cause] {
			names = append(names, cause)
		}
	}
	sort.Strings(names)
	return names
}

// TestCheckFindsPlaybookCauses brings up each scenario with its real servers and checks that
// `hopscope check --json` puts the scenario's cause first, in the time the operator can wait.
func TestCheckFindsPlaybookCauses(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts real servers")
	}
	testenv.RequireRoot(t)
	t.Cleanup(func() { _ = os.Remove(checkStateRoot) }) // empty once every scenario is down
	for _, name := range e2eScenarios() {
		t.Run(name, func(t *testing.T) {
			tg, cause := startScenario(t, name)
			runs := [][]string{gatewayArgs(tg, cause)}
			if tg.HostHeader != "" {
				// As the gateway is configured: its own Host header, which check compares with
				// the target's name.
				runs = append(runs, append(gatewayArgs(tg, cause), "--connect-host", tg.HostHeader))
			}
			for _, args := range runs {
				rep, took, raw := runCheckAs(t, tg.Netns, args...)
				if len(rep.Causes) == 0 || rep.Causes[0].ID != cause {
					t.Fatalf("%q: leading cause %+v, want %s\n%s", args, rep.Causes[:min(3, len(rep.Causes))], cause, raw)
				}
				if within := e2eCauses[cause]; took > within {
					t.Errorf("%q: the verdict took %s, want under %s", args, took.Round(time.Millisecond), within)
				}
				t.Logf("%s: %.0f%% in %s", cause, 100*rep.Causes[0].Confidence, took.Round(time.Millisecond))
			}
		})
	}
}

// startScenario brings a scenario up (from the lab package, or from this file's own helpers for
// the ones the lab lacks) and returns its targets and the cause it reproduces.
func startScenario(t *testing.T, name string) (lab.Targets, string) {
	t.Helper()
	sc, ok := lab.Lookup(name)
	if !ok {
		if up, ok := localScenarios[name]; ok {
			return up(t), name
		}
		t.Fatalf("no lab scenario reproduces %s", name)
	}
	if err := lab.Check(sc); err != nil {
		testenv.Missing(t, "%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// A run killed before its cleanup leaves the scenario up: take it down first.
	if err := lab.DownIn(checkStateRoot, name); err != nil && !errors.Is(err, lab.ErrNotUp) {
		t.Logf("taking down what an earlier run left: %v", err)
	}
	l, err := lab.StartIn(ctx, checkStateRoot, name)
	if err != nil {
		t.Fatalf("lab: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("lab close: %v", err)
		}
	})
	return l.Targets, sc.Cause
}

// localScenarios start the real servers of scenarios the lab package does not have.
var localScenarios = map[string]func(*testing.T) lab.Targets{}
