package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hopscope/hopscope/internal/testenv"
	"github.com/hopscope/hopscope/lab"
)

// checkStateRoot keeps the scenarios these tests start apart from an operator's and the lab's.
const checkStateRoot = "/run/hopscope-check-test"

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

// e2eCase is one playbook cause reproduced by a lab scenario, and how the operator would check it.
type e2eCase struct {
	scenario string
	// args builds the check's arguments from the scenario's targets.
	args func(lab.Targets) []string
	// within bounds how long the check may take with default settings.
	within time.Duration
}

// gatewayArgs checks the target as a gateway configured with the scenario's proxy would, with
// credentials only when withCredentials; the lab's backend has a self-signed certificate.
func gatewayArgs(withCredentials bool) func(lab.Targets) []string {
	return func(tg lab.Targets) []string {
		args := []string{"--target", tg.Target, "--insecure"}
		if tg.Proxy != "" {
			args = append(args, "--proxy", tg.Proxy)
		}
		if withCredentials && tg.ProxyUser != "" {
			args = append(args, "--proxy-user", tg.ProxyUser+":"+tg.ProxyPassword)
		}
		return args
	}
}

var e2eCases = []e2eCase{
	{"tunnel.forbidden.acl", gatewayArgs(true), 10 * time.Second},
	{"tunnel.forbidden.host-header", gatewayArgs(true), 10 * time.Second},
	{"tunnel.proxy-auth", gatewayArgs(false), 10 * time.Second},
	{"tunnel.unavailable.dns", gatewayArgs(true), 20 * time.Second},
	{"tunnel.unavailable.backend-down", gatewayArgs(true), 10 * time.Second},
	{"tunnel.timeout", gatewayArgs(true), 40 * time.Second},
	{"tunnel.proxy-unreachable", gatewayArgs(true), 10 * time.Second},
	{"tls.handshake-timeout.firewall", gatewayArgs(true), 10 * time.Second},
	{"tls.handshake-timeout.server-stall", gatewayArgs(true), 10 * time.Second},
	{"tls.handshake-failure", gatewayArgs(true), 10 * time.Second},
	{"backend.tcp-unreachable", gatewayArgs(true), 10 * time.Second},
}

// TestCheckFindsPlaybookCauses brings up each scenario with its real servers and checks that
// `hopscope check --json` puts the scenario's cause first, in the time the operator can wait.
func TestCheckFindsPlaybookCauses(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts real servers")
	}
	testenv.RequireRoot(t)
	for _, tc := range e2eCases {
		t.Run(tc.scenario, func(t *testing.T) {
			tg, cause := startScenario(t, tc.scenario)
			rep, took, raw := runCheckAs(t, tg.Netns, tc.args(tg)...)
			if len(rep.Causes) == 0 || rep.Causes[0].ID != cause {
				t.Fatalf("leading cause %+v, want %s\n%s", rep.Causes[:min(3, len(rep.Causes))], cause, raw)
			}
			if took > tc.within {
				t.Errorf("the verdict took %s, want under %s", took.Round(time.Millisecond), tc.within)
			}
			t.Logf("%s: %.0f%% in %s", cause, 100*rep.Causes[0].Confidence, took.Round(time.Millisecond))
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
		t.Skipf("no lab scenario %s yet", name)
	}
	if err := lab.Check(sc); err != nil {
		testenv.Missing(t, "%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
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
