package analyze

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hopscope/hopscope/diagnose"
)

// The lab's recording of Apache httpd with a dead and a live backend (/api/ routed to a port
// where nothing listens, the rest to a backend that answers), read from its logs alone: the dead
// backend's hop fails with backend.down on every attempt, and the requests that worked, served by
// a backend the logs never name, make a healthy front hop and no failing one. With the capture
// beside the logs, the connections both saw are counted once.
func TestLogsAloneGiveAVerdictPerHop(t *testing.T) {
	dir := filepath.Join("..", "testdata", "mixed", "backend.down.two-backends")
	logsOnly := []string{filepath.Join(dir, "apache-error.log"), filepath.Join(dir, "apache-access.log")}
	for _, c := range []struct {
		name  string
		paths []string
		// frontWorked is how many requests that worked only the logs saw (on the front proxy
		// hop): lo.pcap holds the IPv4 run, lo-v6.pcap the IPv6 one.
		frontWorked int
	}{
		{"logs", logsOnly, 36},
		{"logs reversed", []string{logsOnly[1], logsOnly[0]}, 36},
		{"logs+capture", append([]string{filepath.Join(dir, "lo.pcap")}, logsOnly...), 18},
		{"logs+both captures", append(slices.Clone(logsOnly), filepath.Join(dir, "lo.pcap"), filepath.Join(dir, "lo-v6.pcap")), 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, inputs, err := Run(context.Background(), kb(t), c.paths, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := s.Report(inputs)
			hops := map[string]diagnose.ReportHop{}
			for _, h := range r.Hops {
				hops[h.Hop] = h
			}
			dead, ok := hops["backend 127.0.0.1:9001"]
			if !ok {
				t.Fatalf("no hop for the dead backend among %+v", r.Hops)
			}
			// Twelve requests under /api/ (six a run, two runs), twelve AH00957 lines.
			if dead.Role != string(diagnose.HopReverseProxy) || dead.Verdict != "failing" || dead.Failed != 12 || dead.Worked != 0 ||
				dead.Causes[0].ID != "backend.down" {
				t.Errorf("dead backend's hop: %s %s, %d failed %d worked, %s first; want reverse-proxy-backend failing, 12 failed 0 worked, backend.down",
					dead.Role, dead.Verdict, dead.Failed, dead.Worked, dead.Causes[0].ID)
			}
			if r.Causes[0].ID != "backend.down" || r.Verdict != "failing" {
				t.Errorf("incident: %s, %s first; want failing, backend.down", r.Verdict, r.Causes[0].ID)
			}
			front, ok := hops["front proxy"]
			if c.frontWorked == 0 && ok {
				t.Errorf("front hop from the access log %+v: every request on it was captured too", front)
			}
			if c.frontWorked > 0 && (front.Verdict != "healthy" || front.Worked != c.frontWorked) {
				t.Errorf("front hop from the access log: %s, %d worked; want healthy with the %d requests that worked", front.Verdict, front.Worked, c.frontWorked)
			}
			for _, h := range r.Hops {
				if h.Verdict == "failing" && h.Hop != dead.Hop && h.Role != string(diagnose.HopFront) {
					t.Errorf("hop %s fails (%s): only the dead backend and the front it served should", h.Hop, h.Causes[0].ID)
				}
			}
		})
	}
}
