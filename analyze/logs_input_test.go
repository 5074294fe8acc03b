package analyze

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hopscope/hopscope/knowledge"
)

func TestLogsDetectedAndRead(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "diagnose", "logs", "testdata")
	tests := []struct {
		file, kind string
		lines      int64
		signal     string
	}{
		{"apache22-error.log", "apache-error", 5, "log.proxy.connect-refused"},
		{"apache24-error.log", "apache-error", 20, "log.proxy.pass-body-failed"},
		{"nginx-error.log", "nginx-error", 7, "log.proxy.tls-handshake-timeout"},
		{"squid-access.log", "squid-access", 6, "proxy.connect.status.403"},
		{"mp-system.log", "mp-system", 4, "mp.log.handshake-timeout"},
		{"router-access.log", "router-access", 3, "gateway.fault.tunnel-failed"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			evs, inputs, err := Collect(context.Background(), kb, []string{path}, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(inputs) != 1 || inputs[0].Kind != tt.kind || inputs[0].Lines != tt.lines {
				t.Fatalf("inputs %+v, want kind %s with %d lines", inputs, tt.kind, tt.lines)
			}
			found := false
			for _, ev := range evs {
				if ev.Signal == tt.signal {
					found = true
					if ev.Path != path || ev.Line < 1 || !strings.HasPrefix(ev.Source, path+":") || ev.At.IsZero() {
						t.Errorf("evidence does not point at its line: %+v", ev)
					}
				}
			}
			if !found {
				t.Fatalf("no %s among %d evidence", tt.signal, len(evs))
			}
		})
	}
}

func TestLogsTiedAcrossFiles(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "diagnose", "logs", "testdata")
	paths := []string{filepath.Join(dir, "router-access.log"), filepath.Join(dir, "mp-system.log")}
	evs, _, err := Collect(context.Background(), kb, paths, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Signal == "mp.log.handshake-timeout" {
			if !strings.Contains(ev.Detail, "router-access.log:1") || !strings.Contains(ev.Detail, "message id") {
				t.Fatalf("handshake timeout not tied to the router's line by message id: %s", ev.Detail)
			}
			return
		}
	}
	t.Fatal("no mp.log.handshake-timeout evidence")
}
