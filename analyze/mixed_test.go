package analyze

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hopscope/hopscope/diagnose"
)

// The lab's recordings of incidents as they come, from real Privoxy and openssl s_server:
// failures beside successes on one hop, three faults on three hops, healthy traffic alone.
func TestMixedRecordings(t *testing.T) {
	type hopWant struct {
		role           diagnose.HopRole
		failed, worked int
		cause, signal  string
	}
	for _, c := range []struct {
		dir  string
		hops []hopWant // the failing hops, worst first
	}{
		{"tunnel.forbidden.host-header.mixed", []hopWant{{diagnose.HopForwardProxy, 3, 3, "tunnel.forbidden.host-header", "proxy.host-header.only-proxy-name-refused"}}},
		{"tls.handshake-failure.version.mixed", []hopWant{{diagnose.HopDirect, 3, 3, "tls.handshake-failure", "hop.contrast.tls-version"}}},
		{"incident.three-hops", []hopWant{
			{diagnose.HopForwardProxy, 4, 0, "tunnel.forbidden.host-header", "proxy.connect.status.403"},
			{diagnose.HopDirect, 3, 0, "tls.handshake-failure", "tls.alert.received"},
			{diagnose.HopDirect, 2, 0, "backend.tcp-unreachable", "tcp.connect.refused"},
		}},
		{"healthy.tunnel-and-tls", nil},
	} {
		caps, _ := filepath.Glob(filepath.Join("..", "testdata", "mixed", c.dir, "*.pcap*"))
		if len(caps) == 0 {
			t.Fatalf("%s: no recording (hopscope lab record %s testdata/mixed/%s)", c.dir, c.dir, c.dir)
		}
		for _, path := range caps {
			t.Run(c.dir+"/"+filepath.Base(path), func(t *testing.T) {
				s, inputs, err := Run(context.Background(), kb(t), []string{path}, nil, Options{})
				if err != nil {
					t.Fatal(err)
				}
				r := s.Report(inputs)
				var failing []diagnose.ReportHop
				for _, h := range r.Hops {
					if h.Verdict == "failing" {
						failing = append(failing, h)
					}
				}
				if len(failing) != len(c.hops) {
					t.Fatalf("%d failing hops %+v, want %d", len(failing), failing, len(c.hops))
				}
				if c.hops == nil {
					if r.Verdict != "healthy" || r.Causes[0].Confidence > 0.5 {
						t.Errorf("verdict %q, %s at %.2f: want healthy and no cause above 0.5", r.Verdict, r.Causes[0].ID, r.Causes[0].Confidence)
					}
					return
				}
				for i, w := range c.hops {
					h := failing[i]
					if h.Role != string(w.role) || h.Failed != w.failed || h.Worked != w.worked || h.Causes[0].ID != w.cause {
						t.Errorf("hop %d: %s %s %d failed %d worked ⇒ %s; want %s %d failed %d worked ⇒ %s",
							i, h.Role, h.Hop, h.Failed, h.Worked, h.Causes[0].ID, w.role, w.failed, w.worked, w.cause)
					}
					if !slices.ContainsFunc(h.Evidence, func(e diagnose.ReportEvidence) bool { return e.Signal == w.signal }) {
						t.Errorf("hop %d (%s): no %s in its evidence", i, h.Hop, w.signal)
					}
				}
				if r.Causes[0].ID != c.hops[0].cause {
					t.Errorf("causes lead with %s, want the worst hop's %s", r.Causes[0].ID, c.hops[0].cause)
				}
			})
		}
	}
}

// Every recorded scenario keeps its top cause when attempts that worked are added to its failing
// hops before the failures began: like the hop's own working attempts when it has some (ordinary
// traffic), otherwise the very requests that failed, features and all. The successes are the
// control group; they never cancel what the failures show.
func TestHealthyAttemptsKeepTheCause(t *testing.T) {
	dirs, _ := filepath.Glob("../testdata/scenarios/*/truth.yaml")
	if len(dirs) == 0 {
		t.Fatal("no recorded scenarios in testdata/scenarios")
	}
	for _, truthPath := range dirs {
		dir := filepath.Dir(truthPath)
		var truth struct{ Cause string }
		b, err := os.ReadFile(truthPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &truth); err != nil {
			t.Fatal(err)
		}
		_, blind := packetBlind[truth.Cause]
		if _, ok := packetBlind[filepath.Base(dir)]; ok || blind {
			continue
		}
		caps, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
		for _, path := range caps {
			if !strings.HasSuffix(path, "lo.pcap") && !strings.HasSuffix(path, "eth0.pcap") {
				continue // one capture a scenario is enough here
			}
			t.Run(filepath.Base(dir)+"/"+filepath.Base(path), func(t *testing.T) {
				s, _, err := Run(context.Background(), kb(t), []string{path}, nil, Options{})
				if err != nil {
					t.Fatal(err)
				}
				a := s.Assess()
				before := a.Causes[0].Cause.ID
				if before != truth.Cause {
					t.Skipf("the capture alone ranks %s first (TestRecordedCaptures says why)", before)
				}
				added := 0
				for _, v := range a.Hops {
					h := v.Hop
					if len(h.Failing) == 0 {
						continue
					}
					like := h.Failing
					if len(h.Working) > 0 {
						like = h.Working
					}
					for i := range 10 {
						ok := like[i%len(like)]
						ok.Failed, ok.Phase, ok.Detail = false, "", ""
						ok.Signals = []string{"tcp.connect.ok"}
						ok.Key = 0
						ok.At = h.FirstFail.Add(-time.Duration(10-i) * time.Second)
						s.AddAttempt(ok)
						added++
					}
				}
				if added == 0 {
					t.Fatal("no failing hop to add working attempts to")
				}
				after := s.Assess()
				if got := after.Causes[0].Cause.ID; got != before {
					t.Errorf("top cause %s (%.2f) after %d working attempts were added, was %s", got, after.Causes[0].Confidence, added, before)
				}
			})
		}
	}
}

// One connection captured at both ends of a hop (the lab's firewall that drops the ClientHello,
// tcpdump in the client's and in the server's namespace): both captures are read, the
// connection is one attempt, and the bytes the client side sent and the server side never saw
// are named.
func TestTwoSidesOfAHop(t *testing.T) {
	dir := filepath.Join("..", "testdata", "mixed", "tls.handshake-timeout.firewall.two-sides")
	paths := []string{filepath.Join(dir, "gateway.pcap"), filepath.Join(dir, "backend.pcap")}
	s, inputs, err := Run(context.Background(), kb(t), paths, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		if in.Kind != "pcap" {
			t.Errorf("input %s read as %s %v: the other end of a hop is no copy of this one", in.Path, in.Kind, in.Warnings)
		}
	}
	r := s.Report(inputs)
	if len(r.Hops) != 1 || r.Hops[0].Failed != 1 || r.Hops[0].Worked != 0 {
		t.Fatalf("hops %+v, want one hop with the one connection, failed", r.Hops)
	}
	if len(r.Hops[0].Lost) != 1 || !strings.Contains(r.Hops[0].Lost[0], "client → server: 517 bytes seen in "+paths[0]) ||
		!strings.Contains(r.Hops[0].Lost[0], "only 0 of them in "+paths[1]) {
		t.Errorf("lost %q, want the ClientHello's 517 bytes seen on the gateway's side only", r.Hops[0].Lost)
	}
	if r.Causes[0].ID != "tls.handshake-timeout.firewall" {
		t.Errorf("top cause %s, want tls.handshake-timeout.firewall", r.Causes[0].ID)
	}
}
