package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hopscope/hopscope/internal/testenv"
)

func TestReversePlans(t *testing.T) {
	tests := []struct {
		name  string
		plan  []httpRequest
		check func([]httpRequest) string
	}{
		{"keep-alive pauses outlast the backend's 1 s idle timeout", keepalivePlan(postAfterOddPauses), func(p []httpRequest) string {
			long := 0
			for i := 1; i < len(p); i++ {
				if gap := p[i].At - p[i-1].At; gap > time.Second {
					long++
				} else if gap > 500*time.Millisecond {
					return "a gap close to the idle timeout makes the outcome a coin toss"
				}
			}
			if long != 3 {
				return "want three pauses"
			}
			return ""
		}},
		{"every fourth request asks for the failing URL", patternPlan(), func(p []httpRequest) string {
			for i, r := range p {
				if strings.HasPrefix(r.Path, exportPath) != (i%4 == 3) {
					return "request " + r.Path + " out of place"
				}
			}
			return ""
		}},
		{"bursts and calm requests", overloadPlan(3 * time.Second), func(p []httpRequest) string {
			bursts, calm := 0, 0
			for _, r := range p {
				switch {
				case strings.HasPrefix(r.Path, "/burst-"):
					bursts++
				case strings.HasPrefix(r.Path, "/calm/"):
					calm++
				}
			}
			if bursts != 24 || calm != 6 {
				return "want 24 burst and 6 calm requests"
			}
			return ""
		}},
		{"uploads interleave with GETs, in time order", uploadPlan(3, time.Second, 12), func(p []httpRequest) string {
			posts, lastPost, lastGet := 0, time.Duration(0), time.Duration(0)
			for i, r := range p {
				if i > 0 && r.At < p[i-1].At {
					return "want time order"
				}
				if r.Method == "POST" {
					posts++
					lastPost = r.At
					if r.Body != uploadSize {
						return "uploads must carry the body"
					}
				} else {
					lastGet = r.At
				}
			}
			if posts != 3 || len(p) != 15 || lastGet < lastPost+3*time.Second {
				return "want 3 uploads and 12 GETs lasting past the proxy's 3 s timeout of the last upload"
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if msg := tt.check(tt.plan); msg != "" {
				t.Errorf("%s: %+v", msg, tt.plan)
			}
		})
	}
}

// TestReverseConfigs checks that the generated configurations are accepted by the real
// servers' syntax check and proxy each address family to its own backend address.
func TestReverseConfigs(t *testing.T) {
	dir := t.TempDir()
	ap := apacheConf("x", dir, filepath.Join(dir, "e.log"), filepath.Join(dir, "a.log"),
		apacheConfig{Params: "timeout=3", Extra: "SetEnv proxy-nokeepalive 1", OneChild: true})
	ng := nginxConf("x", dir, filepath.Join(dir, "ne.log"), filepath.Join(dir, "na.log"), nginxConfig{Keepalive: 4})
	for _, want := range []string{`ProxyPass "/" "http://127.0.0.1:9000/" timeout=3`, `ProxyPass "/" "http://[::1]:9000/" timeout=3`,
		"<VirtualHost [::1]:8080>", "    SetEnv proxy-nokeepalive 1", "ServerLimit 1"} {
		if !strings.Contains(ap, want) {
			t.Errorf("apache2.conf lacks %q:\n%s", want, ap)
		}
	}
	for _, want := range []string{"server 127.0.0.1:9000;", "server [::1]:9000;", "listen [::1]:8080;", "keepalive 4;"} {
		if !strings.Contains(ng, want) {
			t.Errorf("nginx.conf lacks %q:\n%s", want, ng)
		}
	}
	for _, tc := range []struct {
		prog, conf string
		argv       []string
	}{
		{"apache2", ap, []string{"-t", "-f"}},
		{"nginx", ng, []string{"-t", "-e", filepath.Join(dir, "ne.log"), "-c"}},
	} {
		t.Run(tc.prog, func(t *testing.T) {
			testenv.RequireCommand(t, tc.prog)
			if tc.prog == "nginx" {
				// nginx -t creates its temp directories and opens its logs: root only.
				testenv.RequireRoot(t)
			}
			p := filepath.Join(dir, tc.prog+".conf")
			if err := os.WriteFile(p, []byte(tc.conf), 0o644); err != nil {
				t.Fatal(err)
			}
			path, _ := LookPath(tc.prog)
			out, err := exec.Command(path, append(tc.argv, p)...).CombinedOutput()
			if err != nil {
				t.Errorf("%s rejects its configuration: %v\n%s", tc.prog, err, out)
			}
		})
	}
}

// TestReverseRecordings checks the committed recordings of the reverse-proxy scenarios still
// show their causes, with the same checks as a live run (no root needed, tshark is).
func TestReverseRecordings(t *testing.T) {
	testenv.RequireCommand(t, "tshark")
	for _, sc := range reverseProxyScenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			dir := filepath.Join("..", "testdata", "scenarios", sc.Name)
			if _, err := os.Stat(filepath.Join(dir, "truth.yaml")); err != nil {
				t.Fatalf("no recording of %s: %v (hopscope lab record %s %s)", sc.Name, err, sc.Name, dir)
			}
			truth, err := os.ReadFile(filepath.Join(dir, "truth.yaml"))
			if err != nil || !strings.Contains(string(truth), "cause: "+sc.Cause+"\n") {
				t.Errorf("truth.yaml does not name cause %s: %v\n%s", sc.Cause, err, truth)
			}
			if err := sc.Verify(&Recording{Dir: dir}); err != nil {
				t.Errorf("the recording does not show %s: %v", sc.Cause, err)
			}
		})
	}
}

// TestKeepaliveFix runs keepalive.race's traffic against the same backend with the playbook's
// fix in Apache's configuration (SetEnv proxy-nokeepalive 1): every request must now succeed,
// which shows the failures of the scenario come from reusing idle connections.
func TestKeepaliveFix(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "apache2", "ip")
	sc, ok := Lookup("keepalive.race")
	if !ok {
		t.Fatal("no keepalive.race scenario")
	}
	sc.Name = "keepalive.race.fixed-test"
	spec := keepaliveSpec
	spec.Apache.Extra = "SetEnv proxy-nokeepalive 1"
	dir, err := os.MkdirTemp("", "hopscope-lab-test-")
	if err != nil {
		t.Fatal(err)
	}
	l := &Lab{Scenario: sc, Dir: dir, st: state{Scenario: sc.Name}, procs: map[int]*Process{}}
	for _, sub := range []string{"config", "log"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	defer func() {
		if err := l.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if _, err := os.Stat(filepath.Join("/run/netns", netnsPrefix(sc.Name)+"rp")); err == nil {
			t.Errorf("namespace %srp left behind", netnsPrefix(sc.Name))
		}
	}()
	if l.Targets, err = spec.up(ctx, l); err != nil {
		t.Fatal(err)
	}
	text, err := httpTraffic(keepalivePlan(allGET))(ctx, l, false)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d × answered 200 OK", len(keepalivePlan(allGET)))
	if !strings.Contains(text, want) {
		log, _ := os.ReadFile(l.LogPath("apache-error.log"))
		t.Errorf("with proxy-nokeepalive the client saw:\n%s\nwant %q; apache-error.log:\n%s", text, want, log)
	}
}
